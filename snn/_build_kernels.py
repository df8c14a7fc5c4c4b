"""Compiled kernels of the compile stage: the synapse table laid out by source.

A counting sort: count every source's out-edges, then walk each projection once
(by post neuron, as its CSR graph stores it) and drop every synapse into its
source's next free place, writing the target channel, the delivered weight and
the delay in steps. Each source's edges are then ordered by (delay, target,
receptor) — already so, unless delays vary between synapses of one source, and
then sorted by NumPy in blocks of sources — and cut into segments of one delay. Memory is the output arrays and one counter per unit: Brunel's 15.6 M
synapses compile without the sort keys and permutations a global argsort needs.
"""

import numpy as np
from numba import njit

from neurodyn.config import inline_options, jit_options

INLINE = inline_options()

RECEPTOR_EX, RECEPTOR_IN, RECEPTOR_BY_SIGN = 0, 1, 2


@njit(**jit_options())
def count_out_edges(indices, pre_start, counts):
    """counts[pre_start + u] += the number of edges out of pre unit u."""
    for k in range(indices.shape[0]):
        counts[pre_start + indices[k]] += 1


@njit(**jit_options())
def fill_by_source(graph, delays, uniform_delay, where, flags, cursor, out):
    """Place one projection's synapses at their sources' cursors.

    ``graph`` = (indptr, indices, weights) by post neuron; ``delays`` per synapse
    (steps, or ms for the event driver), or empty with ``uniform_delay``; ``where`` = (pre_start, post_start,
    n_units); ``flags`` = (receptor mode, single-channel target, conductance
    target); ``out`` = (channel, weight, delay) arrays by source.
    """
    indptr, indices, weights = graph
    pre_start, post_start, n_units = where
    receptor_mode, single, conductance = flags
    channel, weight, delay = out
    per_synapse = delays.shape[0] > 0
    for v in range(indptr.shape[0] - 1):
        target = post_start + v
        for k in range(indptr[v], indptr[v + 1]):
            source = pre_start + indices[k]
            w = weights[k]
            inhibitory = receptor_mode == RECEPTOR_IN or (
                receptor_mode == RECEPTOR_BY_SIGN and w < 0
            )
            position = cursor[source]
            cursor[source] = position + 1
            channel[position] = target if (single or not inhibitory) else n_units + target
            weight[position] = -w if (conductance and inhibitory) else w
            delay[position] = delays[k] if per_synapse else uniform_delay


@njit(**jit_options())
def first_unsorted_source(source_ptr, channel, delay, n_units):
    """The first source whose edges are not in (delay, target, receptor) order, or -1."""
    for u in range(source_ptr.shape[0] - 1):
        for e in range(source_ptr[u] + 1, source_ptr[u + 1]):
            if delay[e] != delay[e - 1]:
                if delay[e] < delay[e - 1]:
                    return u
            elif _target_key(channel[e], n_units) < _target_key(channel[e - 1], n_units):
                return u
    return -1


@njit(**INLINE)
def _target_key(channel, n_units):
    """Target, then receptor: the order of a source's edges of one delay."""
    target = channel - n_units if channel >= n_units else channel
    return 2 * target + (channel >= n_units)


@njit(**jit_options())
def cut_segments(source_ptr, delay):
    """Cut each source's edges (in delay order) into runs of one delay.

    Returns (seg_ptr (n_units + 1,), seg_edges (n_segments + 1,), seg_delay (n_segments,)).
    """
    n_sources = source_ptr.shape[0] - 1
    n_segments = 0
    for u in range(n_sources):
        for e in range(source_ptr[u], source_ptr[u + 1]):
            if e == source_ptr[u] or delay[e] != delay[e - 1]:
                n_segments += 1
    seg_ptr = np.zeros(n_sources + 1, np.int64)
    seg_edges = np.empty(n_segments + 1, np.int64)
    seg_delay = np.empty(n_segments, delay.dtype)
    s = 0
    for u in range(n_sources):
        seg_ptr[u] = s
        for e in range(source_ptr[u], source_ptr[u + 1]):
            if e == source_ptr[u] or delay[e] != delay[e - 1]:
                seg_edges[s] = e
                seg_delay[s] = delay[e]
                s += 1
    seg_ptr[n_sources] = s
    seg_edges[n_segments] = source_ptr[n_sources]
    return seg_ptr, seg_edges, seg_delay


@njit(**jit_options())
def split_segments(seg_edges, channel, n_units, n_parts):
    """split[s, t]: the first edge of segment s whose target is at least t n_units / n_parts
    (so thread t delivers split[s, t]:split[s, t + 1], every target in one thread)."""
    n_segments = seg_edges.shape[0] - 1
    split = np.empty((n_segments, n_parts + 1), np.int64)
    for s in range(n_segments):
        e = seg_edges[s]
        for t in range(n_parts):
            bound = (t * n_units) // n_parts
            while e < seg_edges[s + 1]:
                target = channel[e] - n_units if channel[e] >= n_units else channel[e]
                if target >= bound:
                    break
                e += 1
            split[s, t] = e
        split[s, n_parts] = seg_edges[s + 1]
    return split
