"""Compiled neuron updates: one function per model, advancing neurons ``start:stop``
of one population over one step of the clock driver.

Each reads the input arriving in this step from the ring row (excitatory channel
``i``, inhibitory channel ``n_units + i``), clears it, integrates, applies threshold
and reset, and writes one flag per neuron: 0, the number of spikes it emitted, or
NOT_FINITE / UNSTABLE when its state stopped being finite or left NEST's bounds.
The coefficient row ``c`` is :meth:`snn.models.NeuronModel.coefficients`.
"""

import numpy as np
from numba import njit

from neurodyn._intrinsics import fma
from neurodyn.config import inline_options, jit_options

INLINE = inline_options()
# Model updates are compiled once and called (LLVM may still inline them): Numba-level
# inlining of all of them made the first compilation take minutes.
HELPER = jit_options()

LIF_DELTA, LIF_EXP, LIF_COND, IZHIKEVICH, ADEX = 0, 1, 2, 3, 4  # as snn.models
V, SYN_EX, SYN_IN, FOURTH, STEP_SIZE = 0, 1, 2, 3, 4  # rows of the state array
SPIKED, UNSTABLE, NOT_FINITE = 1, 254, 255  # neuron flags (1..253: spikes in the step)
_DBL_MIN = 2.2250738585072014e-308  # the smallest normal float64


# --- models ------------------------------------------------------------------------------------
# The grid models are written without branches (every choice a select), over unsigned
# indices, so that their loops vectorise; a state that stops being finite is flagged and
# left as it is (never reset), so that the caller can name the variable.


@njit(**INLINE)
def _flushed(x):
    """x, or 0 when x is subnormal. A quantity that decays geometrically towards 0
    (a silent neuron's synaptic state) would otherwise end in the subnormal range, where
    rounding keeps it for ever (5e-324 * 0.6 rounds to 5e-324) and every operation on it
    costs about a hundred cycles: a quiet network then ran three to twenty times slower."""
    return x if abs(x) >= _DBL_MIN else 0.0


@njit(**INLINE)
def _fire(y, r, finite, v_th, v_reset, refractory_steps):
    """Threshold and reset: (V, refractory count, flag) at the end of a step. A state that
    is not finite is flagged and kept, never reset."""
    spike = (y >= v_th) & finite
    flag = np.uint8(spike) if finite else np.uint8(NOT_FINITE)
    return (v_reset if spike else y), (refractory_steps if spike else r), flag


@njit(**HELPER)
def lif_delta(
    c, refractory_steps, dt, start, stop, n_units, values, refractory, ring_row, current, flags
):
    if c[6] != 0.0:
        lif_delta_keeping_input(c, refractory_steps, dt, start, stop, n_units, values, refractory, ring_row, current, flags)  # fmt: skip
        return
    decay, gain, i_e, v_th, v_reset, v_min = c[0], c[1], c[2], c[3], c[4], c[5]
    voltage = values[V]
    for i in range(np.uintp(start), np.uintp(stop)):
        arriving = ring_row[i]
        ring_row[i] = 0.0
        r = refractory[i]
        y = voltage[i]
        integrated = gain * (current[i] + i_e) + decay * y + arriving  # NEST's order of terms
        integrated = _flushed(v_min if integrated < v_min else integrated)
        free = r == 0
        y = integrated if free else y
        r = r if free else r - 1
        voltage[i], refractory[i], flags[i] = _fire(
            y, r, y - y == 0.0, v_th, v_reset, refractory_steps
        )


