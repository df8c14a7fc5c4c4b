"""The event driver (``Network.run(..., driver="event")``): spikes at exact times.

The network is the one the clock driver runs; this module compiles it into an
:class:`~snn._event_kernels.EventBundle` (delays in ms, not steps; given spikes at
their own times, not rounded to the grid), keeps what only this driver has (the
timers, the deliveries in flight, the end of each neuron's refractory period) and
hands recordings to the same recorders. Neuron state lives where the clock driver
keeps it (``Population.get`` reads it): at the end of a run every neuron is brought
to the run's end time.

Only models with an analytic solution between events run here:
``LIF(synapse="delta")`` (closed-form crossing times) and ``LIF(synapse="exp")``
(crossings located to :data:`~snn._crossing_kernels.CROSSING_TOLERANCE`).
"""

from __future__ import annotations

import math

import numpy as np

from neurodyn.errors import SimulationError
from snn import _crossing_kernels as ck
from snn import _event_kernels as ek
from snn._plasticity_kernels import settle_all
from snn.compile import SINGLE_CHANNEL_MODELS, synapse_table
from snn.models import LIF
from snn.monitors import RateRecorder, SpikeRecorder
from snn.plasticity import compile_plastic, modulated, plastic_state, with_rewards

CHUNK_MS = 100.0  # progress and recorder hand-over happen between chunks


def _cache_aligned_records(n: int) -> np.ndarray:
    """Zeroed (n, 8) float64 records, each in one 64-byte cache line (an arrival then
    reads one line, and prefetching a row fetches all of it)."""
    flat = np.zeros(n * 8 + 8)
    skip = (-flat.ctypes.data % 64) // 8
    return flat[skip : skip + n * 8].reshape(n, 8)


def _unsupported(reason: str) -> ValueError:
    return ValueError(f"run.driver: the event driver {reason}; use driver='clock'")


def _population_params(population) -> np.ndarray:
    model = population.model
    if not isinstance(model, LIF):
        raise _unsupported(
            f"integrates LIF(synapse='delta' | 'exp') only (population {population.name!r} "
            f"is {type(model).__name__}, which has no solution between events)"
        )
    p = model.params
    rest = p["E_L"]
    if model.synapse == "delta" and p["refractory_input"]:
        raise _unsupported(f"drops input during refractoriness ({population.name!r} keeps it)")
    v_min = p.get("V_min", -math.inf)
    row = np.zeros(ck.N_PARAMS)
    row[ck.TAU_M], row[ck.INV_C] = p["tau_m"], 1.0 / p["C_m"]
    row[ck.THETA], row[ck.V_RESET] = p["V_th"] - rest, p["V_reset"] - rest
    row[ck.T_REF], row[ck.I_E] = p["t_ref"], p["I_e"]
    row[ck.V_MIN] = v_min - rest if math.isfinite(v_min) else -math.inf
    row[ck.TAU_EX] = p.get("tau_syn_ex", 1.0)
    row[ck.TAU_IN] = p.get("tau_syn_in", 1.0)
    row[ck.KIND] = ck.DELTA if model.synapse == "delta" else ck.EXP
    return row


