"""Compiled kernels of the spiking networks: the clock driver.

One call advances the network by a chunk of steps. Inside one step of ``dt``,
in NEST's order:

1. **Sources emit.** Poisson sources draw their spike count for the step (a
   Poisson number, from one xorshift stream per source); spike sources emit the
   spikes whose time is the end of this step.
2. **Neurons integrate.** Every neuron is advanced over the step by its model's
   scheme (the model code of its population picks the update), reading the
   input that arrives in this step from the ring buffer slot ``step % n_slots``
   and clearing it; threshold and reset follow; each neuron writes a flag (1:
   spiked, 2: state not finite).
3. **Spikes are delivered.** Every spike of this step (sources first, then
   neurons in index order) adds weight × multiplicity to the ring buffer slot
   ``(step + d) % n_slots`` of each target's receptor channel, ``d`` >= 1 being
   the synapse's delay in steps; the target reads it in step ``step + d``. A
   spike of step k carries the time (k + 1) dt, as NEST stamps it.
4. **Recording**: spikes of recorded units, population spike counts, and state
   variables (after threshold and reset, as NEST's multimeter samples them).

Synapses are stored by source (the hot path is delivery): the out-edges of
source u form segments ``seg_ptr[u]:seg_ptr[u+1]``, one per distinct delay,
each a run of edges ``seg_edges[s]:seg_edges[s+1]`` sorted by target, so the
delay and the ring row are computed once per segment, not per synapse. A
target's channel is ``receptor * n_units + target`` (receptor 0 excitatory, 1
inhibitory; current-jump models read channel 0 only, receiving both, as NEST's
single buffer does).
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from neurodyn._intrinsics import fma
from neurodyn._kernels import xorshift_uniform
from neurodyn.config import inline_options, jit_options

INLINE = inline_options()
# Model updates and other large helpers are compiled once and called (LLVM may still inline
# them): Numba-level inlining of all of them made the first compilation take minutes.
HELPER = jit_options()

LIF_DELTA, LIF_EXP, LIF_COND, IZHIKEVICH, ADEX = 0, 1, 2, 3, 4  # as snn.models
V, SYN_EX, SYN_IN, FOURTH, STEP_SIZE = 0, 1, 2, 3, 4  # rows of the state array
SPIKED, UNSTABLE, NOT_FINITE = 1, 254, 255  # neuron flags (1..253: spikes in the step)
OK, STOPPED_NOT_FINITE = -1, 1


class NetworkBundle(NamedTuple):
    """The compiled network: what the kernel reads and never writes."""

    dt: float
    n_units: int  # neurons and sources, one index space
    pop_start: np.ndarray  # (P,) int64, neuron populations
    pop_stop: np.ndarray  # (P,) int64
    pop_model: np.ndarray  # (P,) int64 model codes
    pop_refractory: np.ndarray  # (P,) int64 refractory period in steps
    pop_coef: np.ndarray  # (P, N_COEFFICIENTS) float64 model constants
    seg_ptr: np.ndarray  # (n_units + 1,) int64: segments of each source unit
    seg_edges: np.ndarray  # (n_segments + 1,) int64: edges of each segment
    seg_delay: np.ndarray  # (n_segments,) int64: delay in steps (>= 1)
    syn_channel: np.ndarray  # (n_edges,) int32: receptor * n_units + target
    syn_weight: np.ndarray  # (n_edges,) float64
    n_slots: int  # ring buffer rows (max delay + 1)
    poisson_unit: np.ndarray  # (S,) int64 unit index of each Poisson source
    poisson_table: np.ndarray  # (S,) int64 table of each source's constant rate (below)
    table_ptr: np.ndarray  # (n_tables + 1,) int64: table t is table_cdf[ptr[t]:ptr[t+1]]
    table_cdf: np.ndarray  # P(count <= n) per step, the last entry of each table 1
    table_guide: np.ndarray  # (n_tables, GUIDE) int64: first n with cdf >= j / GUIDE
    input_ptr: np.ndarray  # (I + 1,) int64: Poisson input i drives input_units[ptr[i]:ptr[i+1]]
    input_units: np.ndarray  # (K,) int64 target neurons of the Poisson inputs
    input_table: np.ndarray  # (I,) int64 table of each input's count per step
    input_weight: np.ndarray  # (I,) float64 delivered per spike
    input_channel: np.ndarray  # (I,) int64 receptor offset (0 or n_units)
    input_delay: np.ndarray  # (I,) int64 delay in steps
    spike_step: np.ndarray  # (M,) int64 emission step of each given spike, sorted
    spike_unit: np.ndarray  # (M,) int64 unit of each given spike


class NetworkState(NamedTuple):
    """What the kernel advances in place."""

    values: np.ndarray  # (N_VARIABLES, n_units) float64
    refractory: np.ndarray  # (n_units,) int64 steps left
    ring: np.ndarray  # (n_slots * 2 * n_units,) float64: input arriving per step (row) and channel
    poisson_rng: np.ndarray  # (S,) uint64 xorshift states of the Poisson sources
    input_rng: np.ndarray  # (K,) uint64 xorshift states, one per neuron of each Poisson input
    counters: np.ndarray  # (2,) int64: [current step, next given spike]


class Drive(NamedTuple):
    """Inputs for one chunk of steps."""

    current: np.ndarray  # (n_units,) float64 pA: constant currents over the chunk
    current_block: np.ndarray  # (T, C) float64 pA: per-step currents of C columns
    current_units: np.ndarray  # (C,) int64 unit of each column
    rate_block: np.ndarray  # (T, R) float64 Hz: per-step rates of R Poisson sources
    rate_column: np.ndarray  # (S,) int64 column of rate_block of each Poisson source, or -1


class Recording(NamedTuple):
    """What to record and where (the spike buffers are grown by the kernel)."""

    spike_flag: np.ndarray  # (n_units,) uint8: 1 where spikes are recorded
    rate_slot: np.ndarray  # (n_units,) int64: column of rate_counts, or -1
    rate_counts: np.ndarray  # (T, n_rate) int64 spikes per step and monitored population
    state_row: np.ndarray  # (M,) int64 variable row of each state monitor
    state_offset: np.ndarray  # (M,) float64 added to the stored value (E_L for relative V)
    state_interval: np.ndarray  # (M,) int64 sampling interval in steps
    state_unit_ptr: np.ndarray  # (M + 1,) int64 into state_units
    state_units: np.ndarray  # (K,) int64
    state_out_ptr: np.ndarray  # (M,) int64 start of each monitor's rows in state_out
    state_out: np.ndarray  # flat float64, monitor m's rows (n_rows_m, n_units_m) row-major
    state_rows: np.ndarray  # (M,) int64 rows written so far in this chunk


# --- models ------------------------------------------------------------------------------------
# The grid models are written without branches (every choice a select), over unsigned
# indices, so that their loops vectorise; a state that stops being finite is flagged and
# left as it is (never reset), so that the caller can name the variable.


@njit(**HELPER)
def _lif_delta(c, refractory_steps, start, stop, values, refractory, ring_row, current, flags):
    if c[6] != 0.0:
        _lif_delta_keeping_input(c, refractory_steps, start, stop, values, refractory, ring_row,
                                 current, flags)  # fmt: skip
        return
    decay, gain, i_e, v_th, v_reset, v_min = c[0], c[1], c[2], c[3], c[4], c[5]
    voltage = values[V]
    for i in range(np.uintp(start), np.uintp(stop)):
        arriving = ring_row[i]
        ring_row[i] = 0.0
        r = refractory[i]
        y = voltage[i]
        integrated = gain * (current[i] + i_e) + decay * y + arriving  # NEST's order of terms
        integrated = v_min if integrated < v_min else integrated
        free = r == 0
        y = integrated if free else y
        r = r if free else r - 1
        finite = y - y == 0.0
        spike = (y >= v_th) & finite
        voltage[i] = v_reset if spike else y
        refractory[i] = refractory_steps if spike else r
        flags[i] = np.uint8(spike) if finite else np.uint8(NOT_FINITE)


@njit(**HELPER)
def _lif_delta_keeping_input(c, refractory_steps, start, stop, values, refractory, ring_row,
                             current, flags):  # fmt: skip
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
            y = v_min if y < v_min else y
        else:
            held[i] += arriving * np.exp(-r * dt_over_tau)
            r -= 1
        finite = y - y == 0.0
        spike = (y >= v_th) & finite
        voltage[i] = v_reset if spike else y
        refractory[i] = refractory_steps if spike else r
        flags[i] = np.uint8(spike) if finite else np.uint8(NOT_FINITE)


@njit(**HELPER)
def _lif_exp(c, refractory_steps, start, stop, n_units, values, refractory, ring_row, current,
             flags):  # fmt: skip
    decay, gain, p_ex, p_in, decay_ex, decay_in = c[0], c[1], c[2], c[3], c[4], c[5]
    i_e, v_th, v_reset = c[6], c[7], c[8]
    voltage, syn_ex, syn_in = values[V], values[SYN_EX], values[SYN_IN]
    inhibitory = np.uintp(n_units)
    for i in range(np.uintp(start), np.uintp(stop)):
        y = voltage[i]
        r = refractory[i]
        i_ex, i_in = syn_ex[i], syn_in[i]
        integrated = y * decay + i_ex * p_ex + i_in * p_in + (i_e + current[i]) * gain
        free = r == 0
        y = integrated if free else y
        r = r if free else r - 1
        i_ex = i_ex * decay_ex + ring_row[i]
        i_in = i_in * decay_in + ring_row[inhibitory + i]
        ring_row[i] = 0.0
        ring_row[inhibitory + i] = 0.0
        syn_ex[i], syn_in[i] = i_ex, i_in
        finite = (y - y == 0.0) & (i_ex - i_ex == 0.0) & (i_in - i_in == 0.0)
        spike = (y >= v_th) & finite
        voltage[i] = v_reset if spike else y
        refractory[i] = refractory_steps if spike else r
        flags[i] = np.uint8(spike) if finite else np.uint8(NOT_FINITE)


@njit(**HELPER)
def _lif_cond(c, refractory_steps, dt, start, stop, n_units, values, refractory, ring_row, current,
              flags):  # fmt: skip
    """iaf_cond_exp: one classical RK4 step for V with the conductances taken exactly at the
    stage times. The rate is linear in V, C dV/dt = B(t) - A(t) min(V, V_th), with
    A = g_L + g_ex + g_in and B = I + g_L E_L + g_ex E_ex + g_in E_in (NEST bounds V by V_th
    inside the currents); written so, a stage costs four operations."""
    g_l, e_l, e_ex, e_in, i_e, v_th, v_reset = c[1], c[2], c[3], c[4], c[5], c[6], c[7]
    inv_c = 1.0 / c[0]  # multiplications: four divisions a step halved the speed
    half_ex, full_ex, half_in, full_in = c[8], c[9], c[10], c[11]
    half, sixth = 0.5 * dt, dt / 6.0
    leak = g_l * e_l
    voltage, cond_ex, cond_in = values[V], values[SYN_EX], values[SYN_IN]
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
        cond_ex[i] = ge_full + ring_row[i]
        cond_in[i] = gi_full + ring_row[inhibitory + i]
        ring_row[i] = 0.0
        ring_row[inhibitory + i] = 0.0
        finite = y - y == 0.0
        spike = (y >= v_th) & finite & (not held)
        voltage[i] = v_reset if spike else y
        refractory[i] = refractory_steps if spike else r
        flags[i] = np.uint8(spike) if finite else np.uint8(NOT_FINITE)


@njit(**HELPER)
def _izhikevich(c, start, stop, values, refractory, ring_row, current, flags):
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
_DBL_MIN = 2.2250738585072014e-308


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
def _adex(c, refractory_steps, start, stop, n_units, values, refractory, ring_row, current, flags):
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
        y[1] += ring_row[i]
        y[2] += ring_row[n_units + i]
        ring_row[i] = 0.0
        ring_row[n_units + i] = 0.0
        for j in range(4):
            values[rows[j], i] = y[j]
        values[STEP_SIZE, i] = h
        refractory[i] = r
        flags[i] = flag


# --- sources and delivery ------------------------------------------------------------------------
_RECIPROCALS = 1.0 / np.maximum(np.arange(64.0), 1.0)  # a global array: a constant in the kernels
_MAX_SMALL_MEAN = 20.0  # means above are drawn as sums of parts (the inversion stays short)


@njit(**INLINE)
def _poisson_by_inversion(rng, stream, lam, exp_minus_lam):
    """Inversion of the Poisson(lam) distribution function: one uniform number, and a
    comparison for the count 0 (the only work in most steps of a low-rate source)."""
    u = xorshift_uniform(rng, stream)
    p = exp_minus_lam
    cdf = p
    n = 0
    while u > cdf and n < 63:
        n += 1
        p *= lam * _RECIPROCALS[n]
        cdf += p
    return n


@njit(**INLINE)
def poisson_count(rng, stream, lam, exp_minus_lam):
    """A Poisson(lam) number (a large lam as a sum of parts of at most 20)."""
    if lam <= _MAX_SMALL_MEAN:
        return _poisson_by_inversion(rng, stream, lam, exp_minus_lam)
    parts = int(lam / _MAX_SMALL_MEAN) + 1
    part = lam / parts
    exp_part = np.exp(-part)
    total = 0
    for _ in range(parts):
        total += _poisson_by_inversion(rng, stream, part, exp_part)
    return total


GUIDE = 1024  # cells of a guide table: most hold no step of the distribution function


@njit(**INLINE)
def poisson_from_table(rng, stream, cdf, first, guides, table):
    """A count drawn by inversion of a tabulated distribution function, started from its
    guide table: one uniform number and about one comparison, whatever the mean. (The
    guide is indexed in place: a row view would cost an atomic reference count.)"""
    u = xorshift_uniform(rng, stream)
    n = guides[table, np.int64(u * GUIDE)]
    while u > cdf[first + n]:
        n += 1
    return n


@njit(**INLINE)
def deliver(bundle, ring_flat, unit, multiplicity, step):
    """Add the spike of ``unit`` (with multiplicity) to every target's arrival slot."""
    width = 2 * bundle.n_units
    for s in range(bundle.seg_ptr[unit], bundle.seg_ptr[unit + 1]):
        row = (step + bundle.seg_delay[s]) % bundle.n_slots
        base = np.uintp(row * width)
        if multiplicity == 1:
            for e in range(np.uintp(bundle.seg_edges[s]), np.uintp(bundle.seg_edges[s + 1])):
                ring_flat[base + np.uintp(bundle.syn_channel[e])] += bundle.syn_weight[e]
        else:
            for e in range(np.uintp(bundle.seg_edges[s]), np.uintp(bundle.seg_edges[s + 1])):
                ring_flat[base + np.uintp(bundle.syn_channel[e])] += (
                    bundle.syn_weight[e] * multiplicity
                )