@njit(**HELPER)
def lif_delta_keeping_input(
    c, refractory_steps, dt, start, stop, n_units, values, refractory, ring_row, current, flags
):
    """iaf_psc_delta with refractory_input: input arriving while refractory is kept, decayed
    to the end of the refractory period, and added then."""
    decay, gain, i_e, v_th, v_reset, v_min, dt_over_tau = c[0], c[1], c[2], c[3], c[4], c[5], c[7]
    voltage = values[V]
    held = values[SYN_EX]
    for i in range(start, stop):
        arriving = ring_row[i]
        ring_row[i] = 0.0
        y = voltage[i]
        r = refractory[i]
        if r == 0:
            y = gain * (current[i] + i_e) + decay * y + arriving
            if held[i] != 0.0:
                y += held[i]
                held[i] = 0.0
            y = _flushed(v_min if y < v_min else y)
        else:
            held[i] += arriving * np.exp(-r * dt_over_tau)
            r -= 1
        voltage[i], refractory[i], flags[i] = _fire(
            y, r, y - y == 0.0, v_th, v_reset, refractory_steps
        )


@njit(**HELPER)
def lif_exp(
    c, refractory_steps, dt, start, stop, n_units, values, refractory, ring_row, current, flags
):
    decay, gain, p_ex, p_in, decay_ex, decay_in = c[0], c[1], c[2], c[3], c[4], c[5]
    i_e, v_th, v_reset = c[6], c[7], c[8]
    voltage, syn_ex, syn_in = values[V], values[SYN_EX], values[SYN_IN]
    inhibitory = np.uintp(n_units)
    for i in range(np.uintp(start), np.uintp(stop)):
        y = voltage[i]
        r = refractory[i]
        i_ex, i_in = syn_ex[i], syn_in[i]
        integrated = _flushed(y * decay + i_ex * p_ex + i_in * p_in + (i_e + current[i]) * gain)
        free = r == 0
        y = integrated if free else y
        r = r if free else r - 1
        i_ex = _flushed(i_ex * decay_ex) + ring_row[i]
        i_in = _flushed(i_in * decay_in) + ring_row[inhibitory + i]
        ring_row[i] = 0.0
        ring_row[inhibitory + i] = 0.0
        syn_ex[i], syn_in[i] = i_ex, i_in
        finite = (y - y == 0.0) & (i_ex - i_ex == 0.0) & (i_in - i_in == 0.0)
        voltage[i], refractory[i], flags[i] = _fire(y, r, finite, v_th, v_reset, refractory_steps)


@njit(**HELPER)
def lif_cond(
    c, refractory_steps, dt, start, stop, n_units, values, refractory, ring_row, current, flags
):
    """iaf_cond_exp: one classical RK4 step for V with the conductances taken exactly at the
    stage times. The rate is linear in V, C dV/dt = B(t) - A(t) min(V, V_th), with
    A = g_L + g_ex + g_in and B = I + g_L E_L + g_ex E_ex + g_in E_in (NEST bounds V by V_th
    inside the currents); written so, a stage costs four operations."""
    g_l, e_l, e_ex, e_in, i_e, v_th, v_reset = c[1], c[2], c[3], c[4], c[5], c[6], c[7]
    inv_c = 1.0 / c[0]  # multiplications: four divisions a step halved the speed
    half_ex, full_ex, half_in, full_in = c[8], c[9], c[10], c[11]
    theta_plus, theta_decay = c[12], c[13]  # the homeostatic threshold (0 and 1 when off)
    half, sixth = 0.5 * dt, dt / 6.0
    leak = g_l * e_l
    voltage, cond_ex, cond_in, rise = values[V], values[SYN_EX], values[SYN_IN], values[FOURTH]
    inhibitory = np.uintp(n_units)
    for i in range(np.uintp(start), np.uintp(stop)):
        y = voltage[i]
        ge, gi = cond_ex[i], cond_in[i]
        r = refractory[i]
        drive = i_e + current[i] + leak
        ge_half, gi_half, ge_full, gi_full = ge * half_ex, gi * half_in, ge * full_ex, gi * full_in
        # A / C and B / C at the three stage times (fused multiply-adds halve the work)
        a0 = (g_l + ge + gi) * inv_c
        a1 = (g_l + ge_half + gi_half) * inv_c
        a2 = (g_l + ge_full + gi_full) * inv_c
        b0 = fma(gi, e_in, fma(ge, e_ex, drive)) * inv_c
        b1 = fma(gi_half, e_in, fma(ge_half, e_ex, drive)) * inv_c
        b2 = fma(gi_full, e_in, fma(ge_full, e_ex, drive)) * inv_c
        k1 = fma(-a0, min(y, v_th), b0)
        k2 = fma(-a1, min(fma(half, k1, y), v_th), b1)
        k3 = fma(-a1, min(fma(half, k2, y), v_th), b1)
        k4 = fma(-a2, min(fma(dt, k3, y), v_th), b2)
        held = r > 0  # refractory: dV/dt = 0, V held at V_reset, the count goes down
        y = v_reset if held else y + sixth * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        r = r - 1 if held else r
        cond_ex[i] = _flushed(ge_full) + ring_row[i]
        cond_in[i] = _flushed(gi_full) + ring_row[inhibitory + i]
        ring_row[i] = 0.0
        ring_row[inhibitory + i] = 0.0
        # the threshold is not checked while refractory (V is V_reset then anyway)
        theta = rise[i] * theta_decay
        voltage[i], refractory[i], flags[i] = _fire(
            y, r, y - y == 0.0, v_th + theta, v_reset, refractory_steps
        )
        rise[i] = _flushed(theta) + (theta_plus if flags[i] == SPIKED else 0.0)