def compile_events(network) -> tuple[ek.EventBundle, np.ndarray, np.ndarray]:
    """The event bundle of ``network``, each unit's population row (-1 for sources) and
    each Poisson-input slot's delay (ms)."""
    n_units = network.n_units
    kind = np.full(n_units, ek.GIVEN, np.int64)
    unit_pop = np.full(n_units, -1, np.int64)
    params = []
    for row, population in enumerate(network.populations):
        params.append(_population_params(population))
        kind[population.start : population.stop] = params[-1][ck.KIND]
        unit_pop[population.start : population.stop] = row
    source_rate = np.zeros(n_units)
    given_times, given_units = [], []
    for group in network.sources:
        if group.kind == "poisson":
            if group.course is not None:
                raise _unsupported(f"takes constant Poisson rates ({group.name!r} has a course)")
            kind[group.start : group.stop] = ek.POISSON
            source_rate[group.start : group.stop] = group.rates * 1e-3
        else:
            given_times.append(group.times)
            given_units.append(group.start + group.indices)
    if any(c.sampled for c in network.currents):
        raise _unsupported("takes piecewise-constant currents, not sampled ones")
    slots = _poisson_slots(network)
    given_time = np.concatenate(given_times) if given_times else np.zeros(0)
    given_time = ek.on_grid_all(given_time.astype(np.float64), float(network.dt))
    given_unit = np.concatenate(given_units) if given_units else np.zeros(0, np.int64)
    order = np.lexsort((given_unit, given_time))
    synapses = synapse_table(network, delays_in="ms")
    synapses.pop("n_slots")
    synapses["max_fan_out"] = int(np.diff(synapses["seg_edges"]).max(initial=0))
    bundle = ek.EventBundle(
        n_units=int(n_units),
        dt=float(network.dt),
        unit_kind=kind,
        pop_param=np.array(params).reshape(-1, ck.N_PARAMS),
        **synapses,
        source_rate=source_rate,
        slot_unit=slots["unit"],
        slot_rate=slots["rate"],
        slot_weight=slots["weight"],
        slot_channel=slots["channel"],
        given_time=np.ascontiguousarray(given_time[order], np.float64),
        given_unit=np.ascontiguousarray(given_unit[order], np.int64),
        change_time=np.zeros(0),
        change_unit=np.zeros(0, np.int64),
        change_delta=np.zeros(0),
        plastic=compile_plastic(network, delays_in="ms"),
    )
    return bundle, unit_pop, slots["delay"]


def _poisson_slots(network) -> dict:
    """One timer per (Poisson input, target neuron)."""
    n_units = network.n_units
    parts = {"unit": [], "rate": [], "weight": [], "channel": [], "delay": []}
    for source in network.inputs:
        units = source.target.start + source.indices
        single = source.target.model.code in SINGLE_CHANNEL_MODELS
        inhibitory = source.receptor == "in" or (source.receptor is None and source.weight < 0)
        parts["unit"].append(units)
        parts["rate"].append(np.full(units.size, source.total_rate * 1e-3))
        parts["weight"].append(np.full(units.size, float(source.weight)))
        channel = 0 if single or not inhibitory else n_units
        parts["channel"].append(np.full(units.size, channel, np.int64))
        parts["delay"].append(np.full(units.size, float(source.delay)))
    types = {"unit": np.int64, "channel": np.int64}
    return {
        k: (np.concatenate(v) if v else np.zeros(0)).astype(types.get(k, np.float64))
        for k, v in parts.items()
    }


