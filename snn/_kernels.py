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

from neurodyn._kernels import exponential_interval, xorshift_uniform
from neurodyn.config import inline_options, jit_options
from snn import _plasticity_kernels as plasticity
from snn._heap_kernels import sift, sorted_timer_heap
from snn._neuron_kernels import UNSTABLE, update_range
from snn.monitors import WEIGHT_ROW
from snn.plasticity import PlasticBundle, PlasticState

INLINE = inline_options()
# Model updates and other large helpers are compiled once and called (LLVM may still inline
# them): Numba-level inlining of all of them made the first compilation take minutes.
HELPER = jit_options()

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
    poisson_rate: np.ndarray  # (S,) float64 spikes per ms (0 for a rate course)
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
    plastic: PlasticBundle  # plastic synapses (not in the table above), delays in steps


class PendingArrivals(NamedTuple):
    """Spikes on their way to plastic synapses, by the ring row of their arrival step: row r
    holds segments ``segment[r, :size[r]]``, each reached ``count`` times."""

    segment: np.ndarray  # (n_slots, n_plastic_segments) int64
    count: np.ndarray  # (n_slots, n_plastic_segments) int64
    size: np.ndarray  # (n_slots,) int64


class NetworkState(NamedTuple):
    """What the kernel advances in place."""

    values: np.ndarray  # (N_VARIABLES, n_units) float64
    refractory: np.ndarray  # (n_units,) int64 steps left
    ring: np.ndarray  # (n_slots * 2 * n_units,) float64: input arriving per step (row) and channel
    poisson_rng: np.ndarray  # (S,) uint64 xorshift states of the Poisson sources
    poisson_next: np.ndarray  # (S,) float64 next spike (ms) of each constant-rate source
    # (nan: to be drawn from now; inf: none)
    input_rng: np.ndarray  # (K,) uint64 xorshift states, one per neuron of each Poisson input
    counters: np.ndarray  # (2,) int64: [current step, next given spike]
    plastic: PlasticState  # plastic weights and traces
    pending: PendingArrivals


class Drive(NamedTuple):
    """Inputs for one chunk of steps."""

    current: np.ndarray  # (n_units,) float64 pA: constant currents over the chunk
    current_block: np.ndarray  # (T, C) float64 pA: per-step currents of C columns
    current_units: np.ndarray  # (C,) int64 unit of each column
    rate_block: np.ndarray  # (T, R) float64 Hz: per-step rates of R Poisson sources
    course_source: np.ndarray  # (R,) int64 the Poisson source of each column of rate_block


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
def _arrive_plastic(bundle, state, step, ring_row):
    """The spikes reaching plastic synapses in this step (at its end, (step + 1) dt, as
    a spike of step k - d carries time (k - d + 1) dt): each segment is depressed, then
    transmits its synapses' new weights into the row this step's update reads."""
    plastic, pending = bundle.plastic, state.pending
    row = step % bundle.n_slots
    t = (step + 1) * bundle.dt
    for i in range(pending.size[row]):
        segment = pending.segment[row, i]
        for _ in range(pending.count[row, i]):
            plasticity.arrive(plastic, state.plastic, segment, t)
            for e in range(plastic.seg_edges[segment], plastic.seg_edges[segment + 1]):
                ring_row[plastic.edge_channel[e]] += state.plastic.weight[plastic.edge_synapse[e]]
    pending.size[row] = 0


@njit(**HELPER)
def _plastic_spikes(bundle, state, fired, counts, n_fired, step):
    """This step's spikes in plasticity: neurons potentiate their plastic inputs, and every
    spiking unit's plastic segments wait for their arrival steps."""
    plastic, pending = bundle.plastic, state.pending
    t = (step + 1) * bundle.dt
    for f in range(n_fired):
        unit = fired[f]
        if plastic.unit_proj_ptr[unit] < plastic.unit_proj_ptr[unit + 1]:
            plasticity.fire(plastic, state.plastic, unit, t)
        for k in range(plastic.unit_seg_ptr[unit], plastic.unit_seg_ptr[unit + 1]):
            segment = plastic.unit_segments[k]
            row = (step + plastic.seg_delay[segment]) % bundle.n_slots
            pending.segment[row, pending.size[row]] = segment
            pending.count[row, pending.size[row]] = counts[f]
            pending.size[row] += 1


