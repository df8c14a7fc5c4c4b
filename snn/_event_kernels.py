"""Compiled kernels of the event driver: spikes as events in continuous time.

Nothing advances on a grid. Every neuron keeps its state at the time it was last
touched (``t_last``) and is brought forward analytically only when an event reaches
it. Three kinds of event exist, each in its own queue:

- **timers**, one per unit and one per (Poisson input, neuron): a neuron's predicted
  threshold crossing, a Poisson source's next spike, a Poisson input's next arrival.
  They live in an indexed binary heap over all timers, so changing one costs
  O(log N) and nothing loops over all neurons per event (SparseProp's bound);
- **deliveries** in flight: one heap entry per spike and segment of equal delay (a
  source's synapses are grouped by delay), popped in order of arrival;
- given spikes, current changes and recording samples, sorted in advance.

At equal times the order is: current changes, deliveries, given spikes, timers, then
samples (a sample sees every event of its time).

Prediction (when a neuron will next cross threshold) lives in ``_crossing_kernels``.
A neuron only receives a lower bound of its crossing (no crossing before it) until its
timer comes due, so a neuron that receives input often never pays for the full search.
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from neurodyn._intrinsics import prefetch
from neurodyn._kernels import exponential_interval
from neurodyn.config import inline_options, jit_options
from snn import _plasticity_kernels as plasticity
from snn._crossing_kernels import (
    DELTA,
    EXP,
    INF,
    KIND,
    T_REF,
    V_MIN,
    V_RESET,
    next_crossing,
    state_at,
)
from snn._heap_kernels import empty_timer_heap, set_timer, sift
from snn.monitors import WEIGHT_ROW
from snn.plasticity import PlasticBundle, PlasticState

INLINE = inline_options()
HELPER = jit_options()

POISSON, GIVEN = 2, 3  # unit kinds after the neuron kinds DELTA, EXP
OK, STOPPED_NOT_FINITE, NEED_ROOM = -1, 1, 2
PREFETCH_AHEAD = 8  # synapses: a target's record is requested this many arrivals early


# --- the delivery queue ------------------------------------------------------------------------
# One row per spike in flight: (arrival, emission time, unit, segment), a binary heap
# ordered by arrival then segment. Units and segments are stored as floats (exact below
# 2^53) so that a row moves as one 32-byte record. A plastic segment is stored as
# -(k + 1), k its place in PlasticBundle.unit_segments.
ARRIVAL, EMITTED, UNIT, SEGMENT = 0, 1, 2, 3


@njit(**INLINE)
def on_grid(time, dt):
    """``time`` moved onto the step grid where only rounding put it off (by at most 4
    ulps): times equal in exact arithmetic, such as 0.1 + 0.8 and 0.2 + 0.7, then compare
    equal. A grid point is k / (1 / dt) when 1 / dt is a whole number (k / 10 = 0.3, as
    users write it, where 3 * 0.1 = 0.30000000000000004), else k dt. Other times are
    left as they are."""
    per_ms = np.round(1.0 / dt)
    if abs(per_ms * dt - 1.0) < 1e-12:
        grid = np.round(time * per_ms) / per_ms
    else:
        grid = np.round(time / dt) * dt
    if abs(time - grid) <= 8.881784197001252e-16 * abs(grid):
        return grid
    return time


@njit(**HELPER)
def on_grid_all(times, dt):
    """:func:`on_grid` of every time (given spikes as users wrote them)."""
    out = np.empty_like(times)
    for k in range(times.shape[0]):
        out[k] = on_grid(times[k], dt)
    return out


@njit(**INLINE)
def _queue_push(queue, size, arrival, emitted, unit, segment, dt):
    """Push one delivery (the caller made room; ``arrival`` is put on the grid where it
    lies there but for rounding); returns the new size."""
    arrival = on_grid(arrival, dt)
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        earlier = queue[parent, ARRIVAL] < arrival or (
            queue[parent, ARRIVAL] == arrival and queue[parent, SEGMENT] <= segment
        )
        if earlier:
            break
        for c in range(4):
            queue[i, c] = queue[parent, c]
        i = parent
    queue[i, ARRIVAL], queue[i, EMITTED], queue[i, UNIT], queue[i, SEGMENT] = (
        arrival, emitted, unit, segment,
    )  # fmt: skip
    return size + 1


@njit(**HELPER)
def _queue_pop(queue, size):
    """Remove the earliest delivery (row 0); returns the new size."""
    size -= 1
    arrival, emitted = queue[size, ARRIVAL], queue[size, EMITTED]
    unit, segment = queue[size, UNIT], queue[size, SEGMENT]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        other = child + 1
        if other < size and (
            queue[other, ARRIVAL] < queue[child, ARRIVAL]
            or (
                queue[other, ARRIVAL] == queue[child, ARRIVAL]
                and queue[other, SEGMENT] < queue[child, SEGMENT]
            )
        ):
            child = other
        if not (
            queue[child, ARRIVAL] < arrival
            or (queue[child, ARRIVAL] == arrival and queue[child, SEGMENT] < segment)
        ):
            break
        for c in range(4):
            queue[i, c] = queue[child, c]
        i = child
    queue[i, ARRIVAL], queue[i, EMITTED], queue[i, UNIT], queue[i, SEGMENT] = (
        arrival, emitted, unit, segment,
    )  # fmt: skip
    return size


# --- the compiled network and its state ---------------------------------------------------------
# Columns of the neuron record (n_units, 8): what one event reads and writes sits in one
# cache line.
Y, I_EX, I_IN, T_LAST, T_FREE, CURRENT, PREDICTED, META = range(8)
# META = 2 population row + (1 when PREDICTED is the crossing itself, 0 a lower bound)


class EventBundle(NamedTuple):
    """What the event kernel reads and never writes (times in ms, rates per ms)."""

    n_units: int
    dt: float  # ms: arrivals on this grid but for rounding are put on it (on_grid)
    unit_kind: np.ndarray  # (n_units,) int64: DELTA, EXP, POISSON or GIVEN
    pop_param: np.ndarray  # (P, N_PARAMS) float64, voltages relative to E_L; KIND last
    seg_ptr: np.ndarray  # (n_units + 1,) int64: segments of each source unit
    seg_edges: np.ndarray  # (n_segments + 1,) int64: edges of each segment
    seg_delay: np.ndarray  # (n_segments,) float64 delay (ms), increasing within a unit
    syn_channel: np.ndarray  # (n_edges,) int32: receptor * n_units + target
    syn_weight: np.ndarray  # (n_edges,) float64
    max_fan_out: int  # the most synapses in one segment
    source_rate: np.ndarray  # (n_units,) float64 spikes per ms of each Poisson source
    slot_unit: np.ndarray  # (K,) int64 neuron of each Poisson-input timer
    slot_rate: np.ndarray  # (K,) float64 arrivals per ms
    slot_weight: np.ndarray  # (K,) float64
    slot_channel: np.ndarray  # (K,) int64 receptor offset (0 or n_units)
    given_time: np.ndarray  # (M,) float64 given spikes, sorted
    given_unit: np.ndarray  # (M,) int64
    change_time: np.ndarray  # (C,) float64 changes of the injected current, sorted
    change_unit: np.ndarray  # (C,) int64
    change_delta: np.ndarray  # (C,) float64 pA added to the unit's current
    plastic: PlasticBundle  # plastic synapses (not in the table above), delays in ms


class EventState(NamedTuple):
    """What the event kernel advances in place (timers: units, then Poisson-input slots)."""

    neurons: np.ndarray  # (n_units, 8) float64 records: V - E_L, I_ex, I_in (pA) at t_last,
    # t_last, t_free (end of the refractory period), injected current (pA), the predicted
    # crossing (the timer's key is at most this: a later prediction leaves the heap alone
    # until the timer comes due), and META (above)
    rng: np.ndarray  # (n_timers,) uint64 xorshift state of each Poisson timer
    timer_key: np.ndarray  # (n_timers,) heap of timer times
    timer_item: np.ndarray  # (n_timers,) timer at each heap slot
    timer_position: np.ndarray  # (n_timers,) heap slot of each timer
    counters: np.ndarray  # (4,) int64: next given spike, next current change, queue size,
    # next sample
    plastic: PlasticState  # plastic weights and traces


class EventRecording(NamedTuple):
    """What to record: spikes of flagged units, and state samples at given times."""

    spike_flag: np.ndarray  # (n_units,) uint8
    sample_time: np.ndarray  # (S,) float64 sorted
    sample_monitor: np.ndarray  # (S,) int64 monitor of each sample
    sample_out: np.ndarray  # (S,) int64 first entry of out written by each sample
    monitor_variable: np.ndarray  # (R,) int64: 0 V_m, 1 the excitatory, 2 the inhibitory current
    monitor_offset: np.ndarray  # (R,) float64 added to the value (E_L for V_m)
    monitor_ptr: np.ndarray  # (R + 1,) int64 into monitor_units
    monitor_units: np.ndarray  # (...) int64
    out: np.ndarray  # (...) float64 the samples, monitor by monitor in time order


# --- what events do to neurons ------------------------------------------------------------------------
# The kernel unpacks the bundle and the state once: reading an array out of a NamedTuple
# inside the event loop made Numba update reference counts (atomic operations) at every
# event, three quarters of the run time.
@njit(**INLINE)
def _params(pop_param, neurons, j):
    """Neuron j's parameters as a tuple indexed by TAU_M, ... (no array view: a view
    costs a reference count update)."""
    return _row_params(pop_param, np.int64(neurons[j, META]) >> 1)


@njit(**HELPER)
def _row_params(pop_param, row):
    return (
        pop_param[row, 0], pop_param[row, 1], pop_param[row, 2], pop_param[row, 3],
        pop_param[row, 4], pop_param[row, 5], pop_param[row, 6], pop_param[row, 7],
        pop_param[row, 8], pop_param[row, 9],
    )  # fmt: skip


@njit(**INLINE)
def _advance(p, neurons, j, t):
    """Bring neuron j's stored state forward to t."""
    y, i_ex, i_in = state_at(
        np.int64(p[KIND]), p, neurons[j, Y], neurons[j, I_EX], neurons[j, I_IN],
        neurons[j, T_LAST], neurons[j, T_FREE], neurons[j, CURRENT], t,
    )  # fmt: skip
    neurons[j, Y], neurons[j, I_EX], neurons[j, I_IN] = y, i_ex, i_in
    if t > neurons[j, T_LAST]:
        neurons[j, T_LAST] = t