class EventDriver:
    """What only the event driver keeps between runs: time, timers, deliveries in flight,
    the end of each neuron's refractory period and the injected currents."""

    def __init__(self, network) -> None:
        self.network = network
        self.t = network.t
        self.bundle = None
        self.structure = None  # network.changes when the bundle was built
        self.neurons = np.zeros((0, 8))  # records (see snn._event_kernels.EventState)
        self.timers = ek.empty_timer_heap(0)
        self.rng = np.zeros(0, np.uint64)
        self.queue = np.empty((64, 4))  # deliveries in flight (see snn._event_kernels)
        self.n_queued = 0
        self.given_done = 0  # given spikes emitted so far

    # --- compiling and state ------------------------------------------------------------------
    def _prepare(self) -> None:
        """Compile when the network changed, and take the neurons' state from the network
        (where ``Population.set`` writes it)."""
        network = self.network
        if network.changes != self.structure:
            self._compile()
        self.plastic = with_rewards(self.plastic, network.rewards, self.bundle.plastic.rule)
        values = network._state.values
        self.neurons[:, ek.Y] = values[0, : network.n_units]
        self.neurons[:, ek.I_EX] = values[1, : network.n_units]
        self.neurons[:, ek.I_IN] = values[2, : network.n_units]
        self.neurons[:, ek.T_LAST] = self.t

    def _compile(self) -> None:
        network = self.network
        old = self.bundle
        bundle, unit_pop, slot_delay = compile_events(network)
        segments = self._remapped_segments(old, bundle)  # raises before anything changes
        self.plastic = plastic_state(network, bundle.plastic)
        n_units = network.n_units
        neurons = _cache_aligned_records(n_units)
        neurons[: self.neurons.shape[0]] = self.neurons
        refractory = network._state.refractory[self.neurons.shape[0] : n_units] * network.dt
        neurons[self.neurons.shape[0] :, ek.T_FREE] = np.where(
            refractory > 0, self.t + refractory, -math.inf
        )
        neurons[:, ek.META] = 2.0 * unit_pop
        n_timers = n_units + bundle.slot_unit.size
        self.timers = self._carried_timers(old, bundle, n_timers)
        self.rng = network._stream().integers(1, 2**63, size=n_timers, dtype=np.uint64)
        self.bundle, self.slot_delay, self.neurons = bundle, slot_delay, neurons
        self.queue[: self.n_queued, ek.SEGMENT] = segments
        self.structure = network.changes
        self.given_done = int(np.searchsorted(bundle.given_time, self.t, side="right"))
        if self.t == 0.0:
            self.given_done = 0  # spikes at t = 0 are still to come

    def _carried_timers(self, old, new, n_timers: int) -> tuple:
        """A timer heap in which the Poisson timers of the previous structure keep their
        times (units and input slots are only ever appended): an input's next arrival
        was drawn a delay ahead, and drawing it again would leave that delay without
        input. ``start_timers`` sets every other timer."""
        times = np.full(n_timers, math.inf)
        if old is not None:
            key, item, _ = self.timers
            old_times = np.empty(key.size)
            old_times[item] = key
            n_old = old.n_units
            times[:n_old] = np.where(old.unit_kind == ek.POISSON, old_times[:n_old], math.inf)
            n_slots = old.slot_unit.size
            times[new.n_units : new.n_units + n_slots] = old_times[n_old:]
        order = np.argsort(times, kind="stable")  # a sorted array is a heap
        position = np.empty(n_timers, np.int64)
        position[order] = np.arange(n_timers)
        return times[order], order.astype(np.int64), position

    def _remapped_segments(self, old, new) -> np.ndarray:
        """The segment of every delivery in flight in the ``new`` tables: its unit's segment
        of the same delay. Plastic segments (several may share a unit and a delay) stay
        where the plastic segments are unchanged; otherwise ValueError."""
        n = self.n_queued
        codes = self.queue[:n, ek.SEGMENT].astype(np.int64)
        if old is None or n == 0:
            return codes
        if codes.min() < 0 and not _same_plastic_segments(old.plastic, new.plastic):
            raise ValueError(
                "connect: plastic synapses changed while spikes were on their way to them; "
                "add plastic projections before the first run"
            )
        units = self.queue[:n, ek.UNIT].astype(np.int64)
        remapped = codes.astype(np.float64)
        for k in np.flatnonzero(codes >= 0):
            first, last = new.seg_ptr[units[k]], new.seg_ptr[units[k] + 1]
            place = np.searchsorted(new.seg_delay[first:last], old.seg_delay[codes[k]])
            remapped[k] = first + place
        return remapped

    def _state(self) -> ek.EventState:
        key, item, position = self.timers
        return ek.EventState(
            neurons=self.neurons,
            rng=self.rng,
            timer_key=key,
            timer_item=item,
            timer_position=position,
            counters=np.array([self.given_done, 0, self.n_queued, 0], np.int64),
            plastic=self.plastic,
        )

    # --- running ------------------------------------------------------------------------------
    def run(self, n_steps: int, reporter) -> None:
        """Advance by ``n_steps`` steps of dt, in chunks of about :data:`CHUNK_MS`;
        ``reporter.update(k)`` hears of every k steps done."""
        self._prepare()
        self.neurons[:, ek.CURRENT] = _current_at(self.network, self.t)
        bad, *timers = ek.start_timers(self.bundle, self._state(), self.t, self.slot_delay)
        self.timers = tuple(timers)
        if bad >= 0:
            raise SimulationError(self._describe_failure(bad, self.t))
        dt = self.network.dt
        first = round(self.t / dt)
        chunk = max(1, round(CHUNK_MS / dt))
        for done in range(0, n_steps, chunk):
            steps = min(chunk, n_steps - done)
            self._run_chunk((first + done + steps) * dt)
            reporter.update(steps)
        ek.finish(self.bundle, self._state(), self.t)
        if modulated(self.bundle.plastic):
            settle_all(self.bundle.plastic, self.plastic, self.t)
        values = self.network._state.values
        n_units = self.network.n_units
        values[0, :n_units] = self.neurons[:, ek.Y]
        values[1, :n_units] = self.neurons[:, ek.I_EX]
        values[2, :n_units] = self.neurons[:, ek.I_IN]

    def _run_chunk(self, stop: float) -> None:
        network = self.network
        bundle = self.bundle._replace(**_current_changes(network, self.t, stop))
        recording, collect = _recording(network, self.t, stop)
        state = self._state()
        room = 2 * (bundle.max_fan_out + 2)
        capacity = max(1024, getattr(self, "_spike_capacity", 1024), room)
        times, units = np.empty(capacity), np.empty(capacity, np.int64)
        n_spikes = 0
        while True:
            if self.queue.shape[0] < int(state.counters[2]) + room:
                self.queue = _grown(self.queue, int(state.counters[2]), room)
            if times.size < n_spikes + room:
                times, units = _grown(times, n_spikes, room), _grown(units, n_spikes, room)
            status, bad, t_reached, n_spikes = ek.run_events(
                bundle, state, self.queue, stop, recording, times, units, n_spikes
            )
            if status != ek.NEED_ROOM:
                break
        self._spike_capacity = max(capacity, 2 * n_spikes)
        self.n_queued = int(state.counters[2])
        self.given_done = int(state.counters[0])
        collect(times[:n_spikes], units[:n_spikes])
        if status != ek.OK:
            raise SimulationError(self._describe_failure(bad, t_reached))
        self.t = stop

    def _describe_failure(self, unit: int, t: float) -> str:
        population = next(p for p in self.network.populations if p.start <= unit < p.stop)
        return (
            f"population {population.name!r}, neuron {unit - population.start}: V_m or a "
            f"synaptic current stopped being finite at t = {t:g} ms (event driver)"
        )


