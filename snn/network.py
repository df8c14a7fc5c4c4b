"""``snn.Network``: populations, sources, projections, currents and recorders, compiled
into one bundle and run step by step by the clock driver."""

from __future__ import annotations

import math

import numpy as np

from neurodyn import io
from neurodyn._validation import as_float_array, check_choice, check_float, check_int
from neurodyn.compiled import Compilable
from neurodyn.distributions import sample
from neurodyn.errors import SimulationError
from neurodyn.graph import delay_steps
from neurodyn.random import SeedLike, child, root_sequence
from snn import _kernels, connect, graphs, saving
from snn._plasticity_kernels import settle_all
from snn.compile import State, compile_network, initial_step_size, thread_plan
from snn.elements import (
    CurrentInput,
    Group,
    PoissonInput,
    PoissonSource,
    Population,
    Projection,
    SpikeSource,
    check_receptor_signs,
)
from snn.models import NeuronModel
from snn.monitors import (
    RateRecorder,
    SpikeRecorder,
    StateRecorder,
    WeightRecorder,
    synapse_indices,
)
from snn.plasticity import (
    STDP,
    Rewards,
    check_plastic_weights,
    modulated,
    plastic_state,
    plastic_store,
    with_rewards,
)
from snn.running import Chunk, RunReporter, chunk_plan, drive_for, recording_for

__all__ = ["Network"]

DRIVERS = ("clock", "event")