@njit(**HELPER)
def _update_populations(bundle, state, current, ring_row, flags):
    for p in range(bundle.pop_start.shape[0]):
        update_range(
            bundle.pop_model[p], bundle.pop_coef[p], bundle.pop_refractory[p], bundle.dt,
            bundle.pop_start[p], bundle.pop_stop[p], bundle.n_units, state.values,
            state.refractory, ring_row, current, flags,
        )  # fmt: skip


@njit(**HELPER)
def _record_states(recording, values, plastic, plastic_state, dt, step):
    """Samples of this step: rows of ``values``, or (row WEIGHT_ROW) plastic weights (those
    of reward-modulated synapses first brought up to the step's end)."""
    weights = plastic_state.weight
    for m in range(recording.state_row.shape[0]):
        if (step + 1) % recording.state_interval[m] != 0:
            continue
        first, last = recording.state_unit_ptr[m], recording.state_unit_ptr[m + 1]
        base = recording.state_out_ptr[m] + recording.state_rows[m] * (last - first)
        row, offset = recording.state_row[m], recording.state_offset[m]
        for j in range(first, last):
            unit = recording.state_units[j]
            if row == WEIGHT_ROW:
                plasticity.settle_one(plastic, plastic_state, unit, (step + 1) * dt)
            value = weights[unit] if row == WEIGHT_ROW else values[row, unit]
            recording.state_out[base + j - first] = value + offset
        recording.state_rows[m] += 1


@njit(**HELPER)
def _emit_sources(bundle, state, drive, k, step, work):
    """Poisson and given spikes of this step: they open the step's list of spiking units
    (``work.fired``, with multiplicities ``work.counts``). Returns its length.

    A constant-rate source's spikes come from exponential intervals in continuous time
    (a heap of next spike times, so a step costs one comparison, not a draw per source);
    a spike in [k dt, (k + 1) dt) belongs to step k. Sources with a rate course draw a
    Poisson count per step."""
    fired, counts, listed = work.fired, work.counts, work.listed
    key, item, position = work.poisson_key, work.poisson_item, work.poisson_position
    n_fired = 0
    end = (step + 1) * bundle.dt
    while key.shape[0] > 0 and key[0] < end:
        s = item[0]
        if listed[s] >= 0:
            counts[listed[s]] += 1  # a second spike of the source in this step
        else:
            listed[s] = n_fired
            work.listed_source[n_fired] = s
            fired[n_fired], counts[n_fired] = bundle.poisson_unit[s], 1
            n_fired += 1
        following = key[0] + exponential_interval(state.poisson_rng, s, bundle.poisson_rate[s])
        state.poisson_next[s] = following
        key[0] = following
        sift(key, item, position, 0)
    for f in range(n_fired):
        listed[work.listed_source[f]] = -1
    for column in range(drive.course_source.shape[0]):
        s = drive.course_source[column]
        lam = drive.rate_block[k, column] * bundle.dt * 1e-3
        count = poisson_count(state.poisson_rng, s, lam, np.exp(-lam))
        if count:
            fired[n_fired], counts[n_fired] = bundle.poisson_unit[s], count
            n_fired += 1
    cursor = state.counters[1]
    while cursor < bundle.spike_step.shape[0] and bundle.spike_step[cursor] <= step:
        if bundle.spike_step[cursor] == step:
            unit = bundle.spike_unit[cursor]
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
            for j in range(n_spikes):  # loops: slicing pulled in seconds of compilation
                steps_copy[j], units_copy[j] = spike_steps[j], spike_units[j]
            spike_steps, spike_units = steps_copy, units_copy
        for _ in range(count):
            spike_steps[n_spikes] = step
            spike_units[n_spikes] = unit
            n_spikes += 1
    return spike_steps, spike_units, n_spikes