def _same_plastic_segments(old, new) -> bool:
    """Whether every plastic segment of the old units is where it was (units and their
    segments may only have been appended)."""
    n = old.unit_seg_ptr.size
    return (
        np.array_equal(old.unit_seg_ptr, new.unit_seg_ptr[:n])
        and np.array_equal(old.unit_segments, new.unit_segments)
        and np.array_equal(old.seg_delay, new.seg_delay)
        and np.array_equal(old.seg_edges, new.seg_edges)
    )


def _grown(array: np.ndarray, used: int, room: int) -> np.ndarray:
    """``array`` with room for ``used + room`` rows at least (doubling)."""
    bigger = np.empty((max(2 * array.shape[0], used + room), *array.shape[1:]), array.dtype)
    bigger[:used] = array[:used]
    return bigger


def _current_at(network, t: float) -> np.ndarray:
    """The injected current (pA) of every unit after the changes at times <= ``t``: the
    same boundary as :func:`_current_changes`, so that a change is counted once (the
    clock driver's ``amplitude_at`` rounds toward the step that starts at t)."""
    current = np.zeros(network.n_units)
    for source in network.currents:
        j = int(np.searchsorted(source.times, t, side="right")) - 1
        if j >= 0:
            np.add.at(current, source.target.start + source.indices, source.amplitudes[j])
    return current


def _current_changes(network, start: float, stop: float) -> dict:
    """Changes of the injected current in (start, stop]: time, unit and amount (pA)."""
    times, units, deltas = [], [], []
    for source in network.currents:
        for j, when in enumerate(source.times):
            if start < when <= stop:
                before = source.amplitudes[j - 1] if j > 0 else np.zeros(source.indices.size)
                times.append(np.full(source.indices.size, when))
                units.append(source.target.start + source.indices)
                deltas.append(source.amplitudes[j] - before)
    if not times:
        return {"change_time": np.zeros(0), "change_unit": np.zeros(0, np.int64),
                "change_delta": np.zeros(0)}  # fmt: skip
    time, unit, delta = (np.concatenate(x) for x in (times, units, deltas))
    order = np.argsort(time, kind="stable")
    return {
        "change_time": np.ascontiguousarray(time[order]),
        "change_unit": np.ascontiguousarray(unit[order], np.int64),
        "change_delta": np.ascontiguousarray(delta[order], np.float64),
    }


