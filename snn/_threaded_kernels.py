"""The clock driver's step spread over threads, bit-identical to the serial kernel.

Three phases of a step run in parallel, each split so that no two threads write
one place and every sum is taken in the serial order:

* the neuron update, over blocks of neurons (every neuron is independent);
* the Poisson inputs, over blocks of their target neurons (one stream per neuron);
* spike delivery, over ranges of *target* neurons: every thread walks the whole
  list of the step's spikes and adds only the synapses onto its own targets
  (``ThreadPlan.seg_split`` cuts each segment, whose targets rise, into one run per
  thread), so each input channel receives its weights in the serial order.

Everything else (sources, collecting spikes, recording) stays serial. This module
is compiled only when a network runs with ``threads > 1``.
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
    """How the work of a step is split over ``n_parts`` threads."""

    work_pop: np.ndarray  # (W,) int64 population of each block of neurons
    work_start: np.ndarray  # (W,) int64 first neuron of the block
    work_stop: np.ndarray  # (W,) int64 one past its last
    seg_split: np.ndarray  # (n_segments, n_parts + 1) int64 (see the module docstring)
    input_block: int  # target neurons of a Poisson input per parallel item


@njit(**PARALLEL)
def update_parallel(work_pop, work_start, work_stop, pop_model, pop_coef, pop_refractory, dt,
                    n_units, values, refractory, ring_row, current, flags):  # fmt: skip
    for w in prange(work_pop.shape[0]):
        p = work_pop[w]
        update_range(
            pop_model[p], pop_coef[p], pop_refractory[p], dt, work_start[w], work_stop[w],
            n_units, values, refractory, ring_row, current, flags,
        )  # fmt: skip


@njit(**PARALLEL)
def deliver_parallel(fired, counts, n_fired, seg_ptr, seg_delay, seg_split, channel, weight,
                     n_slots, width, step, ring):  # fmt: skip
    for part in prange(seg_split.shape[1] - 1):
        for f in range(n_fired):
            unit, multiplicity = fired[f], counts[f]
            for s in range(seg_ptr[unit], seg_ptr[unit + 1]):
                base = np.uintp(((step + seg_delay[s]) % n_slots) * width)
                first, last = np.uintp(seg_split[s, part]), np.uintp(seg_split[s, part + 1])
                if multiplicity == 1:
                    for e in range(first, last):
                        ring[base + np.uintp(channel[e])] += weight[e]
                else:
                    for e in range(first, last):
                        ring[base + np.uintp(channel[e])] += weight[e] * multiplicity


@njit(**PARALLEL)
def inputs_parallel(input_ptr, input_units, input_table, input_weight, input_channel,
                    input_delay, table_ptr, table_cdf, table_guide, n_slots, width, step,
                    block, input_rng, ring):  # fmt: skip
    for i in range(input_table.shape[0]):  # inputs in order: one neuron may have several
        table = input_table[i]
        first, weight = table_ptr[table], input_weight[i]
        base = ((step + input_delay[i]) % n_slots) * width + input_channel[i]
        start, stop = input_ptr[i], input_ptr[i + 1]
        for b in prange((stop - start + block - 1) // block):
            for j in range(start + b * block, min(start + (b + 1) * block, stop)):
                count = poisson_from_table(input_rng, j, table_cdf, first, table_guide, table)
                ring[base + input_units[j]] += weight * count


@njit(**jit_options())
def advance_threaded(bundle, state, drive, recording, n_steps, spike_steps, spike_units, plan):
    """:func:`snn._kernels.advance` with the update, the Poisson inputs and the delivery
    spread over threads; the same results, bit for bit."""
    b, work = bundle, _workspace(bundle, drive)
    width = 2 * b.n_units
    n_spikes = 0
    for k in range(n_steps):
        step = state.counters[0]
        slot = step % b.n_slots
        _step_currents(drive, k, work.current)
        inputs_parallel(
            b.input_ptr, b.input_units, b.input_table, b.input_weight, b.input_channel,
            b.input_delay, b.table_ptr, b.table_cdf, b.table_guide, b.n_slots, width, step,
            plan.input_block, state.input_rng, state.ring,
        )  # fmt: skip
        n_fired = _emit_sources(b, state, drive, k, step, work.fired, work.counts)
        ring_row = state.ring[slot * width : (slot + 1) * width]
        update_parallel(
            plan.work_pop, plan.work_start, plan.work_stop, b.pop_model, b.pop_coef,
            b.pop_refractory, b.dt, b.n_units, state.values, state.refractory, ring_row,
            work.current, work.flags,
        )  # fmt: skip
        n_fired, bad_unit = _collect_neurons(
            work.flags, work.words, work.fired, work.counts, n_fired
        )
        if bad_unit >= 0:
            return STOPPED_NOT_FINITE, k, bad_unit, spike_steps, spike_units, n_spikes
        deliver_parallel(
            work.fired, work.counts, n_fired, b.seg_ptr, b.seg_delay, plan.seg_split,
            b.syn_channel, b.syn_weight, b.n_slots, width, step, state.ring,
        )  # fmt: skip
        spike_steps, spike_units, n_spikes = _record_spikes(
            recording, work.fired, work.counts, n_fired, step, k, spike_steps, spike_units, n_spikes
        )
        _record_states(recording, state.values, step)
        state.counters[0] = step + 1
    return OK, n_steps, -1, spike_steps, spike_units, n_spikes
