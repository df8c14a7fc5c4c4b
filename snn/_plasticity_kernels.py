"""Compiled STDP, shared by the clock and the event drivers (rules: :mod:`snn.plasticity`).

Two events change weights: a spike's **arrival** at one segment of plastic synapses
(one source, one projection, one delay) depresses each of them by its target's
postsynaptic traces and then adds to the segment's presynaptic traces; a neuron's
**spike** potentiates every plastic synapse into it by that synapse's presynaptic
traces and then adds to its postsynaptic traces. Traces are stored as (value 1,
value 2, time of the last update) and decayed exactly to the event's time, so
the result depends on the spike times only, not on a grid. The drivers call
these in time order, an arrival before a spike of the same time.
"""

import numpy as np
from numba import njit

from neurodyn.config import inline_options, jit_options
from snn.plasticity import (
    A2_MINUS,
    A2_PLUS,
    A3_MINUS,
    A3_PLUS,
    MU_MINUS,
    MU_PLUS,
    NEAREST,
    TAU_MINUS,
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


@njit(**HELPER)
def arrive(plastic, state, segment, t):
    """A spike reaches ``segment`` at t: its synapses are depressed (the caller then
    transmits their new weights, ``state.weight[plastic.edge_synapse[e]]``)."""
    q = plastic.seg_projection[segment]
    rule = plastic.rule[q]
    pre = state.pre_trace
    x_2 = _decayed(pre[segment, 1], pre[segment, 2], t, rule[TAU_X])
    scale = rule[A2_MINUS] + rule[A3_MINUS] * x_2
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
        for synapse in range(plastic.in_ptr[pointer], plastic.in_ptr[pointer + 1]):
            segment = plastic.synapse_segment[synapse]
            x_1 = _decayed(pre[segment, 0], pre[segment, 2], t, rule[TAU_PLUS])
            if x_1 != 0.0 and scale != 0.0:
                state.weight[synapse] = _bounded(
                    rule, state.weight[synapse], x_1 * scale, MU_PLUS, True
                )
        _bump(post, row, t, rule[TAU_MINUS], rule[TAU_Y], rule[NEAREST] != 0.0)