@njit(**HELPER)
def _update_populations(bundle, state, current, ring_row, flags):
    for p in range(bundle.pop_start.shape[0]):
        model, start, stop = bundle.pop_model[p], bundle.pop_start[p], bundle.pop_stop[p]
        c = bundle.pop_coef[p]
        ref = bundle.pop_refractory[p]
        n = bundle.n_units
        if model == LIF_DELTA:
            _lif_delta(
                c, ref, start, stop, state.values, state.refractory, ring_row, current, flags
            )
        elif model == LIF_EXP:
            _lif_exp(
                c, ref, start, stop, n, state.values, state.refractory, ring_row, current, flags
            )
        elif model == LIF_COND:
            _lif_cond(
                c,
                ref,
                bundle.dt,
                start,
                stop,
                n,
                state.values,
                state.refractory,
                ring_row,
                current,
                flags,
            )
        elif model == IZHIKEVICH:
            _izhikevich(c, start, stop, state.values, state.refractory, ring_row, current, flags)
        else:
            _adex(c, ref, start, stop, n, state.values, state.refractory, ring_row, current, flags)


@njit(**HELPER)
def _record_states(recording, values, step):
    for m in range(recording.state_row.shape[0]):
        if (step + 1) % recording.state_interval[m] != 0:
            continue
        first, last = recording.state_unit_ptr[m], recording.state_unit_ptr[m + 1]
        base = recording.state_out_ptr[m] + recording.state_rows[m] * (last - first)
        row, offset = recording.state_row[m], recording.state_offset[m]
        for j in range(first, last):
            recording.state_out[base + j - first] = values[row, recording.state_units[j]] + offset
        recording.state_rows[m] += 1