@njit(**HELPER)
def izhikevich(
    c, refractory_steps, dt, start, stop, n_units, values, refractory, ring_row, current, flags
):
    a, b, reset_v, jump_u, i_e, v_th, v_min, dt = c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
    consistent = c[8] != 0.0
    voltage, recovery = values[V], values[FOURTH]
    for i in range(np.uintp(start), np.uintp(stop)):
        v, u = voltage[i], recovery[i]
        arriving = ring_row[i]
        ring_row[i] = 0.0
        if consistent:  # NEST's order of the sum, so that traces agree to the last bit
            v_new = v + dt * (0.04 * v * v + 5.0 * v + 140.0 - u + current[i] + i_e) + arriving
            u += dt * a * (b * v - u)
            v = v_new
        else:  # Izhikevich (2003): two half steps of v, then u from the new v
            v += dt * 0.5 * (0.04 * v * v + 5.0 * v + 140.0 - u + current[i] + i_e + arriving)
            v += dt * 0.5 * (0.04 * v * v + 5.0 * v + 140.0 - u + current[i] + i_e + arriving)
            u += dt * a * (b * v - u)
        v = v_min if v < v_min else v
        finite = (v - v == 0.0) & (u - u == 0.0)
        spike = (v >= v_th) & finite
        voltage[i] = reset_v if spike else v
        recovery[i] = u + jump_u if spike else u
        flags[i] = np.uint8(spike) if finite else np.uint8(NOT_FINITE)


# --- AdEx: GSL's adaptive Runge–Kutta–Fehlberg 4(5), as NEST integrates aeif_cond_exp --------
_RKF_A = (0.25, 3.0 / 8.0, 12.0 / 13.0, 1.0, 0.5)
_RKF_B3 = (3.0 / 32.0, 9.0 / 32.0)
_RKF_B4 = (1932.0 / 2197.0, -7200.0 / 2197.0, 7296.0 / 2197.0)
_RKF_B5 = (8341.0 / 4104.0, -32832.0 / 4104.0, 29440.0 / 4104.0, -845.0 / 4104.0)
_RKF_B6 = (
    -6080.0 / 20520.0,
    41040.0 / 20520.0,
    -28352.0 / 20520.0,
    9295.0 / 20520.0,
    -5643.0 / 20520.0,
)
_RKF_C = (
    902880.0 / 7618050.0,
    3953664.0 / 7618050.0,
    3855735.0 / 7618050.0,
    -1371249.0 / 7618050.0,
    277020.0 / 7618050.0,
)
_RKF_E = (1.0 / 360.0, -128.0 / 4275.0, -2197.0 / 75240.0, 1.0 / 50.0, 2.0 / 55.0)
_RKF_ORDER = 5