@io.register("snn.Network")
class Network(Compilable, io.Saveable):
    """A spiking network run on a fixed time grid (NEST's units: ms, mV, pA, nS, pF, Hz).

    Parameters
    ----------
    dt : float
        Time step in ms (NEST's default resolution is 0.1 ms).
    seed : int, SeedSequence, Generator or None
        Root of every random draw: each component (initial states,
        connections, Poisson sources) takes its own child stream in the order
        it is added, so adding a component never changes another's numbers, and
        the same seed gives bit-identical runs.
    threads : int
        Threads that share the neuron update, the Poisson inputs and the spike
        delivery of each step. Results are bit-identical for every count; with 1
        (the default) the serial kernel runs, with no threading overhead. Pays
        off for large networks (Brunel's 12,500 neurons), not for small ones.

    Build it with :meth:`add_population`, :meth:`add_poisson`,
    :meth:`add_spike_source`, the ``add_*current`` methods and :meth:`connect`;
    record with :meth:`record_spikes`, :meth:`record_state` and
    :meth:`record_rate`; then :meth:`run` (repeatedly: each run continues where
    the last stopped). :meth:`to_nest` builds the same network in NEST.
    """

    def __init__(self, dt: float = 0.1, seed: SeedLike = None, *, threads: int = 1) -> None:
        self.dt = check_float(dt, "dt", low=0.0, low_open=True, owner="Network")
        self.threads = threads
        self._root = root_sequence(seed, "Network.seed")
        self.seed = seed if isinstance(seed, int) else None
        self.groups: list[Group] = []
        self.projections: list[Projection] = []
        self.currents: list[CurrentInput] = []
        self.inputs: list[PoissonInput] = []
        self.recorders: list = []
        self.rewards = Rewards()
        self._state = State()
        self._n_streams = 0
        self._events = None  # the event driver's own state, from the first event-driven run
        self.changes = 0  # bumped by every change of what the compiled bundles are built from

    # --- bookkeeping ------------------------------------------------------------------------
    @property
    def populations(self) -> list[Population]:
        return [g for g in self.groups if isinstance(g, Population)]

    @property
    def sources(self) -> list[Group]:
        return [g for g in self.groups if not isinstance(g, Population)]

    @property
    def n_units(self) -> int:
        return sum(g.n for g in self.groups)

    @property
    def threads(self) -> int:
        return self._threads

    @threads.setter
    def threads(self, value: int) -> None:
        import numba

        available = numba.config.NUMBA_NUM_THREADS
        self._threads = check_int(value, "threads", low=1, owner="Network")
        if self._threads > available:
            raise ValueError(
                f"Network.threads: at most NUMBA_NUM_THREADS = {available} (got {value})"
            )

    @property
    def t(self) -> float:
        """Biological time reached (ms)."""
        if self._events is not None:
            return self._events.t
        return float(self._state.counters[0]) * self.dt

    def invalidate(self) -> None:
        super().invalidate()
        self.changes += 1

    def __getitem__(self, name: str) -> Group:
        for group in self.groups:
            if group.name == name:
                return group
        raise KeyError(f"Network: no population or source named {name!r}")

    def _stream(self, seed: SeedLike = None) -> np.random.Generator:
        """The next component's random stream (its own ``seed`` when given)."""
        k = self._n_streams
        self._n_streams += 1  # drawn whether used or not: seeding one component shifts no other
        if seed is not None:
            return np.random.default_rng(root_sequence(seed, "seed"))
        return child(self._root, k)

    def _draw(self, value, n: int, name: str) -> np.ndarray:
        return sample(value, n, self._stream(), name)

    def _state_row(self, row: int) -> np.ndarray:
        return self._state.values[row]

    def _add_group(self, group: Group) -> Group:
        self.groups.append(group)
        self._state.grow(self.n_units)
        self.invalidate()
        return group

    def _name(self, name: str | None, prefix: str) -> str:
        if name is None:
            name = f"{prefix}{len(self.groups)}"
        if not isinstance(name, str) or not name:
            raise TypeError(f"name: expected a non-empty string (got {name!r})")
        if any(g.name == name for g in self.groups):
            raise ValueError(f"name: the network already has a group named {name!r}")
        return name

    def _own(self, group, argument: str, kinds=(Group,)) -> Group:
        if not isinstance(group, kinds):
            expected = " or ".join(k.__name__ for k in kinds)
            raise TypeError(f"{argument}: expected a {expected} (got {type(group).__name__})")
        if group.network is not self:
            raise ValueError(f"{argument}: {group.name!r} belongs to another network")
        return group

    # --- populations and sources --------------------------------------------------------------
    def add_population(
        self, n: int, model: NeuronModel, *, name: str | None = None, **initial
    ) -> Population:
        """``n`` neurons of ``model``; state variables (``V_m=...``, by NEST's names) start at a
        number, one value per neuron or a distribution, else at NEST's defaults."""
        n = check_int(n, "n", low=1, owner="add_population")
        if not isinstance(model, NeuronModel):
            raise TypeError(
                f"model: expected an snn neuron model such as snn.LIF() (got {type(model).__name__})"
            )
        population = Population(self, self._name(name, "population"), n, self.n_units, model)
        self._add_group(population)
        self._state.values[4, population.start : population.stop] = initial_step_size(
            model, self.dt
        )
        population.set(**(model.default_state() | initial))
        return population

    def add_poisson(
        self,
        n: int,
        rate,
        *,
        interval: float | None = None,
        start: float | None = None,
        name: str | None = None,
    ) -> PoissonSource:
        """``n`` independent Poisson sources.

        ``rate`` (Hz) is a number, one rate per source (n,), or a time course
        (T, n) or (T, 1) whose rows hold for ``interval`` ms each (default dt)
        from time ``start`` (default: now); outside the course the rate is 0.
        """
        n = check_int(n, "n", low=1, owner="add_poisson")
        rates = as_float_array(rate, "rate", ndim=(0, 1, 2), owner="add_poisson")
        if np.any(rates < 0):
            raise ValueError(f"add_poisson.rate: rates must be >= 0 Hz (got {rates.min():g})")
        course = None
        if rates.ndim == 2:
            if rates.shape[1] not in (1, n):
                raise ValueError(f"add_poisson.rate: a time course is (T, {n}) or (T, 1)")
            course = np.ascontiguousarray(np.broadcast_to(rates, (rates.shape[0], n)))
            rates = np.zeros(n)
        elif rates.ndim == 1 and rates.shape != (n,):
            raise ValueError(
                f"add_poisson.rate: expected a number or {n} rates (got {rates.shape[0]}); "
                "a time course is 2-d, (T, n) or (T, 1)"
            )
        interval = self.dt if interval is None else check_float(interval, "interval", low=self.dt)
        begin = self.t if start is None else check_float(start, "start", low=0.0)
        group = PoissonSource(
            self,
            self._name(name, "poisson"),
            n,
            self.n_units,
            np.broadcast_to(rates, (n,)).copy(),
            course,
            interval,
            begin,
        )
        seeds = self._stream().integers(1, 2**63, size=n, dtype=np.uint64)
        self._add_group(group)
        self._state.poisson_rng = np.concatenate([self._state.poisson_rng, seeds])
        self._state.poisson_next = np.concatenate([self._state.poisson_next, np.full(n, np.nan)])
        return group

    def add_spike_source(
        self, times, indices=None, *, n: int | None = None, name: str | None = None
    ) -> SpikeSource:
        """Units that fire at given ``times`` (ms; the unit ``indices[k]`` at ``times[k]``).

        Times are rounded to the step grid and must lie after the current time;
        ``n`` (default: max index + 1) sets how many units the group has.
        """
        times = as_float_array(times, "times", ndim=1, owner="add_spike_source")
        indices = np.zeros(times.size, np.int64) if indices is None else np.asarray(indices)
        if indices.shape != times.shape or not np.issubdtype(indices.dtype, np.integer):
            raise ValueError("add_spike_source.indices: expected one integer index per time")
        if indices.size and indices.min() < 0:
            raise ValueError("add_spike_source.indices: must be >= 0")
        size = int(indices.max()) + 1 if indices.size else 1
        n = size if n is None else check_int(n, "n", low=size, owner="add_spike_source")
        first = round(self.t / self.dt) + 1  # the earliest step a new spike can end (either driver)
        if times.size and np.rint(times.min() / self.dt) < first:
            raise ValueError(
                f"add_spike_source.times: spikes must come at or after t = {first * self.dt:g} ms "
                f"(one step after the current time; got {times.min():g})"
            )
        order = np.argsort(times, kind="stable")
        group = SpikeSource(
            self,
            self._name(name, "spikes"),
            n,
            self.n_units,
            times[order],
            indices[order].astype(np.int64),
        )
        return self._add_group(group)

    def add_poisson_input(
        self,
        target,
        rate: float,
        weight: float,
        *,
        n: int = 1,
        delay: float | None = None,
        receptor: str | None = None,
        indices=None,
    ) -> PoissonInput:
        """Independent Poisson input onto each neuron of ``target`` (or its ``indices``).

        Every neuron gets its own ``n`` trains of ``rate`` Hz (one Poisson count
        per step of mean n rate dt), each spike adding ``weight`` after ``delay``
        ms (default dt): NEST's ``poisson_generator`` connected to a population,
        Brian2's ``PoissonInput``. Brunel's external drive is one of these. It
        costs one random draw per neuron and step, and no synapses.
        """
        population = self._own(target, "target", (Population,))
        local = np.unique(population._local(indices))  # each neuron once, in order
        rate = check_float(rate, "rate", low=0.0, owner="add_poisson_input")
        weight = check_float(weight, "weight", owner="add_poisson_input")
        n = check_int(n, "n", low=1, owner="add_poisson_input")
        delay = self.dt if delay is None else check_float(delay, "delay", low=0.0)
        delay_steps(delay, self.dt, name="add_poisson_input.delay")
        if receptor is not None:
            check_choice(receptor, "receptor", ("ex", "in"), owner="add_poisson_input")
        check_receptor_signs(np.array([weight]), receptor, "add_poisson_input")
        source = PoissonInput(population, local, rate, n, weight, delay, receptor)
        seeds = self._stream().integers(1, 2**63, size=local.size, dtype=np.uint64)
        self._state.input_rng = np.concatenate([self._state.input_rng, seeds])
        self.inputs.append(source)
        self.invalidate()
        return source

    # --- currents ---------------------------------------------------------------------------------
    def add_current(
        self, target, amplitude, *, start=None, stop=None, indices=None
    ) -> CurrentInput:
        """A constant current (pA; a number or one per neuron) from ``start`` (default now)
        until ``stop`` (default: for ever) into ``target`` (or its ``indices``)."""
        begin = self.t if start is None else check_float(start, "start", low=0.0)
        times = [begin] if stop is None else [begin, check_float(stop, "stop", low=begin)]
        amplitudes = [amplitude] if stop is None else [amplitude, 0.0]
        return self.add_step_current(target, times, amplitudes, indices=indices)

    def add_step_current(self, target, times, amplitudes, *, indices=None) -> CurrentInput:
        """A piecewise-constant current (NEST's ``step_current_generator``): ``amplitudes[j]``
        pA (a number or one per neuron) from ``times[j]`` ms until the next time."""
        population = self._own(target, "target", (Population,))
        local = population._local(indices)
        times = as_float_array(times, "times", ndim=1, owner="add_step_current")
        if times.size == 0 or np.any(np.diff(times) <= 0):
            raise ValueError("add_step_current.times: expected increasing times")
        values = [
            np.broadcast_to(as_float_array(a, f"amplitudes[{j}]", ndim=(0, 1)), (local.size,))
            for j, a in enumerate(amplitudes)
        ]
        if len(values) != times.size:
            raise ValueError("add_step_current.amplitudes: expected one amplitude per time")
        current = CurrentInput(population, local, times=times, amplitudes=np.array(values))
        self.currents.append(current)
        return current

    def add_current_array(
        self, target, values, *, interval: float | None = None, start=None, indices=None
    ) -> CurrentInput:
        """A current given sample by sample: ``values`` (T, n) or (T,) pA, row r driving the
        steps in [start + r interval, start + (r + 1) interval) (``interval`` default dt,
        ``start`` default now); zero outside."""
        population = self._own(target, "target", (Population,))
        local = population._local(indices)
        values = as_float_array(values, "values", ndim=(1, 2), owner="add_current_array")
        if values.ndim == 1:
            values = values[:, None]
        if values.shape[1] not in (1, local.size):
            raise ValueError(f"add_current_array.values: expected (T, {local.size}) or (T,)")
        values = np.ascontiguousarray(np.broadcast_to(values, (values.shape[0], local.size)))
        interval = self.dt if interval is None else check_float(interval, "interval", low=self.dt)
        begin = self.t if start is None else check_float(start, "start", low=0.0)
        current = CurrentInput(population, local, values=values, interval=interval, begin=begin)
        self.currents.append(current)
        return current

    # --- projections -------------------------------------------------------------------------------
    def connect(
        self,
        pre,
        post,
        *,
        p: float | None = None,
        indegree: int | None = None,
        rule: str | None = None,
        weight=1.0,
        delay=1.0,
        receptor: str | None = None,
        plasticity=None,
        autapses: bool = True,
        seed: SeedLike = None,
        name: str | None = None,
    ) -> Projection:
        """Synapses from ``pre`` (a population or source) to the population ``post``.

        The rule is ``p=`` (pairwise Bernoulli), ``indegree=`` (fixed in-degree)
        or ``rule="one_to_one"`` / ``"all_to_all"``. ``weight`` (the target
        model's unit, negative for inhibition) and ``delay`` (ms, >= dt, NEST's
        default 1 ms) are a number, one value per synapse or a distribution.
        ``receptor`` "ex" / "in" fixes the synapse type (weights must have its
        sign); by default each synapse's sign picks it, as in NEST.
        ``autapses=False`` removes i → i within a population.
        """
        pre = self._own(pre, "pre")
        post = self._own(post, "post", (Population,))
        if plasticity is not None and not isinstance(plasticity, STDP):
            raise TypeError(
                f"connect.plasticity: expected snn.STDP(...) or None (got {plasticity!r})"
            )
        if receptor is not None:
            check_choice(receptor, "receptor", ("ex", "in"), owner="connect")
        rule, parameter = connect.resolve_rule(rule, p, indegree)
        graph, delays = connect.build(
            rule,
            parameter,
            pre.n,
            post.n,
            pre is post,
            bool(autapses),
            weight,
            delay,
            self._stream(seed),
        )
        return self._add_projection(pre, post, graph, delays, receptor, name, plasticity)

    def _add_projection(
        self, pre, post, graph, delays, receptor, name, plasticity=None
    ) -> Projection:
        name = name or f"{pre.name}->{post.name}"
        check_receptor_signs(graph.weights, receptor, name)
        delay_steps(delays, self.dt, name=f"{name}.delay")  # delays of at least one step
        if plasticity is not None:
            check_plastic_weights(graph.weights, receptor, plasticity, name)
        projection = Projection(self, pre, post, graph, delays, receptor, plasticity, name)
        self.projections.append(projection)
        if plasticity is not None:
            plastic_store(self)  # its weights a view of the store from now on
        self.invalidate()
        return projection

    def connect_graph(self, graph, pre=None, post=None, **options) -> list[Projection]:
        """Synapses from a networkx DiGraph's edges (``weight`` and ``delay`` attributes).

        With ``pre`` and ``post`` the nodes are 0 .. n-1 (or listed by
        ``nodelist=``) of the pre and post groups (pass one population twice for
        a recurrent graph); without, nodes are ``(group name, index)`` pairs as
        :meth:`to_networkx` writes them. See :func:`snn.graphs.connect_graph`.
        """
        return graphs.connect_graph(self, graph, pre, post, **options)

    def to_networkx(self):
        """The network as an ``nx.DiGraph``: nodes ``(group name, index)`` with their group,
        kind and model; edges with ``weight``, ``delay`` (ms) and ``receptor``."""
        return graphs.to_networkx(self)

    # --- recording -------------------------------------------------------------------------------
    def record_spikes(self, group) -> SpikeRecorder:
        """Record the spikes of a population or source group from now on."""
        recorder = SpikeRecorder(self._own(group, "group"), self.t)
        self.recorders.append(recorder)
        return recorder

    def record_state(
        self, population, variable: str = "V_m", *, indices=None, interval: float | None = None
    ) -> StateRecorder:
        """Record ``variable`` (NEST's name) of neurons ``indices`` (default all) every
        ``interval`` ms (a multiple of dt; default dt), sampled at the end of each step."""
        population = self._own(population, "population", (Population,))
        local = population._local(indices)
        steps = self._interval_steps(interval, "record_state")
        recorder = StateRecorder(population, variable, local, steps, self.dt)
        self.recorders.append(recorder)
        return recorder

    def record_weights(
        self, projection, *, indices=None, interval: float | None = None
    ) -> WeightRecorder:
        """Record the weights of synapses ``indices`` (default all; the order of
        ``projection.weights``) of a plastic projection every ``interval`` ms (a multiple
        of dt; default dt), at the end of the step."""
        if not isinstance(projection, Projection) or projection.network is not self:
            raise TypeError(f"record_weights.projection: expected a Projection of this network "
                            f"(got {projection!r})")  # fmt: skip
        if projection.plasticity is None:
            raise ValueError(
                f"record_weights.projection: {projection.name} has no plasticity (its weights "
                "do not change; read them from projection.weights)"
            )
        local = synapse_indices(indices, len(projection))
        steps = self._interval_steps(interval, "record_weights")
        recorder = WeightRecorder(projection, local, steps, self.dt)
        self.recorders.append(recorder)
        return recorder

    def reward(self, amount=1.0, *, at=None) -> None:
        """Give reward-modulated synapses (``STDP(..., dopamine=Dopamine(...))``) a reward of
        ``amount`` now, or at the times ``at`` (ms, not in the past; one amount or one each)."""
        self.rewards.add(amount, self.t if at is None else at, self.t)

    def _interval_steps(self, interval, owner: str) -> int:
        """A sampling interval (ms, default dt) as a whole number of steps."""
        interval = (
            self.dt
            if interval is None
            else check_float(interval, "interval", low=0.0, low_open=True)
        )
        steps = round(interval / self.dt)
        if steps < 1 or not math.isclose(steps * self.dt, interval, rel_tol=1e-9):
            raise ValueError(
                f"{owner}.interval: must be a multiple of dt = {self.dt:g} ms (got {interval:g})"
            )
        return steps

    def record_rate(self, group) -> RateRecorder:
        """Record the population rate (spikes per step / (n dt), Hz) of a group."""
        recorder = RateRecorder(self._own(group, "group"), self.dt)
        self.recorders.append(recorder)
        return recorder

    # --- running ---------------------------------------------------------------------------------
    def _compile(self) -> _kernels.NetworkBundle:
        bundle = compile_network(self)
        plastic = bundle.plastic
        self._state.attach_plastic(plastic_state(self, plastic), plastic.seg_edges.size - 1)
        return bundle

    def run(self, duration: float, *, driver: str = "clock", progress=None) -> Network:
        """Advance by ``duration`` ms (a whole number of steps), continuing from the last run.

        ``progress``: True (a tqdm bar), False (silent), None (a bar once the
        run is expected to take more than a few seconds) or a callable
        ``report(elapsed, completed, start, duration)``. Raises
        :class:`~neurodyn.errors.SimulationError` naming the population, the
        variable and the time when a neuron's state stops being finite.
        """
        duration = check_float(duration, "duration", low=0.0, owner="run")
        check_choice(driver, "driver", DRIVERS, owner="run")
        n_steps = round(duration / self.dt)
        if not math.isclose(n_steps * self.dt, duration, rel_tol=1e-9, abs_tol=1e-12):
            raise ValueError(
                f"run.duration: must be a multiple of dt = {self.dt:g} ms (got {duration:g})"
            )
        if driver == "event" or self._events is not None:
            self._run_events(driver, n_steps, progress)
        else:
            self._run_clock(n_steps, progress)
        for recorder in self.recorders:
            if isinstance(recorder, SpikeRecorder):
                recorder.monitor.advance(self.t)
        return self

    def _run_events(self, driver: str, n_steps: int, progress) -> None:
        from snn.event import EventDriver

        if self._events is None:
            if self._state.counters[0] > 0:
                raise ValueError(
                    "run.driver: this network has run on the clock driver; a network keeps "
                    "the driver of its first run (build it again for the event driver)"
                )
            self._events = EventDriver(self)
        elif driver != "event":
            raise ValueError(
                "run.driver: this network has run on the event driver; a network keeps the "
                "driver of its first run"
            )
        with RunReporter(n_steps, progress) as reporter:
            self._events.run(n_steps, reporter)

    def _run_clock(self, n_steps: int, progress) -> None:
        bundle = self.compile()
        if self.threads > 1 and bundle.plastic.rule.shape[0]:
            raise ValueError(
                f"Network.threads: plastic synapses run on one thread (threads = "
                f"{self.threads}); set net.threads = 1"
            )
        if self._state.ring.shape[0] != bundle.n_slots:
            self._state.relayout(bundle.n_slots)
        first = int(self._state.counters[0])
        self._state.plastic = with_rewards(self._state.plastic, self.rewards, bundle.plastic.rule)
        with RunReporter(n_steps, progress) as reporter:
            for chunk in chunk_plan(self, first, n_steps):
                self._run_chunk(bundle, chunk)
                reporter.update(chunk.n_steps)
        if modulated(bundle.plastic):
            settle_all(bundle.plastic, self._state.plastic, self.t)

    def _run_chunk(self, bundle, chunk: Chunk) -> None:
        drive = drive_for(self, chunk)
        recording, collect = recording_for(self, chunk)
        capacity = max(1024, getattr(self, "_spike_capacity", 1024))
        arguments = (
            bundle,
            self._state.kernel_state(),
            drive,
            recording,
            chunk.n_steps,
            np.empty(capacity, np.int64),
            np.empty(capacity, np.int64),
        )
        if self.threads == 1:
            result = _kernels.advance(*arguments)
        else:
            result = self._advance_threaded(bundle, arguments)
        status, done, bad_unit, steps, units, n_spikes = result
        self._spike_capacity = max(capacity, 2 * n_spikes)
        collect(steps[:n_spikes], units[:n_spikes], done + (status != _kernels.OK))
        if status != _kernels.OK:
            raise SimulationError(self._describe_failure(bad_unit, chunk.first + done))

    def _advance_threaded(self, bundle, arguments):
        import numba

        from snn._threaded_kernels import advance_threaded

        key = (id(bundle), self.threads)
        if getattr(self, "_plan_key", None) != key:
            self._plan, self._plan_key = thread_plan(bundle, self.threads), key
        previous = numba.get_num_threads()
        numba.set_num_threads(self.threads)
        # parallel regions take no nested tuples, and threaded networks have no plasticity
        arguments = (bundle._replace(plastic=0), *arguments[1:])
        try:
            return advance_threaded(*arguments, self._plan, bundle.plastic)
        finally:
            numba.set_num_threads(previous)

    def _describe_failure(self, unit: int, step: int) -> str:
        population = next(p for p in self.populations if p.start <= unit < p.stop)
        local = unit - population.start
        for variable in population.model.VARIABLES:
            value = self._state.values[variable.row, unit]
            if not np.isfinite(value):
                what = f"{variable.name} became {value}"
                break
        else:
            v, w = self._state.values[0, unit], self._state.values[3, unit]
            what = f"V_m = {v:.4g} mV, w = {w:.4g} pA left NEST's stability bounds"
        return (
            f"population {population.name!r}, neuron {local}: {what} at t = "
            f"{(step + 1) * self.dt:g} ms (step {step}); the step dt = {self.dt:g} ms may be "
            "too large for its dynamics or the input too strong"
        )

    # --- NEST and files ---------------------------------------------------------------------------
    def to_nest(self, **options):
        """Build this network in NEST (see :func:`snn.to_nest`)."""
        from snn.nest import to_nest

        return to_nest(self, **options)

    def _io_state(self):
        if self._events is not None:
            raise ValueError(
                "save: a network run by the event driver cannot be saved yet (its queue of "
                "spikes in flight has no file format); save it before its first run"
            )
        return saving.network_state(self)

    @classmethod
    def _from_io_state(cls, arrays, config):
        return saving.network_from_state(cls, arrays, config)

    def _io_seed(self):
        return self.seed

    def __repr__(self) -> str:
        groups = ", ".join(f"{g.name}({g.n})" for g in self.groups)
        return (
            f"Network(dt={self.dt:g} ms, t={self.t:g} ms, groups=[{groups}], "
            f"{sum(len(p) for p in self.projections)} synapses)"
        )
