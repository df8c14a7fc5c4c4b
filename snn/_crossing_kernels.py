"""Compiled neuron dynamics of the event driver: a LIF neuron's state between events and
its next threshold crossing.

``LIF(synapse="delta")`` has a closed form; ``LIF(synapse="exp")`` is
V(s) = V_inf + (V0 - V_inf) e^(-s/tau_m) + sum_x I_x P_x(s) / C with
P_x(s) = (e^(-s/tau_x) - e^(-s/tau_m)) / (1/tau_m - 1/tau_x), and its first crossing
is found by interval bounds (every term is monotone or unimodal, so its extreme over
an interval is known exactly): intervals whose upper bound stays below threshold are
skipped, the first one that may hold a crossing is halved, and the crossing is then
located by the Illinois method to ``CROSSING_TOLERANCE``.

A population's parameters are one row of ``pop_param`` indexed by the names below,
voltages relative to E_L.
"""

import numpy as np
from numba import njit

from neurodyn.config import inline_options, jit_options

INLINE = inline_options()
HELPER = jit_options()

DELTA, EXP = 0, 1  # neuron kinds (the event driver adds its input kinds after these)
TAU_M, INV_C, THETA, V_RESET, T_REF, I_E, V_MIN, TAU_EX, TAU_IN, KIND = range(10)
N_PARAMS = 10
CROSSING_TOLERANCE = 1e-12  # ms: LIF(synapse="exp") crossings are located to this
_BRACKET_WIDTH = 0.05  # ms: below this a sign change is taken to hold one crossing
_MAX_SEARCH = 4000
INF = np.inf


# --- dynamics between events --------------------------------------------------------------
@njit(**INLINE)
def _kernel_p(s, tau_m, tau_x):
    """P(s) = (e^(-s/tau_x) - e^(-s/tau_m)) / (1/tau_m - 1/tau_x): the voltage (per unit
    current over C) that a synaptic current decaying with tau_x has produced after s ms;
    written with expm1 so that tau_x = tau_m (s e^(-s/tau_m)) needs no special case."""
    rate = 1.0 / tau_m - 1.0 / tau_x
    if rate == 0.0:
        return s * np.exp(-s / tau_m)
    return np.exp(-s / tau_m) * np.expm1(s * rate) / rate


@njit(**INLINE)
def _kernel_peak(tau_m, tau_x):
    """Where P peaks (it rises from 0, peaks once and decays)."""
    if tau_m == tau_x:
        return tau_m
    return np.log(tau_m / tau_x) / (1.0 / tau_x - 1.0 / tau_m)


@njit(**INLINE)
def _drive(param, current):
    """V_inf relative to E_L: R (I_e + stimulus)."""
    return param[TAU_M] * param[INV_C] * (param[I_E] + current)


@njit(**HELPER)
def state_at(kind, param, y, i_ex, i_in, t_last, t_free, current, t):
    """(V - E_L, I_ex, I_in) at ``t`` >= t_last from the state at t_last: V is held at
    V_reset until t_free, currents decay throughout."""
    if t <= t_last:
        return y, i_ex, i_in
    if kind == DELTA:
        if t <= t_free:
            return y, i_ex, i_in
        start = t_last if t_last > t_free else t_free
        v_inf = _drive(param, current)
        v = v_inf + (y - v_inf) * np.exp(-(t - start) / param[TAU_M])
        return (v if v > param[V_MIN] else param[V_MIN]), i_ex, i_in
    tau_m, tau_ex, tau_in = param[TAU_M], param[TAU_EX], param[TAU_IN]
    if t_last < t_free:  # refractory: the currents decay while V waits at V_reset
        until = t if t < t_free else t_free
        i_ex *= np.exp(-(until - t_last) / tau_ex)
        i_in *= np.exp(-(until - t_last) / tau_in)
        if t <= t_free:
            return y, i_ex, i_in
        t_last = t_free
    s = t - t_last
    v_inf = _drive(param, current)
    v = v_inf + (y - v_inf) * np.exp(-s / tau_m)
    v += (i_ex * _kernel_p(s, tau_m, tau_ex) + i_in * _kernel_p(s, tau_m, tau_in)) * param[INV_C]
    return v, i_ex * np.exp(-s / tau_ex), i_in * np.exp(-s / tau_in)


@njit(**INLINE)
def _crossing_delta(param, y, start, current):
    """Time of the threshold crossing from V - E_L = y at ``start`` under a constant drive."""
    theta = param[THETA]
    if y >= theta:
        return start
    v_inf = _drive(param, current)
    if v_inf <= theta:
        return INF
    return start + param[TAU_M] * np.log((v_inf - y) / (v_inf - theta))


