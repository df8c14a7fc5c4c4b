"""The clock driver's step spread over threads, bit-identical to the serial kernel.

Thread t owns the neurons ``bounds[t]:bounds[t + 1]`` and everything written for
them, so no two threads write one place and every input is summed in the serial
order. One parallel region per step does, in each thread: the delivery of the
previous step's spikes onto its neurons (every thread walks the whole list of
spikes; ``ThreadPlan.seg_split`` cuts each segment, whose targets rise, into one
run per thread), the Poisson inputs onto its neurons (one stream per neuron), and
the update of its neurons. Sources, collecting spikes and recording stay serial.
One region per step, not one per phase: each region costs a few microseconds to
open, which four per step made felt. This module is compiled only when a network
runs with ``threads > 1``.
"""

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from neurodyn.config import jit_options
from snn._kernels import (
    OK,
    STOPPED_NOT_FINITE,
    _collect_neurons,
    _emit_sources,
    _record_spikes,
    _record_states,
    _step_currents,
    _workspace,
    poisson_from_table,
)
from snn._neuron_kernels import update_range

PARALLEL = jit_options(parallel=True)


class ThreadPlan(NamedTuple):
    """How a step is split over threads: thread t owns the neurons (and input channels)
    ``bounds[t]:bounds[t + 1]``."""

    bounds: np.ndarray  # (n_parts + 1,) int64 unit ranges of the threads
    seg_split: np.ndarray  # (n_segments, n_parts + 1) int64 per-thread runs of each segment
    input_split: np.ndarray  # (n_inputs, n_parts + 1) int64 per-thread runs of each input


@njit(**PARALLEL)
def _parallel_phase(b, state_values, refractory, input_rng, ring, fired, counts, n_fired,
                    step, deliver, current, flags, plan_bounds, seg_split, input_split):  # fmt: skip
    """One parallel region per step: thread t delivers the previous step's spikes onto its
    neurons, adds this step's Poisson inputs to them, and advances them. Every write lands
    on the thread's own neurons, in the serial order."""
    width = 2 * b.n_units
    slot = step % b.n_slots
    for part in prange(plan_bounds.shape[0] - 1):
        if deliver:
            _deliver_part(b, fired, counts, n_fired, step - 1, seg_split, part, width, ring)
        for i in range(b.input_table.shape[0]):
            table = b.input_table[i]
            base = ((step + b.input_delay[i]) % b.n_slots) * width + b.input_channel[i]
            for j in range(input_split[i, part], input_split[i, part + 1]):
                count = poisson_from_table(
                    input_rng, j, b.table_cdf, b.table_ptr[table], b.table_guide, table
                )
                ring[base + b.input_units[j]] += b.input_weight[i] * count
        lo, hi = plan_bounds[part], plan_bounds[part + 1]
        for p in range(b.pop_start.shape[0]):
            start, stop = max(b.pop_start[p], lo), min(b.pop_stop[p], hi)
            if start < stop:
                update_range(
                    b.pop_model[p], b.pop_coef[p], b.pop_refractory[p], b.dt, start, stop,
                    b.n_units, state_values, refractory, ring[slot * width : (slot + 1) * width],
                    current, flags,
                )  # fmt: skip


@njit(**jit_options())
def _deliver_part(b, fired, counts, n_fired, step, seg_split, part, width, ring):
    """The spikes of ``step`` onto the targets of thread ``part``."""
    for f in range(n_fired):
        unit, multiplicity = fired[f], counts[f]
        for s in range(b.seg_ptr[unit], b.seg_ptr[unit + 1]):
            base = np.uintp(((step + b.seg_delay[s]) % b.n_slots) * width)
            first, last = np.uintp(seg_split[s, part]), np.uintp(seg_split[s, part + 1])
            if multiplicity == 1:
                for e in range(first, last):
                    ring[base + np.uintp(b.syn_channel[e])] += b.syn_weight[e]
            else:
                for e in range(first, last):
                    ring[base + np.uintp(b.syn_channel[e])] += b.syn_weight[e] * multiplicity


@njit(**PARALLEL)
def _deliver_parallel(b, fired, counts, n_fired, step, seg_split, ring):
    for part in prange(seg_split.shape[1] - 1):
        _deliver_part(b, fired, counts, n_fired, step, seg_split, part, 2 * b.n_units, ring)


@njit(**jit_options())
def advance_threaded(
    bundle, state, drive, recording, n_steps, spike_steps, spike_units, plan, plastic
):
    """:func:`snn._kernels.advance` over threads, one parallel region per step (the
    delivery of a step's spikes joins the next step's region); the same results, bit for
    bit. The last step's spikes are delivered before returning. ``bundle`` comes without
    its plastic part (parallel regions take no nested tuples), which is ``plastic``."""
    b, work = bundle, _workspace(bundle, state, drive)
    previous = _spike_buffers(b.n_units)  # the last step's spikes, to be delivered
    n_previous = 0
    n_spikes = 0
    for k in range(n_steps):
        step = state.counters[0]
        _step_currents(drive, k, work.current)
        n_fired = _emit_sources(b, state, drive, k, step, work)
        _parallel_phase(
            b, state.values, state.refractory, state.input_rng, state.ring, previous[0],
            previous[1], n_previous, step, k > 0, work.current, work.flags, plan.bounds,
            plan.seg_split, plan.input_split,
        )  # fmt: skip
        n_fired, bad_unit = _collect_neurons(
            work.flags, work.words, work.fired, work.counts, n_fired
        )
        if bad_unit >= 0:
            return STOPPED_NOT_FINITE, k, bad_unit, spike_steps, spike_units, n_spikes
        spike_steps, spike_units, n_spikes = _record_spikes(
            recording, work.fired, work.counts, n_fired, step, k, spike_steps, spike_units, n_spikes
        )
        if recording.state_row.shape[0] > 0:
            _record_states(recording, state.values, plastic, state.plastic, b.dt, step)
        for f in range(n_fired):  # this step's spikes wait for the next region
            previous[0][f], previous[1][f] = work.fired[f], work.counts[f]
        n_previous = n_fired
        state.counters[0] = step + 1
    _deliver_parallel(b, previous[0], previous[1], n_previous, state.counters[0] - 1,
                      plan.seg_split, state.ring)  # fmt: skip
    return OK, n_steps, -1, spike_steps, spike_units, n_spikes


@njit(**jit_options())
def _spike_buffers(n_units):
    return np.empty(n_units, np.int64), np.empty(n_units, np.int64)