@njit(**INLINE)
def _schedule(p, neurons, key, item, position, j, t, force):
    """Predict neuron j's next crossing, searched from time ``t`` on (exactly when ``t``
    is finite, else a lower bound from now); False when its state is not finite.

    The timer moves only when the crossing comes earlier than predicted before, or when
    ``force``: a timer that is too early is corrected when it comes due. Most inputs of
    an inhibition-dominated network postpone the crossing; they then touch the neuron's
    record only, not the heap (the heap key never exceeds PREDICTED)."""
    start = max(neurons[j, T_LAST], neurons[j, T_FREE])
    exact = t != -INF
    crossing, is_exact = next_crossing(
        np.int64(p[KIND]), p, neurons[j, Y], neurons[j, I_EX], neurons[j, I_IN],
        neurons[j, T_LAST], neurons[j, T_FREE], neurons[j, CURRENT],
        (t - start) if exact else 0.0, exact,
    )  # fmt: skip
    if crossing != crossing:
        return False
    earlier = crossing < neurons[j, PREDICTED]
    neurons[j, PREDICTED] = crossing
    neurons[j, META] = 2.0 * (np.int64(neurons[j, META]) >> 1) + (1.0 if is_exact else 0.0)
    if force or earlier:
        key[position[j]] = crossing
        sift(key, item, position, position[j])
    return True