@njit(**HELPER)
def _adex_rates(y, out, c, drive, refractory):
    """dy/dt of (V, g_ex, g_in, w) for aeif_cond_exp (NEST's aeif_cond_exp_dynamics)."""
    c_m, g_l, e_l, e_ex, e_in = c[0], c[1], c[2], c[3], c[4]
    v_th, v_reset, delta_t, v_bound = c[6], c[7], c[8], c[9]
    tau_w, a, tau_ex, tau_in = c[11], c[12], c[14], c[15]
    v = v_reset if refractory else (y[0] if y[0] < v_bound else v_bound)
    g_ex, g_in, w = y[1], y[2], y[3]
    spike_current = 0.0 if delta_t == 0.0 else g_l * delta_t * np.exp((v - v_th) / delta_t)
    if refractory:
        out[0] = 0.0
    else:
        out[0] = (
            -g_l * (v - e_l) + spike_current - g_ex * (v - e_ex) - g_in * (v - e_in) - w + drive
        ) / c_m
    out[1] = -g_ex / tau_ex
    out[2] = -g_in / tau_in
    out[3] = (a * (v - e_l) - w) / tau_w


@njit(**HELPER)
def _rkf45_step(y, h, k, tmp, out, err, c, drive, refractory):
    """One Fehlberg step of size h from y (k[0] holds dy/dt at y); writes the fifth-order
    solution to ``out``, the error estimate to ``err`` and dy/dt at ``out`` to k[6]."""
    for j in range(4):
        tmp[j] = y[j] + _RKF_A[0] * h * k[0, j]
    _adex_rates(tmp, k[1], c, drive, refractory)
    for j in range(4):
        tmp[j] = y[j] + h * (_RKF_B3[0] * k[0, j] + _RKF_B3[1] * k[1, j])
    _adex_rates(tmp, k[2], c, drive, refractory)
    for j in range(4):
        tmp[j] = y[j] + h * (_RKF_B4[0] * k[0, j] + _RKF_B4[1] * k[1, j] + _RKF_B4[2] * k[2, j])
    _adex_rates(tmp, k[3], c, drive, refractory)
    for j in range(4):
        tmp[j] = y[j] + h * (
            _RKF_B5[0] * k[0, j]
            + _RKF_B5[1] * k[1, j]
            + _RKF_B5[2] * k[2, j]
            + _RKF_B5[3] * k[3, j]
        )
    _adex_rates(tmp, k[4], c, drive, refractory)
    for j in range(4):
        tmp[j] = y[j] + h * (
            _RKF_B6[0] * k[0, j]
            + _RKF_B6[1] * k[1, j]
            + _RKF_B6[2] * k[2, j]
            + _RKF_B6[3] * k[3, j]
            + _RKF_B6[4] * k[4, j]
        )
    _adex_rates(tmp, k[5], c, drive, refractory)
    for j in range(4):
        slope = (
            _RKF_C[0] * k[0, j]
            + _RKF_C[1] * k[2, j]
            + _RKF_C[2] * k[3, j]
            + _RKF_C[3] * k[4, j]
            + _RKF_C[4] * k[5, j]
        )
        out[j] = y[j] + h * slope
    _adex_rates(out, k[6], c, drive, refractory)
    for j in range(4):
        err[j] = h * (
            _RKF_E[0] * k[0, j]
            + _RKF_E[1] * k[2, j]
            + _RKF_E[2] * k[3, j]
            + _RKF_E[3] * k[4, j]
            + _RKF_E[4] * k[5, j]
        )