@njit(**HELPER)
def _emit_sources(bundle, state, drive, k, step, ring_flat, fired, counts):
    """Poisson and given spikes of this step, delivered; they open the step's list of
    spiking units (``fired``, with multiplicities ``counts``). Returns its length."""
    n_fired = 0
    for s in range(bundle.poisson_unit.shape[0]):
        column = drive.rate_column[s]
        if column < 0:
            table = bundle.poisson_table[s]
            count = poisson_from_table(
                state.poisson_rng, s, bundle.table_cdf, bundle.table_ptr[table],
                bundle.table_guide, table,
            )  # fmt: skip
        else:
            lam = drive.rate_block[k, column] * bundle.dt * 1e-3
            count = poisson_count(state.poisson_rng, s, lam, np.exp(-lam))
        if count:
            unit = bundle.poisson_unit[s]
            deliver(bundle, ring_flat, unit, count, step)
            fired[n_fired] = unit
            counts[n_fired] = count
            n_fired += 1
    cursor = state.counters[1]
    while cursor < bundle.spike_step.shape[0] and bundle.spike_step[cursor] <= step:
        if bundle.spike_step[cursor] == step:
            unit = bundle.spike_unit[cursor]
            deliver(bundle, ring_flat, unit, 1, step)
            if n_fired > 0 and fired[n_fired - 1] == unit:
                counts[n_fired - 1] += 1  # the same unit twice in one step
            else:
                fired[n_fired] = unit
                counts[n_fired] = 1
                n_fired += 1
        cursor += 1
    state.counters[1] = cursor
    return n_fired