@njit(**HELPER)
def _arrival(p, y, i_ex, i_in, t_last, t_free, current, inhibitory, weight, t):
    """A spike of ``weight`` reaching a neuron at t, on scalars: returns its new (y, i_ex,
    i_in, t_last) and its next crossing (time, exact; time nan when the state is not
    finite, inf when not computed).

    A negative weight lowers V at every later time (delta: a jump down; exp: P >= 0), so
    the crossing predicted before stays a lower bound and is not computed again: that
    happens once, when the timer comes due (in an inhibition-dominated network most
    arrivals are such). A delta-synapse neuron pushed over threshold does not fire here:
    its crossing is then t itself, and its timer fires it after every other arrival of
    time t, so that simultaneous inputs are summed first (as NEST's iaf_psc_delta_ps and
    the clock driver do). The event loop's hot path: arrays handed to inlined helpers
    there cost atomic reference-count updates at every arrival."""
    kind = np.int64(p[KIND])
    y, i_ex, i_in = state_at(kind, p, y, i_ex, i_in, t_last, t_free, current, t)
    t_last = t if t > t_last else t_last
    if kind == EXP:
        if inhibitory:
            i_in += weight
        else:
            i_ex += weight
    elif t > t_free:  # dropped while refractory, up to and including t_free (as on the grid)
        y += weight
        y = y if y > p[V_MIN] else p[V_MIN]
    if weight <= 0.0:
        return y, i_ex, i_in, t_last, INF, False
    crossing, exact = next_crossing(kind, p, y, i_ex, i_in, t_last, t_free, current, 0.0, False)
    return y, i_ex, i_in, t_last, crossing, exact