def _recording(network, start: float, stop: float):
    """The kernel's :class:`~snn._event_kernels.EventRecording` for (start, stop], and
    ``collect(times, units)``, which hands what it wrote to the recorders."""
    n_units = network.n_units
    spike_flag = np.zeros(n_units, np.uint8)
    spikes, rates, states = [], [], []
    for recorder in network.recorders:
        if isinstance(recorder, (SpikeRecorder, RateRecorder)):
            spike_flag[recorder.group.start : recorder.group.stop] = 1
            (spikes if isinstance(recorder, SpikeRecorder) else rates).append(recorder)
        else:
            states.append(recorder)
    sample_times, sample_monitor, units, variables, offsets = [], [], [], [], []
    for m, recorder in enumerate(states):
        interval = recorder.interval_steps * network.dt
        first = math.floor(start / interval + 1e-9) + 1
        last = math.floor(stop / interval + 1e-9)
        sample_times.append(np.arange(first, last + 1) * interval)
        sample_monitor.append(np.full(max(last - first + 1, 0), m, np.int64))
        units.append(recorder.kernel_units())
        variables.append(recorder.kernel_row)
        offsets.append(recorder.kernel_offset)
    times = np.concatenate(sample_times) if states else np.zeros(0)
    monitor = np.concatenate(sample_monitor) if states else np.zeros(0, np.int64)
    order = np.argsort(times, kind="stable")
    widths = np.array([u.size for u in units], np.int64)
    out_offset = np.zeros(times.size, np.int64)
    sizes = widths[monitor[order]] if states else np.zeros(0, np.int64)
    out_offset[:] = np.concatenate([[0], np.cumsum(sizes)[:-1]]) if sizes.size else 0
    recording = ek.EventRecording(
        spike_flag=spike_flag,
        sample_time=np.ascontiguousarray(times[order]),
        sample_monitor=np.ascontiguousarray(monitor[order]),
        sample_out=out_offset,
        monitor_variable=np.array(variables, np.int64),
        monitor_offset=np.array(offsets, np.float64),
        monitor_ptr=np.concatenate([[0], np.cumsum(widths)]).astype(np.int64),
        monitor_units=(np.concatenate(units) if units else np.zeros(0)).astype(np.int64),
        out=np.zeros(int(sizes.sum())),
    )

    def collect(spike_times: np.ndarray, spike_units: np.ndarray) -> None:
        for recorder in spikes:
            group = recorder.group
            mine = (spike_units >= group.start) & (spike_units < group.stop)
            recorder.monitor.append(spike_times[mine], spike_units[mine] - group.start)
        for recorder in rates:
            _collect_rate(recorder, network.dt, start, stop, spike_times, spike_units)
        for m, recorder in enumerate(states):
            mine = np.flatnonzero(recording.sample_monitor == m)
            if mine.size:
                width = widths[m]
                block = np.stack([recording.out[o : o + width] for o in recording.sample_out[mine]])
                recorder.monitor.append(recording.sample_time[mine], block)

    return recording, collect


def _collect_rate(recorder, dt, start, stop, spike_times, spike_units) -> None:
    """Population rate per step of dt (Hz) from exact spike times: a spike at t counts in
    the step that ends at or after t, as on the clock driver."""
    group = recorder.group
    first, last = round(start / dt), round(stop / dt)
    mine = (spike_units >= group.start) & (spike_units < group.stop)
    steps = np.ceil(spike_times[mine] / dt - 1e-9).astype(np.int64) - 1 - first
    counts = np.bincount(np.clip(steps, 0, last - first - 1), minlength=last - first)
    rate = counts / (group.n * dt * 1e-3)
    recorder.monitor.append((first + np.arange(1, last - first + 1)) * dt, rate[:, None])