@njit(**HELPER)
def _poisson_inputs(bundle, state, step, ring_flat):
    """Each neuron's own Poisson count of this step, times the weight, into its arrival slot."""
    width = 2 * bundle.n_units
    for i in range(bundle.input_table.shape[0]):
        table = bundle.input_table[i]
        first, weight = bundle.table_ptr[table], bundle.input_weight[i]
        row = (step + bundle.input_delay[i]) % bundle.n_slots
        base = row * width + bundle.input_channel[i]
        for j in range(bundle.input_ptr[i], bundle.input_ptr[i + 1]):
            count = poisson_from_table(
                state.input_rng, j, bundle.table_cdf, first, bundle.table_guide, table
            )
            ring_flat[base + bundle.input_units[j]] += weight * count


@njit(**HELPER)
def _collect_neurons(flags, words, fired, counts, n_fired):
    """Append the neurons that spiked (their flags) to the step's list, in index order.
    Returns (new length, -1) or (length, the first unit whose state is not finite)."""
    for w in range(words.shape[0]):  # eight flags at a time: most words are zero
        if words[w] == 0:
            continue
        for i in range(8 * w, 8 * w + 8):
            flag = flags[i]
            if flag:
                if flag >= UNSTABLE:
                    return n_fired, i
                fired[n_fired] = i
                counts[n_fired] = flag
                n_fired += 1
    return n_fired, -1