@njit(**INLINE)
def _reset(p, neurons, j, t, dt):
    _advance(p, neurons, j, t)
    neurons[j, Y] = p[V_RESET]
    neurons[j, T_FREE] = on_grid(t + p[T_REF], dt)  # an arrival at that time is dropped


@njit(**HELPER)
def start_timers(bundle, state, t, slot_delay):
    """Every timer from time t: neurons' crossings, Poisson sources' first spikes and,
    for Poisson-input slots still unset (inf), the first arrival after their delay.
    Returns (the unit whose state is not finite or -1, key, item, position)."""
    n_units, unit_kind, pop_param = bundle.n_units, bundle.unit_kind, bundle.pop_param
    neurons, rng = state.neurons, state.rng
    key, item, position = empty_timer_heap(state.timer_key.shape[0])
    for slot in range(state.timer_key.shape[0]):  # keep the Poisson timers already drawn
        timer = state.timer_item[slot]
        if timer >= n_units or unit_kind[timer] == POISSON:
            set_timer(key, item, position, timer, state.timer_key[slot])
    for u in range(n_units):
        kind = unit_kind[u]
        if kind == POISSON and key[position[u]] == INF:
            set_timer(
                key, item, position, u, t + exponential_interval(rng, u, bundle.source_rate[u])
            )
        elif kind == DELTA or kind == EXP:
            p = _params(pop_param, neurons, u)
            if not _schedule(p, neurons, key, item, position, u, -INF, True):
                return u, key, item, position
    for k in range(bundle.slot_unit.shape[0]):
        timer = n_units + k
        if key[position[timer]] == INF:
            first = t + slot_delay[k] + exponential_interval(rng, timer, bundle.slot_rate[k])
            set_timer(key, item, position, timer, first)
    return -1, key, item, position


@njit(**HELPER)
def _plastic_arrival(plastic, plastic_state, queue, size, emitted, unit, place, t, dt):
    """A spike reaches the plastic segment at ``place`` of ``unit``'s (by delay): the next
    one is queued and this one depressed. Returns (queue size, its edges' range)."""
    if place + 1 < plastic.unit_seg_ptr[unit + 1]:
        following = plastic.unit_segments[place + 1]
        size = _queue_push(queue, size, emitted + plastic.seg_delay[following], emitted, unit,
                           -(place + 2), dt)  # fmt: skip
    segment = plastic.unit_segments[place]
    plasticity.arrive(plastic, plastic_state, segment, t)
    return size, plastic.seg_edges[segment], plastic.seg_edges[segment + 1]


# --- the driver ---------------------------------------------------------------------------------------
@njit(**HELPER)
def _sample(bundle, state, recording, s, t):
    """Write sample s: the monitored variable of each of its units at t."""
    neurons = state.neurons
    m = recording.sample_monitor[s]
    variable = recording.monitor_variable[m]
    out = recording.sample_out[s]
    for k in range(recording.monitor_ptr[m], recording.monitor_ptr[m + 1]):
        j = recording.monitor_units[k]
        if variable == WEIGHT_ROW:  # j is a synapse of the plastic store
            plasticity.settle_one(bundle.plastic, state.plastic, j, t)
            recording.out[out + k - recording.monitor_ptr[m]] = state.plastic.weight[j]
            continue
        p = _params(bundle.pop_param, neurons, j)
        values = state_at(
            np.int64(p[KIND]), p, neurons[j, Y], neurons[j, I_EX], neurons[j, I_IN],
            neurons[j, T_LAST], neurons[j, T_FREE], neurons[j, CURRENT], t,
        )  # fmt: skip
        recording.out[out + k - recording.monitor_ptr[m]] = (
            values[variable] + recording.monitor_offset[m]
        )


