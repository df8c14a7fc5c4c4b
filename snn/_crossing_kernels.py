"""Compiled neuron dynamics of the event driver: a LIF neuron's state between events and
its next threshold crossing.

``LIF(synapse="delta")`` has a closed form; ``LIF(synapse="exp")`` is
V(s) = V_inf + (V0 - V_inf) e^(-s/tau_m) + sum_x I_x P_x(s) / C with
P_x(s) = (e^(-s/tau_x) - e^(-s/tau_m)) / (1/tau_m - 1/tau_x), and its first crossing
is exact where it must be: V - theta is a constant plus three exponentials, so it has at
most two extremes; they are the roots of its slope, which has one extreme in closed
form. Between extremes V is monotone, each piece holds at most one crossing, and the
first is located by the Illinois method to ``CROSSING_TOLERANCE``. A cheaper lower
bound (no crossing before it) comes from interval bounds, every term being monotone or
unimodal so that its extreme over an interval is known exactly.

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
# ms, relative beyond 1 ms after the last event: LIF(synapse="exp") crossings are located
# to this (a looser 1e-12 left spike times 5e-11 ms apart from NEST once errors carried on)
CROSSING_TOLERANCE = 1e-14
_MAX_SEARCH = 64  # doublings of the lower-bound search
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
def _slope(c, s):
    """dV/ds e^(s/tau_m): the sign of V's slope, written without the cancellations of
    the expanded form, and monotone between the closed-form points of ``_slope_turns``."""
    tau_m = c[2]
    value = -c[1] / tau_m
    for amplitude, tau_x in ((c[3], c[4]), (c[5], c[6])):
        if amplitude != 0.0:
            rate = 1.0 / tau_m - 1.0 / tau_x
            growth = s if rate == 0.0 else np.expm1(s * rate) / rate
            value += amplitude * (1.0 - growth / tau_x)
    return value


@njit(**INLINE)
def _slope_turn(c):
    """Where ``_slope`` has its one extreme (its derivative is -A_ex e^(s r_ex)/tau_ex
    - A_in e^(s r_in)/tau_in, zero at most once), or -1 when it is monotone."""
    a_ex, tau_ex, a_in, tau_in = c[3], c[4], c[5], c[6]
    if a_ex * a_in >= 0.0 or tau_ex == tau_in:
        return -1.0
    return np.log(-a_in * tau_ex / (a_ex * tau_in)) / (1.0 / tau_in - 1.0 / tau_ex)


@njit(**INLINE)
def _slope_limit_sign(c):
    """The sign of ``_slope`` as s grows without bound."""
    tau_m = c[2]
    fastest, amplitude, limit = -INF, 0.0, -c[1] / tau_m
    for a, tau_x in ((c[3], c[4]), (c[5], c[6])):
        if a == 0.0:
            continue
        rate = 1.0 / tau_m - 1.0 / tau_x
        if rate >= 0.0:  # this term grows without bound
            if rate > fastest:
                fastest, amplitude = rate, a
            elif rate == fastest:
                amplitude += a
        else:
            limit += a * (1.0 + 1.0 / (tau_x * rate))
    if amplitude != 0.0:
        return -np.sign(amplitude)
    return np.sign(limit)


@njit(**HELPER)
def _value(c, slope, s):
    return _slope(c, s) if slope else _distance(c, s)


@njit(**HELPER)
def _root(c, slope, lo, hi):
    """A sign change of V - theta (or of its slope) inside [lo, hi] located by the
    Illinois method to ``CROSSING_TOLERANCE``: the end where it is >= 0 when the
    function rises through zero, the lower end when it falls."""
    f_lo, f_hi = _value(c, slope, lo), _value(c, slope, hi)
    rising = f_hi >= 0.0
    side = 0
    for _ in range(200):
        if hi - lo <= CROSSING_TOLERANCE * max(1.0, hi):
            break
        mid = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
        if not (lo < mid < hi):
            mid = 0.5 * (lo + hi)
        f_mid = _value(c, slope, mid)
        if (f_mid >= 0.0) == rising:
            hi, f_hi = mid, f_mid
            if side == 1:
                f_lo *= 0.5
            side = 1
        else:
            lo, f_lo = mid, f_mid
            if side == -1:
                f_hi *= 0.5
            side = -1
    return hi if rising else lo


@njit(**HELPER)
def _far_end(c, slope, lo, sign_lo):
    """A point beyond ``lo`` where the function's sign differs from ``sign_lo``, found by
    doubling steps (the caller knows that one exists), or inf."""
    width = min(c[2], c[4], c[6])
    for _ in range(2000):
        hi = lo + width
        value = _value(c, slope, hi)
        if (value >= 0.0) != (sign_lo >= 0.0):
            return hi
        lo, width = hi, 2.0 * width
    return INF


@njit(**HELPER)
def _turning_point(c, lo, hi):
    """V's extreme inside [lo, hi] (hi may be inf), where ``_slope`` is monotone, or inf."""
    at_lo = _slope(c, lo)
    if hi == INF:
        limit = _slope_limit_sign(c)
        if limit == 0.0 or (limit > 0.0) == (at_lo >= 0.0):
            return INF
        hi = _far_end(c, True, lo, at_lo)
        if hi == INF:
            return INF
    elif (_slope(c, hi) >= 0.0) == (at_lo >= 0.0):
        return INF
    return _root(c, True, lo, hi)


@njit(**HELPER)
def _turning_points(c, s_from):
    """V's extremes after s_from, in order, inf where there are fewer: at most two, as
    V - theta is a sum of three exponentials and a constant."""
    turn = _slope_turn(c)
    if turn <= s_from:
        return _turning_point(c, s_from, INF), INF
    first = _turning_point(c, s_from, turn)
    second = _turning_point(c, turn, INF)
    return (first, second) if first != INF else (second, INF)


@njit(**HELPER)
def _exact_crossing(c, s_from):
    """The first s >= s_from with V(s) >= theta, or inf: V is monotone between its
    turning points, so each piece holds at most one crossing, and its ends say whether."""
    lo = s_from
    first, second = _turning_points(c, s_from)
    for hi in (first, second, INF):
        if hi == INF:
            if c[0] <= 0.0:  # V tends to V_inf, at or below threshold
                return INF
            hi = _far_end(c, False, lo, -1.0)
            return INF if hi == INF else _root(c, False, lo, hi)
        if _distance(c, hi) >= 0.0:
            return _root(c, False, lo, hi)
        lo = hi
    return INF


@njit(**HELPER)
def first_crossing(c, s_from, exact):
    """(s, found): the first s >= s_from with V(s) >= theta (inf: none), found True. With
    ``exact`` False the search may stop early at a lower bound (no crossing lies before
    it), found False: intervals whose upper bound stays below threshold are skipped, and
    the first one that may hold a crossing ends the search."""
    if _distance(c, s_from) >= 0.0:
        return s_from, True
    if exact:
        return _exact_crossing(c, s_from), True
    lo = s_from
    width = 0.25 * min(c[2], c[4], c[6])
    for _ in range(_MAX_SEARCH):
        hi = lo + width
        if _upper_bound(c, lo, hi) >= 0.0:
            return lo, False
        lo, width = hi, 2.0 * width
        if c[0] < 0.0 and _upper_bound(c, lo, INF) < 0.0:
            return INF, True
    return lo, False


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