@njit(**HELPER)
def _record_spikes(recording, fired, counts, n_fired, step, k, spike_steps, spike_units, n_spikes):
    """Spikes of recorded units into the growing buffers (returned), population counts."""
    for f in range(n_fired):
        unit, count = fired[f], counts[f]
        if recording.rate_slot[unit] >= 0:
            recording.rate_counts[k, recording.rate_slot[unit]] += count
        if not recording.spike_flag[unit]:
            continue
        if n_spikes + count > spike_steps.shape[0]:
            grown = 2 * spike_steps.shape[0] + count
            steps_copy, units_copy = np.empty(grown, np.int64), np.empty(grown, np.int64)
            steps_copy[:n_spikes] = spike_steps[:n_spikes]
            units_copy[:n_spikes] = spike_units[:n_spikes]
            spike_steps, spike_units = steps_copy, units_copy
        for _ in range(count):
            spike_steps[n_spikes] = step
            spike_units[n_spikes] = unit
            n_spikes += 1
    return spike_steps, spike_units, n_spikes


@njit(**jit_options())
def advance(bundle, state, drive, recording, n_steps, spike_steps, spike_units):
    """Run ``n_steps`` steps from ``state.counters[0]``.

    Returns ``(status, steps_done, bad_unit, spike_steps, spike_units, n_spikes)``:
    status -1, or 1 when a neuron's state stopped being finite (or left NEST's
    stability bounds) in step ``steps_done`` (the state is left as it was then);
    the recorded spikes are ``spike_units[:n_spikes]`` at emission steps
    ``spike_steps[:n_spikes]`` (the buffers grow here when full).
    """
    n_units = bundle.n_units
    ring_flat = state.ring
    width = 2 * n_units
    flags = np.zeros(8 * ((n_units + 7) // 8), np.uint8)  # a whole number of 64-bit words
    words = flags.view(np.uint64)
    fired = np.empty(n_units, np.int64)  # the units that spiked in the step, in order
    counts = np.empty(n_units, np.int64)  # and how many times
    current = drive.current.copy()
    n_spikes = 0
    for k in range(n_steps):
        step = state.counters[0]
        slot = step % bundle.n_slots
        for col in range(drive.current_units.shape[0]):  # per-step currents on top of constants
            unit = drive.current_units[col]
            current[unit] = drive.current[unit]
        for col in range(drive.current_units.shape[0]):
            current[drive.current_units[col]] += drive.current_block[k, col]
        # 1. sources emit (and are delivered)
        n_fired = _emit_sources(bundle, state, drive, k, step, ring_flat, fired, counts)
        n_sources_fired = n_fired
        _poisson_inputs(bundle, state, step, ring_flat)
        # 2. neurons integrate, cross threshold and reset
        ring_row = ring_flat[slot * width : (slot + 1) * width]
        _update_populations(bundle, state, current, ring_row, flags)
        n_fired, bad_unit = _collect_neurons(flags, words, fired, counts, n_fired)
        if bad_unit >= 0:
            return STOPPED_NOT_FINITE, k, bad_unit, spike_steps, spike_units, n_spikes
        # 3. the neurons' spikes are delivered, in index order
        for f in range(n_sources_fired, n_fired):
            deliver(bundle, ring_flat, fired[f], counts[f], step)
        # 4. recording: spikes, population counts, state variables after threshold and reset
        spike_steps, spike_units, n_spikes = _record_spikes(
            recording, fired, counts, n_fired, step, k, spike_steps, spike_units, n_spikes
        )
        _record_states(recording, state.values, step)
        state.counters[0] = step + 1
    return OK, n_steps, -1, spike_steps, spike_units, n_spikes