@njit(**jit_options())
def run_events(bundle, state, queue, t_end, recording, spike_times, spike_units, n_spikes):
    """Process every event up to and including ``t_end`` ms.

    ``queue`` (capacity, 4) is the delivery heap (``state.counters[2]`` rows); recorded
    spikes go to ``spike_times`` / ``spike_units`` after the first ``n_spikes``. Returns
    ``(status, bad_unit, t_reached, n_spikes)``: status OK; NEED_ROOM when the queue or
    the spike buffers could overflow in the next event (grow them and call again: the
    run continues where it stopped); or STOPPED_NOT_FINITE at ``t_reached`` when neuron
    ``bad_unit``'s state stopped being finite. Buffers are never reallocated here: an
    array reassigned in the loop made Numba count references at every event.
    """
    n_units, unit_kind, pop_param = bundle.n_units, bundle.unit_kind, bundle.pop_param
    seg_ptr, seg_edges, seg_delay = bundle.seg_ptr, bundle.seg_edges, bundle.seg_delay
    syn_channel, syn_weight = bundle.syn_channel, bundle.syn_weight
    given_time, change_time = bundle.given_time, bundle.change_time
    plastic, dt = bundle.plastic, bundle.dt
    neurons, rng = state.neurons, state.rng
    key, item, position = state.timer_key, state.timer_item, state.timer_position
    sample_time, spike_flag = recording.sample_time, recording.spike_flag
    given, change, size = state.counters[0], state.counters[1], state.counters[2]
    sample = state.counters[3]
    room = bundle.max_fan_out + 2  # deliveries or spikes one event can add
    fired = np.empty(n_units, np.int64)  # units emitting a spike at the current time
    status, bad = OK, -1
    t = t_end
    while True:
        if size + room > queue.shape[0] or n_spikes + room > spike_times.shape[0]:
            status = NEED_ROOM
            break
        t_change = change_time[change] if change < change_time.shape[0] else INF
        t_deliver = queue[0, ARRIVAL] if size > 0 else INF
        t_given = given_time[given] if given < given_time.shape[0] else INF
        t_timer = key[0] if key.shape[0] > 0 else INF
        t = min(min(t_change, t_deliver), min(t_given, t_timer))
        if sample < sample_time.shape[0] and sample_time[sample] < t:
            if sample_time[sample] > t_end:
                break
            _sample(bundle, state, recording, sample, sample_time[sample])
            sample += 1
            continue
        if t > t_end:
            break
        n_fired = 0
        if t_change == t:
            j = bundle.change_unit[change]
            p = _params(pop_param, neurons, j)
            _advance(p, neurons, j, t)
            neurons[j, CURRENT] += bundle.change_delta[change]
            change += 1
            if not _schedule(p, neurons, key, item, position, j, -INF, False):
                status, bad = STOPPED_NOT_FINITE, j
                break
        elif t_deliver == t or (t_timer == t and item[0] >= n_units):
            plastic_edges = False
            if t_deliver == t:  # a spike reaches one segment of its source's synapses
                emitted = queue[0, EMITTED]
                unit, segment = np.int64(queue[0, UNIT]), np.int64(queue[0, SEGMENT])
                size = _queue_pop(queue, size)
                k = -1
                if segment >= 0:
                    if segment + 1 < seg_ptr[unit + 1]:
                        size = _queue_push(queue, size, emitted + seg_delay[segment + 1],
                                           emitted, unit, segment + 1, dt)  # fmt: skip
                    first, last = seg_edges[segment], seg_edges[segment + 1]
                else:  # plastic: depressed on arrival, then transmitted
                    size, first, last = _plastic_arrival(
                        plastic, state.plastic, queue, size, emitted, unit, -segment - 1, t, dt
                    )
                    plastic_edges = True
            else:  # a Poisson input's spike reaches its neuron
                k = item[0] - n_units
                set_timer(key, item, position, n_units + k,
                           t + exponential_interval(rng, n_units + k, bundle.slot_rate[k]))  # fmt: skip
                first, last = 0, 1
            for e in range(first, last):
                if plastic_edges:
                    channel = plastic.edge_channel[e]
                    weight = state.plastic.weight[plastic.edge_synapse[e]]
                elif k < 0:
                    if e + PREFETCH_AHEAD < last:  # hides the latency of a random row
                        ahead = np.int64(syn_channel[e + PREFETCH_AHEAD])
                        prefetch(neurons, ahead - n_units if ahead >= n_units else ahead)
                    channel = np.int64(syn_channel[e])
                    weight = syn_weight[e]
                else:
                    channel, weight = (
                        bundle.slot_unit[k] + bundle.slot_channel[k],
                        bundle.slot_weight[k],
                    )
                inhibitory = channel >= n_units
                j = channel - n_units if inhibitory else channel
                p = _row_params(pop_param, np.int64(neurons[j, META]) >> 1)
                y, i_ex, i_in, t_last, crossing, exact = _arrival(
                    p, neurons[j, Y], neurons[j, I_EX], neurons[j, I_IN], neurons[j, T_LAST],
                    neurons[j, T_FREE], neurons[j, CURRENT], inhibitory, weight, t,
                )  # fmt: skip
                neurons[j, Y], neurons[j, I_EX], neurons[j, I_IN] = y, i_ex, i_in
                neurons[j, T_LAST] = t_last
                if crossing != crossing:
                    status, bad = STOPPED_NOT_FINITE, j
                    break
                earlier = crossing < neurons[j, PREDICTED]  # later ones wait for the timer
                if crossing != INF or exact:  # inf, not exact: the old bound still holds
                    neurons[j, PREDICTED] = crossing
                meta = 2.0 * (np.int64(neurons[j, META]) >> 1)
                neurons[j, META] = meta + (1.0 if exact else 0.0)
                if earlier:
                    key[position[j]] = crossing
                    sift(key, item, position, position[j])
            if status != OK:
                break
        elif t_given == t:
            fired[0] = bundle.given_unit[given]
            n_fired = 1
            given += 1
        else:
            timer = item[0]
            if unit_kind[timer] == POISSON:
                set_timer(key, item, position, timer,
                           t + exponential_interval(rng, timer, bundle.source_rate[timer]))  # fmt: skip
                fired[0] = timer
                n_fired = 1
            elif neurons[timer, PREDICTED] > t:  # too early: the prediction moved later
                key[0] = neurons[timer, PREDICTED]
                sift(key, item, position, 0)
            else:
                p = _params(pop_param, neurons, timer)
                if np.int64(neurons[timer, META]) & 1 == 0:  # a lower bound came due
                    _schedule(p, neurons, key, item, position, timer, t, True)
                else:  # a neuron's threshold crossing
                    _reset(p, neurons, timer, t, dt)
                    fired[0] = timer
                    n_fired = 1
                    if plastic.unit_proj_ptr[timer] < plastic.unit_proj_ptr[timer + 1]:
                        plasticity.fire(plastic, state.plastic, timer, t)
                    if not _schedule(p, neurons, key, item, position, timer, -INF, True):
                        status, bad = STOPPED_NOT_FINITE, timer
                        break
        for f in range(n_fired):
            u = fired[f]
            if spike_flag[u]:
                spike_times[n_spikes], spike_units[n_spikes] = t, u
                n_spikes += 1
            if seg_ptr[u] < seg_ptr[u + 1]:
                size = _queue_push(queue, size, t + seg_delay[seg_ptr[u]], t, u, seg_ptr[u], dt)
            first_plastic = plastic.unit_seg_ptr[u]
            if first_plastic < plastic.unit_seg_ptr[u + 1]:
                arrival = t + plastic.seg_delay[plastic.unit_segments[first_plastic]]
                size = _queue_push(queue, size, arrival, t, u, -(first_plastic + 1), dt)
    state.counters[0], state.counters[1], state.counters[2] = given, change, size
    state.counters[3] = sample
    return status, bad, t if status == STOPPED_NOT_FINITE else t_end, n_spikes


@njit(**HELPER)
def finish(bundle, state, t):
    """Bring every neuron's stored state to t (the end of a run)."""
    neurons = state.neurons
    for j in range(bundle.n_units):
        kind = bundle.unit_kind[j]
        if kind == DELTA or kind == EXP:
            _advance(_params(bundle.pop_param, neurons, j), neurons, j, t)
