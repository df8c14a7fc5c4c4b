"""Compiled STDP, shared by the clock and the event drivers (rules: :mod:`snn.plasticity`).

Two events change weights: a spike's **arrival** at one segment of plastic synapses
(one source, one projection, one delay) depresses each of them by its target's
postsynaptic traces and then adds to the segment's presynaptic traces; a neuron's
**spike** potentiates every plastic synapse into it by that synapse's presynaptic
traces and then adds to its postsynaptic traces. Traces are stored as (value 1,
value 2, time of the last update) and decayed exactly to the event's time, so
the result depends on the spike times only, not on a grid. The drivers call
these in time order, an arrival before a spike of the same time.

A reward-modulated rule sends the same changes to each synapse's eligibility c
instead, and its weight follows dw/dt = c (n - b) with the dopamine level n. Both
decay exponentially between events, so the weight is brought up to date lazily
(:func:`settle`: the integral in closed form, piece by piece between rewards)
whenever the synapse is touched: before its eligibility changes, before it
transmits, before it is recorded and at the end of every run.
"""

import numpy as np
from numba import njit

from neurodyn.config import inline_options, jit_options
from snn.plasticity import (
    A2_MINUS,
    A2_PLUS,
    A3_MINUS,
    A3_PLUS,
    BASELINE,
    MODULATED,
    MU_MINUS,
    MU_PLUS,
    NEAREST,
    TAU_C,
    TAU_MINUS,
    TAU_N,
    TAU_PLUS,
    TAU_X,
    TAU_Y,
    W_MAX,
    W_MIN,
)

INLINE = inline_options()
HELPER = jit_options()


@njit(**INLINE)
def _decayed(value, since, t, tau):
    """A trace's value at t >= since (0 if it was never set: since = -inf)."""
    if value == 0.0:
        return 0.0
    return value * np.exp(-(t - since) / tau)


@njit(**INLINE)
def _bounded(rule, w, change, exponent_column, toward_max):
    """w plus ``change`` scaled by the weight dependence, clipped to [w_min, w_max]."""
    w_min, w_max = rule[W_MIN], rule[W_MAX]
    u = (w - w_min) / (w_max - w_min)
    room = 1.0 - u if toward_max else u
    exponent = rule[exponent_column]
    if exponent != 0.0:
        change *= room**exponent if room > 0.0 else 0.0
    w += change
    return w_min if w < w_min else (w_max if w > w_max else w)


@njit(**INLINE)
def _bump(traces, row, t, tau_1, tau_2, nearest):
    """A spike at t adds 1 to both traces of ``row`` (sets them to 1 when ``nearest``)."""
    if nearest:
        traces[row, 0], traces[row, 1] = 1.0, 1.0
    else:
        since = traces[row, 2]
        traces[row, 0] = _decayed(traces[row, 0], since, t, tau_1) + 1.0
        traces[row, 1] = _decayed(traces[row, 1], since, t, tau_2) + 1.0
    traces[row, 2] = t


# --- reward modulation ---------------------------------------------------------------------
@njit(**INLINE)
def _clipped(rule, w):
    return rule[W_MIN] if w < rule[W_MIN] else (rule[W_MAX] if w > rule[W_MAX] else w)


@njit(**HELPER)
def settle(rule, levels, times, state, synapse, t):
    """Bring a reward-modulated synapse's weight and eligibility up to t: w += the integral
    of c (n - b), taken in closed form between consecutive rewards (``times``, the level
    just after each ``levels``), the weight clipped after each piece."""
    c, since = state.eligibility[synapse, 0], state.eligibility[synapse, 1]
    state.eligibility[synapse, 1] = t
    if c == 0.0 or not t > since:
        return
    tau_c, tau_n, baseline = rule[TAU_C], rule[TAU_N], rule[BASELINE]
    tau_both = 1.0 / (1.0 / tau_c + 1.0 / tau_n)
    k = np.searchsorted(times, since, side="right")  # the first reward after ``since``
    level = levels[k - 1] * np.exp(-(since - times[k - 1]) / tau_n) if k > 0 else 0.0
    w, start, now = state.weight[synapse], since, c
    while True:
        end = times[k] if k < times.size and times[k] <= t else t
        span = end - start
        if span > 0.0:
            w += now * (level * tau_both * -np.expm1(-span / tau_both)
                        + baseline * tau_c * np.expm1(-span / tau_c))  # fmt: skip
            w = _clipped(rule, w)
            now *= np.exp(-span / tau_c)
            level *= np.exp(-span / tau_n)
        start = end
        if end == t and not (k < times.size and times[k] <= t):
            break
        level, k = levels[k], k + 1
    state.weight[synapse] = w
    state.eligibility[synapse, 0] = c * np.exp(-(t - since) / tau_c)


@njit(**HELPER)
def settle_all(plastic, state, t):
    """Every reward-modulated synapse brought up to t (at the end of a run)."""
    for q in range(plastic.rule.shape[0]):
        rule = plastic.rule[q]
        if rule[MODULATED] == 0.0:
            continue
        levels = state.reward_levels[q]
        for synapse in range(plastic.proj_synapse_start[q], plastic.proj_synapse_start[q + 1]):
            settle(rule, levels, state.reward_times, state, synapse, t)