@njit(**HELPER)
def _adjusted_step(out, err, k, h, tolerance):
    """GSL's standard controller with a_y = 0, a_dydt = 1 (NEST's control_yp): returns
    (new h, -1 to shrink / 0 to keep / 1 to grow)."""
    worst = _DBL_MIN
    for j in range(4):
        scale = tolerance * abs(h * k[6, j]) + tolerance
        ratio = abs(err[j]) / abs(scale)
        worst = ratio if ratio > worst else worst
    if worst > 1.1:
        factor = 0.9 / worst ** (1.0 / _RKF_ORDER)
        return h * (factor if factor > 0.2 else 0.2), -1
    if worst < 0.5:
        factor = 0.9 / worst ** (1.0 / (_RKF_ORDER + 1.0))
        factor = 5.0 if factor > 5.0 else factor
        return h * (factor if factor > 1.0 else 1.0), 1
    return h, 0


@njit(**HELPER)
def adex(
    c, refractory_steps, dt, start, stop, n_units, values, refractory, ring_row, current, flags
):
    tolerance, dt = c[16], c[17]
    v_reset, spike_at, b = c[7], c[10], c[13]
    y = np.empty(4)
    out = np.empty(4)
    tmp = np.empty(4)
    err = np.empty(4)
    k = np.empty((7, 4))
    rows = (V, SYN_EX, SYN_IN, FOURTH)
    for i in range(start, stop):
        for j in range(4):
            y[j] = values[rows[j], i]
        h = values[STEP_SIZE, i]
        r = refractory[i]
        drive = c[5] + current[i]
        t = 0.0
        flag = 0
        while t < dt:  # gsl_odeiv_evolve_apply, called until the step is covered
            _adex_rates(y, k[0], c, drive, r > 0)
            while True:
                step = h
                final = False
                if step > dt - t:
                    step = dt - t
                    final = True
                _rkf45_step(y, step, k, tmp, out, err, c, drive, r > 0)
                t_next = dt if final else t + step
                h, change = _adjusted_step(out, err, k, step, tolerance)
                if change == -1:
                    if h < step and t_next + h != t_next:
                        continue  # rejected: try again from y with the smaller step
                    h = step
                break
            t = t_next
            for j in range(4):
                y[j] = out[j]
            if y[0] - y[0] != 0.0 or y[3] - y[3] != 0.0:
                flag = NOT_FINITE
                break
            if y[0] < -1e3 or y[3] < -1e6 or y[3] > 1e6:
                flag = UNSTABLE  # NEST's NumericalInstability bounds
                break
            if r > 0:
                y[0] = v_reset
            elif y[0] >= spike_at:
                y[0] = v_reset
                y[3] += b
                r = refractory_steps + 1 if refractory_steps > 0 else 0
                flag = flag + 1 if flag < UNSTABLE - 1 else flag  # several spikes can share a step
        if r > 0:
            r -= 1
        y[1] = _flushed(y[1]) + ring_row[i]
        y[2] = _flushed(y[2]) + ring_row[n_units + i]
        y[3] = _flushed(y[3])
        ring_row[i] = 0.0
        ring_row[n_units + i] = 0.0
        for j in range(4):
            values[rows[j], i] = y[j]
        values[STEP_SIZE, i] = h
        refractory[i] = r
        flags[i] = flag


@njit(**HELPER)
def update_range(
    model,
    c,
    refractory_steps,
    dt,
    start,
    stop,
    n_units,
    values,
    refractory,
    ring_row,
    current,
    flags,
):
    """Advance neurons ``start:stop`` of one population by one step of its ``model``."""
    args = (c, refractory_steps, dt, start, stop, n_units, values, refractory, ring_row, current)
    if model == LIF_DELTA:
        lif_delta(*args, flags)
    elif model == LIF_EXP:
        lif_exp(*args, flags)
    elif model == LIF_COND:
        lif_cond(*args, flags)
    elif model == IZHIKEVICH:
        izhikevich(*args, flags)
    else:
        adex(*args, flags)