class Workspace(NamedTuple):
    """Scratch arrays of one kernel call."""

    flags: np.ndarray  # (8 ceil(n_units / 8),) uint8 per-neuron flags of the step
    words: np.ndarray  # the same bytes as uint64, eight flags at a time
    fired: np.ndarray  # (n_units,) int64 units that spiked in the step, in order
    counts: np.ndarray  # (n_units,) int64 and how many times
    current: np.ndarray  # (n_units,) float64 pA injected in the step
    poisson_key: np.ndarray  # (S,) heap of the constant-rate sources' next spike times
    poisson_item: np.ndarray  # (S,) source at each heap slot
    poisson_position: np.ndarray  # (S,) heap slot of each source
    listed: np.ndarray  # (S,) int64 place of each source in this step's list, or -1
    listed_source: np.ndarray  # (S,) int64 the source at each of those places


@njit(**HELPER)
def _workspace(bundle, state, drive):
    flags = np.zeros(8 * ((bundle.n_units + 7) // 8), np.uint8)  # a whole number of words
    fired, counts = np.empty(bundle.n_units, np.int64), np.empty(bundle.n_units, np.int64)
    following = state.poisson_next
    now = state.counters[0] * bundle.dt
    for s in range(following.shape[0]):  # sources new since the last run start now
        if following[s] != following[s]:
            following[s] = now + exponential_interval(state.poisson_rng, s, bundle.poisson_rate[s])
    key, item, position = sorted_timer_heap(following.copy())
    listed = np.full(following.shape[0], -1, np.int64)
    return Workspace(flags, flags.view(np.uint64), fired, counts, drive.current.copy(), key,
                     item, position, listed, np.empty_like(listed))  # fmt: skip


@njit(**HELPER)
def _step_currents(drive, k, current):
    """The constant currents plus this step's column currents."""
    for col in range(drive.current_units.shape[0]):
        unit = drive.current_units[col]
        current[unit] = drive.current[unit]
    for col in range(drive.current_units.shape[0]):
        current[drive.current_units[col]] += drive.current_block[k, col]


@njit(**jit_options())
def advance(bundle, state, drive, recording, n_steps, spike_steps, spike_units):
    """Run ``n_steps`` steps from ``state.counters[0]``.

    Returns ``(status, steps_done, bad_unit, spike_steps, spike_units, n_spikes)``:
    status -1, or 1 when a neuron's state stopped being finite (or left NEST's
    stability bounds) in step ``steps_done`` (the state is left as it was then);
    the recorded spikes are ``spike_units[:n_spikes]`` at emission steps
    ``spike_steps[:n_spikes]`` (the buffers grow here when full).
    """
    work = _workspace(bundle, state, drive)
    width = 2 * bundle.n_units
    n_spikes = 0
    for k in range(n_steps):
        step = state.counters[0]
        slot = step % bundle.n_slots
        _step_currents(drive, k, work.current)
        # 1. inputs: Poisson inputs into the ring; sources open the list of spiking units
        _poisson_inputs(bundle, state, step, state.ring)
        n_fired = _emit_sources(bundle, state, drive, k, step, work)
        # 2. neurons integrate (plastic synapses transmit first), cross threshold and reset
        ring_row = state.ring[slot * width : (slot + 1) * width]
        if state.pending.size[slot] > 0:
            _arrive_plastic(bundle, state, step, ring_row)
        _update_populations(bundle, state, work.current, ring_row, work.flags)
        n_fired, bad_unit = _collect_neurons(
            work.flags, work.words, work.fired, work.counts, n_fired
        )
        if bad_unit >= 0:
            return STOPPED_NOT_FINITE, k, bad_unit, spike_steps, spike_units, n_spikes
        # 3. every spike of the step is delivered: sources first, then neurons by index
        for f in range(n_fired):
            deliver(bundle, state.ring, work.fired[f], work.counts[f], step)
        if bundle.plastic.rule.shape[0] > 0:
            _plastic_spikes(bundle, state, work.fired, work.counts, n_fired, step)
        # 4. recording: spikes, population counts, state variables after threshold and reset
        spike_steps, spike_units, n_spikes = _record_spikes(
            recording, work.fired, work.counts, n_fired, step, k, spike_steps, spike_units, n_spikes
        )
        if recording.state_row.shape[0] > 0:  # a call passing the plastic tuples costs
            _record_states(recording, state.values, bundle.plastic, state.plastic, bundle.dt, step)
        state.counters[0] = step + 1
    return OK, n_steps, -1, spike_steps, spike_units, n_spikes