@njit(**HELPER)
def settle_one(plastic, state, synapse, t):
    """One plastic synapse brought up to t, if its rule is reward-modulated (before it is
    recorded)."""
    q = plastic.seg_projection[plastic.synapse_segment[synapse]]
    if plastic.rule[q, MODULATED] != 0.0:
        settle(plastic.rule[q], state.reward_levels[q], state.reward_times, state, synapse, t)


@njit(**HELPER)
def _depress_eligibility(plastic, state, q, rule, segment, scale, t):
    """``arrive`` for a reward-modulated segment: each synapse brought up to t (it transmits
    its weight now), then its eligibility depressed."""
    post = state.post_trace
    row_offset = plastic.proj_trace_start[q] - plastic.proj_post_start[q]
    for e in range(plastic.seg_edges[segment], plastic.seg_edges[segment + 1]):
        synapse = plastic.edge_synapse[e]
        settle(rule, state.reward_levels[q], state.reward_times, state, synapse, t)
        row = row_offset + plastic.edge_channel[e]
        y_1 = _decayed(post[row, 0], post[row, 2], t, rule[TAU_MINUS])
        state.eligibility[synapse, 0] -= y_1 * scale


@njit(**HELPER)
def _potentiate_eligibility(plastic, state, q, rule, pointer, scale, t):
    """``fire`` for a reward-modulated projection: the eligibility of each synapse into the
    neuron potentiated, its weight first brought up to t."""
    pre = state.pre_trace
    for synapse in range(plastic.in_ptr[pointer], plastic.in_ptr[pointer + 1]):
        segment = plastic.synapse_segment[synapse]
        x_1 = _decayed(pre[segment, 0], pre[segment, 2], t, rule[TAU_PLUS])
        if x_1 != 0.0 and scale != 0.0:
            settle(rule, state.reward_levels[q], state.reward_times, state, synapse, t)
            state.eligibility[synapse, 0] += x_1 * scale


# --- the two events -------------------------------------------------------------------------
@njit(**HELPER)
def arrive(plastic, state, segment, t):
    """A spike reaches ``segment`` at t: its synapses are depressed (the caller then
    transmits their new weights, ``state.weight[plastic.edge_synapse[e]]``)."""
    q = plastic.seg_projection[segment]
    rule = plastic.rule[q]
    pre = state.pre_trace
    x_2 = _decayed(pre[segment, 1], pre[segment, 2], t, rule[TAU_X])
    scale = rule[A2_MINUS] + rule[A3_MINUS] * x_2
    if rule[MODULATED] != 0.0:
        _depress_eligibility(plastic, state, q, rule, segment, scale, t)
    else:
        post = state.post_trace
        row_offset = plastic.proj_trace_start[q] - plastic.proj_post_start[q]
        for e in range(plastic.seg_edges[segment], plastic.seg_edges[segment + 1]):
            row = row_offset + plastic.edge_channel[e]
            y_1 = _decayed(post[row, 0], post[row, 2], t, rule[TAU_MINUS])
            if y_1 != 0.0 and scale != 0.0:
                synapse = plastic.edge_synapse[e]
                state.weight[synapse] = _bounded(
                    rule, state.weight[synapse], -y_1 * scale, MU_MINUS, False
                )
    _bump(pre, segment, t, rule[TAU_PLUS], rule[TAU_X], rule[NEAREST] != 0.0)


@njit(**HELPER)
def fire(plastic, state, unit, t):
    """Neuron ``unit`` spikes at t: every plastic synapse into it is potentiated."""
    for k in range(plastic.unit_proj_ptr[unit], plastic.unit_proj_ptr[unit + 1]):
        q = plastic.unit_projections[k]
        rule = plastic.rule[q]
        local = unit - plastic.proj_post_start[q]
        row = plastic.proj_trace_start[q] + local
        post = state.post_trace
        y_2 = _decayed(post[row, 1], post[row, 2], t, rule[TAU_Y])
        scale = rule[A2_PLUS] + rule[A3_PLUS] * y_2
        pre = state.pre_trace
        pointer = plastic.proj_ptr_start[q] + local
        if rule[MODULATED] != 0.0:
            _potentiate_eligibility(plastic, state, q, rule, pointer, scale, t)
        else:
            for synapse in range(plastic.in_ptr[pointer], plastic.in_ptr[pointer + 1]):
                segment = plastic.synapse_segment[synapse]
                x_1 = _decayed(pre[segment, 0], pre[segment, 2], t, rule[TAU_PLUS])
                if x_1 != 0.0 and scale != 0.0:
                    state.weight[synapse] = _bounded(
                        rule, state.weight[synapse], x_1 * scale, MU_PLUS, True
                    )
        _bump(post, row, t, rule[TAU_MINUS], rule[TAU_Y], rule[NEAREST] != 0.0)