# --- LIF(synapse="exp"): the first crossing by interval bounds ---------------------------------------
@njit(**HELPER)
def _distance(c, s):
    """V(s) - theta for the trajectory c = (V_inf - theta, V0 - V_inf, tau_m, A_ex, tau_ex,
    A_in, tau_in), A the synaptic currents over C."""
    v = c[0] + c[1] * np.exp(-s / c[2])
    return v + c[3] * _kernel_p(s, c[2], c[4]) + c[5] * _kernel_p(s, c[2], c[6])


@njit(**INLINE)
def _term_bound(amplitude, tau_m, tau_x, lo, hi):
    """The largest value of amplitude P(s) over [lo, hi] (hi may be inf)."""
    if amplitude == 0.0:
        return 0.0
    if amplitude < 0.0:  # P >= 0 is unimodal: its smallest value sits at an end
        if hi == INF:
            return 0.0
        return amplitude * min(_kernel_p(lo, tau_m, tau_x), _kernel_p(hi, tau_m, tau_x))
    peak = _kernel_peak(tau_m, tau_x)
    at = lo if peak < lo else (hi if peak > hi else peak)
    return amplitude * _kernel_p(at, tau_m, tau_x)


@njit(**HELPER)
def _upper_bound(c, lo, hi):
    """An upper bound of V(s) - theta over [lo, hi]: each term at its own maximum."""
    if c[1] > 0.0:
        membrane = c[1] * np.exp(-lo / c[2])
    else:
        membrane = 0.0 if hi == INF else c[1] * np.exp(-hi / c[2])
    return (
        c[0]
        + membrane
        + _term_bound(c[3], c[2], c[4], lo, hi)
        + _term_bound(c[5], c[2], c[6], lo, hi)
    )


@njit(**HELPER)
def _refine(c, lo, hi):
    """The crossing inside [lo, hi] (V(lo) < theta <= V(hi)) by the Illinois method."""
    f_lo, f_hi = _distance(c, lo), _distance(c, hi)
    side = 0
    for _ in range(200):
        if hi - lo <= CROSSING_TOLERANCE:
            break
        mid = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
        if not (lo < mid < hi):
            mid = 0.5 * (lo + hi)
        f_mid = _distance(c, mid)
        if f_mid >= 0.0:
            hi, f_hi = mid, f_mid
            if side == 1:
                f_lo *= 0.5
            side = 1
        else:
            lo, f_lo = mid, f_mid
            if side == -1:
                f_hi *= 0.5
            side = -1
    return hi


@njit(**HELPER)
def first_crossing(c, s_from, exact):
    """(s, found): the first s >= s_from with V(s) >= theta (inf: none), found True. With
    ``exact`` False the search may stop early at a lower bound (no crossing lies before
    it), found False."""
    if _distance(c, s_from) >= 0.0:
        return s_from, True
    lo = s_from
    width = 0.25 * min(c[2], c[4], c[6])
    for _ in range(_MAX_SEARCH):
        hi = lo + width
        if _upper_bound(c, lo, hi) < 0.0:
            lo, width = hi, 2.0 * width
            if c[0] < 0.0 and _upper_bound(c, lo, INF) < 0.0:
                return INF, True
            continue
        if not exact:
            return lo, False
        if width <= _BRACKET_WIDTH and _distance(c, hi) >= 0.0:
            return _refine(c, lo, hi), True
        if width <= CROSSING_TOLERANCE:  # touches threshold from below without crossing
            lo, width = hi, 2.0 * width
            continue
        width *= 0.5
    return INF, True


@njit(**HELPER)
def next_crossing(kind, param, y, i_ex, i_in, t_last, t_free, current, s_from, exact):
    """(time, exact) of the next threshold crossing from the state at t_last, searched
    from ``s_from`` ms after the end of the refractory period; time is nan when the state
    is not finite, and for exp synapses only a lower bound unless ``exact``."""
    if not (y - y == 0.0 and i_ex - i_ex == 0.0 and i_in - i_in == 0.0):
        return np.nan, True
    start = t_last if t_last > t_free else t_free
    if kind == DELTA:
        return _crossing_delta(param, y, start, current), True
    y, i_ex, i_in = state_at(EXP, param, y, i_ex, i_in, t_last, t_free, current, start)
    v_inf = _drive(param, current)
    c = (
        v_inf - param[THETA], y - v_inf, param[TAU_M],
        i_ex * param[INV_C], param[TAU_EX], i_in * param[INV_C], param[TAU_IN],
    )  # fmt: skip
    s, found = first_crossing(c, s_from, exact)
    return start + s, found
