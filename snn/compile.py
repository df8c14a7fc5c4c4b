"""From a network's description to the arrays its kernels run: the bundle and the state.

The synapse table is laid out by source, the order spike delivery reads it in:
every projection's synapses are placed by a counting sort on their source, each
source's edges ordered by delay and cut into segments of one delay. Delivery then
streams each segment's channels and weights once (reading weights through a
by-target index instead costs a cache miss per synapse on Brunel's network).
"""

from __future__ import annotations

import numpy as np

from neurodyn.compiled import frozen
from neurodyn.graph import delay_steps
from snn import _build_kernels, _kernels
from snn._build_kernels import RECEPTOR_BY_SIGN, RECEPTOR_EX, RECEPTOR_IN
from snn.models import ADEX, IZHIKEVICH, LIF_COND, LIF_DELTA, N_COEFFICIENTS, N_VARIABLES
from snn.plasticity import PlasticState, compile_plastic

SINGLE_CHANNEL_MODELS = (LIF_DELTA, IZHIKEVICH)  # one input buffer for both signs, as in NEST


def compile_network(network) -> _kernels.NetworkBundle:
    """The read-only bundle of ``network`` for its current ``dt``."""
    dt = network.dt
    populations = network.populations
    n_units = network.n_units
    pop_model = np.array([p.model.code for p in populations], np.int64)
    synapses = synapse_table(network)
    sources = source_tables(network)
    plastic = compile_plastic(network)
    longest = max((int(d) for d in sources["input_delay"]), default=0)
    longest = max(longest, int(plastic.seg_delay.max(initial=0)))
    synapses["n_slots"] = max(synapses["n_slots"], longest + 1)
    bundle = _kernels.NetworkBundle(
        dt=float(dt),
        n_units=int(n_units),
        pop_start=frozen(np.array([p.start for p in populations], np.int64)),
        pop_stop=frozen(np.array([p.stop for p in populations], np.int64)),
        pop_model=frozen(pop_model),
        pop_refractory=frozen(
            np.array([p.model.refractory_steps(dt) for p in populations], np.int64)
        ),
        pop_coef=frozen(
            np.array([p.model.coefficients(dt) for p in populations]).reshape(-1, N_COEFFICIENTS)
        ),
        **synapses,
        **sources,
        plastic=plastic,
    )
    return bundle


def _unit_models(network) -> np.ndarray:
    """Model code of every unit (-1 for sources)."""
    codes = np.full(network.n_units, -1, np.int64)
    for population in network.populations:
        codes[population.start : population.stop] = population.model.code
    return codes


def synapse_table(network, *, delays_in: str = "steps") -> dict:
    """Segments, channels and delivery weights of every synapse, by source (see
    :mod:`snn._build_kernels`); segment delays in whole steps (the clock driver) or, with
    ``delays_in="ms"``, as given (the event driver)."""
    n_units, dt = network.n_units, network.dt
    in_ms = delays_in == "ms"
    unit_models = _unit_models(network)
    projections = [p for p in network.projections if len(p) and p.plasticity is None]
    if not projections:
        return _empty_synapses(n_units, np.float64 if in_ms else np.int64)
    counts = np.zeros(n_units + 1, np.int64)
    for projection in projections:
        _build_kernels.count_out_edges(projection.graph.indices, projection.pre.start, counts[1:])
    source_ptr = np.cumsum(counts)
    n_edges = int(source_ptr[-1])
    delay_type = np.float64 if in_ms else np.int32
    out = (np.empty(n_edges, np.int32), np.empty(n_edges), np.empty(n_edges, delay_type))
    cursor = source_ptr[:-1].copy()
    longest = 1
    for projection in projections:
        graph = projection.graph
        steps = delay_steps(projection._delays, dt, name=f"{projection.name}.delay")
        longest = max(longest, int(steps.max()))
        delays = np.asarray(projection._delays, np.float64) if in_ms else steps.astype(np.int32)
        per_synapse = delays if delays.ndim else np.zeros(0, delay_type)
        model = unit_models[projection.post.start]
        mode = {"ex": RECEPTOR_EX, "in": RECEPTOR_IN, None: RECEPTOR_BY_SIGN}[projection.receptor]
        _build_kernels.fill_by_source(
            (graph.indptr, graph.indices, graph.weights),
            per_synapse,
            delay_type(delays) if not delays.ndim else delay_type(0),
            (projection.pre.start, projection.post.start, n_units),
            (mode, model in SINGLE_CHANNEL_MODELS, model in (LIF_COND, ADEX)),
            cursor,
            out,
        )
    channel, weight, delay = out
    if _build_kernels.first_unsorted_source(source_ptr, channel, delay, n_units) >= 0:
        _sort_edges(source_ptr, channel, weight, delay, n_units)
    seg_ptr, seg_edges, seg_delay = _build_kernels.cut_segments(source_ptr, delay)
    return {
        "seg_ptr": frozen(seg_ptr),
        "seg_edges": frozen(seg_edges),
        "seg_delay": frozen(seg_delay, np.float64 if in_ms else np.int64),
        "syn_channel": frozen(channel),
        "syn_weight": frozen(weight),
        "n_slots": longest + 1,
    }


def _sort_edges(source_ptr, channel, weight, delay, n_units, block_edges=2_000_000) -> None:
    """Order every source's edges by (delay, target, receptor), in place; NumPy sorts blocks
    of whole sources of about ``block_edges`` edges, so memory stays bounded."""
    n_sources = source_ptr.size - 1
    first = 0
    while first < n_sources:
        last = int(np.searchsorted(source_ptr, source_ptr[first] + block_edges, side="right")) - 1
        last = min(max(last, first + 1), n_sources)
        lo, hi = int(source_ptr[first]), int(source_ptr[last])
        sources = np.repeat(np.arange(first, last), np.diff(source_ptr[first : last + 1]))
        inhibitory = channel[lo:hi] >= n_units
        target = channel[lo:hi] - inhibitory * n_units
        order = np.lexsort((inhibitory, target, delay[lo:hi], sources))
        channel[lo:hi], weight[lo:hi], delay[lo:hi] = (
            channel[lo:hi][order],
            weight[lo:hi][order],
            delay[lo:hi][order],
        )
        first = last


def _empty_synapses(n_units: int, delay_type=np.int64) -> dict:
    return {
        "seg_ptr": frozen(np.zeros(n_units + 1, np.int64)),
        "seg_edges": frozen(np.zeros(1, np.int64)),
        "seg_delay": frozen(np.zeros(0, delay_type)),
        "syn_channel": frozen(np.zeros(0, np.int32)),
        "syn_weight": frozen(np.zeros(0)),
        "n_slots": 2,
    }


def source_tables(network) -> dict:
    """Poisson sources (unit, constant rate) and given spikes (emission step, unit)."""
    poisson = [g for g in network.sources if g.kind == "poisson"]
    units = [np.arange(g.start, g.stop) for g in poisson]
    rates = [
        np.zeros(g.n) if g.course is not None else np.broadcast_to(g.rates, g.n) for g in poisson
    ]
    given = [g for g in network.sources if g.kind == "spike_source"]
    steps = [spike_steps(g.times, network.dt) for g in given]
    spike_units = [g.start + g.indices for g in given]
    step = np.concatenate(steps) if steps else np.zeros(0, np.int64)
    unit = np.concatenate(spike_units) if spike_units else np.zeros(0, np.int64)
    order = np.lexsort((unit, step))  # a unit twice in one step: adjacent, counted as one entry
    dt, n_units = network.dt, network.n_units
    inputs = network.inputs
    input_means = np.array([i.total_rate * dt * 1e-3 for i in inputs])
    tables = poisson_tables(input_means)
    which = tables.pop("poisson_table")
    codes = _unit_models(network)
    single = [np.isin(codes[i.target.start], SINGLE_CHANNEL_MODELS) for i in inputs]
    inhibitory = [(i.receptor == "in") or (i.receptor is None and i.weight < 0) for i in inputs]
    conductance = [codes[i.target.start] in (LIF_COND, ADEX) for i in inputs]
    return {
        "poisson_unit": frozen(np.concatenate(units) if units else np.zeros(0), np.int64),
        "poisson_rate": frozen((np.concatenate(rates) if rates else np.zeros(0)) * 1e-3),
        **tables,
        "input_ptr": frozen(np.cumsum([0] + [i.indices.size for i in inputs]), np.int64),
        "input_units": frozen(
            np.concatenate([i.target.start + i.indices for i in inputs] or [np.zeros(0)]),
            np.int64,
        ),
        "input_table": frozen(which),
        "input_weight": frozen(
            [
                -i.weight if (h and c) else i.weight
                for i, h, c in zip(inputs, inhibitory, conductance, strict=True)
            ],
            np.float64,
        ),
        "input_channel": frozen(
            [0 if s1 or not h else n_units for s1, h in zip(single, inhibitory, strict=True)],
            np.int64,
        ),
        "input_delay": frozen([int(delay_steps(i.delay, dt)) for i in inputs], np.int64),
        "spike_step": frozen(step[order], np.int64),
        "spike_unit": frozen(unit[order], np.int64),
    }


def poisson_tables(means: np.ndarray) -> dict:
    """Distribution functions of the Poisson counts per step, one table per distinct mean,
    each with a guide table (inversion then costs about one comparison)."""
    from scipy.stats import poisson

    distinct, which = np.unique(means, return_inverse=True)
    tables, guides = [], []
    for mean in distinct:
        last = int(mean + 15.0 * np.sqrt(mean) + 25.0) if mean > 0 else 0  # the tail beyond < 1e-17
        cdf = poisson.cdf(np.arange(last + 1), mean) if mean > 0 else np.ones(1)
        cdf[-1] = 1.0  # every uniform number in [0, 1) finds its count
        tables.append(cdf)
        cells = np.arange(_kernels.GUIDE) / _kernels.GUIDE
        guides.append(np.searchsorted(cdf, cells, side="left"))
    ptr = np.concatenate([[0], np.cumsum([t.size for t in tables])]).astype(np.int64)
    return {
        "poisson_table": frozen(which.astype(np.int64)),
        "table_ptr": frozen(ptr),
        "table_cdf": frozen(np.concatenate(tables) if tables else np.ones(1)),
        "table_guide": frozen(np.array(guides, np.int64).reshape(len(tables), _kernels.GUIDE)),
    }


def spike_steps(times: np.ndarray, dt: float) -> np.ndarray:
    """Emission step of spikes at ``times`` ms: the step that ends at the time, rounded to
    the grid (a spike at t arrives, with delay d, at t + d)."""
    return np.rint(times / dt).astype(np.int64) - 1


class State:
    """The network's live state, laid out for the kernels and grown with the network.

    ``values`` (N_VARIABLES, n_units): V (relative to E_L for the current-based
    LIF models), the two synapse variables, a fourth (w, U_m) and the RKF45 step
    size; ``refractory`` steps left; ``ring`` (n_slots, 2 n_units) input arriving
    in the coming steps; ``poisson_rng`` one xorshift state per Poisson source,
    ``poisson_next`` its next spike time (nan: not drawn yet), and
    ``input_rng`` one per neuron of each Poisson input;
    ``counters`` [current step, next given spike].
    """

    def __init__(self) -> None:
        self.values = np.zeros((N_VARIABLES, 0))
        self.refractory = np.zeros(0, np.int64)
        self.ring = np.zeros((2, 0))
        self.poisson_rng = np.zeros(0, np.uint64)
        self.poisson_next = np.zeros(0)
        self.input_rng = np.zeros(0, np.uint64)
        self.counters = np.zeros(2, np.int64)
        self.plastic = PlasticState(
            np.zeros(0),
            np.zeros((0, 3)),
            np.zeros((0, 3)),
            np.zeros((0, 2)),
            np.zeros(0),
            np.zeros((0, 0)),
        )
        self.pending = no_arrivals(2, 0)

    @property
    def n_units(self) -> int:
        return self.values.shape[1]

    def grow(self, n_units: int) -> None:
        """Room for ``n_units`` units (new ones zero), pending input kept."""
        old = self.n_units
        values = np.zeros((N_VARIABLES, n_units))
        values[:, :old] = self.values
        self.values = values
        self.refractory = np.concatenate([self.refractory, np.zeros(n_units - old, np.int64)])
        self.relayout(self.ring.shape[0], old, n_units)

    def relayout(self, n_slots: int, old_units: int | None = None, n_units: int | None = None):
        """A ring of ``n_slots`` rows (and ``n_units`` units) holding the same pending input."""
        old_units = self.n_units if old_units is None else old_units
        n_units = self.n_units if n_units is None else n_units
        old_slots = self.ring.shape[0]
        if n_slots < old_slots:  # pending input may sit up to old_slots - 1 steps ahead
            n_slots = old_slots
        ring = np.zeros((n_slots, 2 * n_units))
        now = int(self.counters[0])
        for ahead in range(old_slots):
            old_row = self.ring[(now + ahead) % old_slots]
            new_row = ring[(now + ahead) % n_slots]
            new_row[:old_units] = old_row[:old_units]
            new_row[n_units : n_units + old_units] = old_row[old_units:]
        self.ring = ring
        pending = no_arrivals(n_slots, self.pending.segment.shape[1])
        for ahead in range(old_slots):
            old_row, new_row = (now + ahead) % old_slots, (now + ahead) % n_slots
            for name in ("segment", "count", "size"):
                getattr(pending, name)[new_row] = getattr(self.pending, name)[old_row]
        self.pending = pending

    def attach_plastic(self, plastic: PlasticState, n_segments: int) -> None:
        """Take the plastic weights and traces of a new compilation; spikes on their way to
        plastic synapses are kept while the plastic segments stay the same."""
        self.plastic = plastic
        if self.pending.segment.shape == (self.ring.shape[0], n_segments):
            return
        if self.pending.size.any():
            raise ValueError(
                "connect: the plastic synapses changed while spikes were on their way to them; "
                "add plastic projections before the first run"
            )
        self.pending = no_arrivals(self.ring.shape[0], n_segments)

    def kernel_state(self) -> _kernels.NetworkState:
        return _kernels.NetworkState(
            self.values,
            self.refractory,
            self.ring.reshape(-1),
            self.poisson_rng,
            self.poisson_next,
            self.input_rng,
            self.counters,
            self.plastic,
            self.pending,
        )


def no_arrivals(n_slots: int, n_segments: int) -> _kernels.PendingArrivals:
    return _kernels.PendingArrivals(
        np.zeros((n_slots, n_segments), np.int64),
        np.zeros((n_slots, n_segments), np.int64),
        np.zeros(n_slots, np.int64),
    )


def initial_step_size(model, dt: float) -> float:
    """NEST starts the adaptive integrator with a step of dt."""
    return dt if model.code == ADEX else 0.0


def thread_plan(bundle, n_parts: int):
    """How :func:`snn._threaded_kernels.advance_threaded` splits a step over ``n_parts``
    threads: equal ranges of units, and each segment's and each Poisson input's run
    of targets inside every range."""
    from snn._threaded_kernels import ThreadPlan

    bounds = (np.arange(n_parts + 1) * bundle.n_units) // n_parts
    input_split = np.empty((bundle.input_table.size, n_parts + 1), np.int64)
    for i in range(bundle.input_table.size):
        first, last = bundle.input_ptr[i], bundle.input_ptr[i + 1]
        input_split[i] = first + np.searchsorted(bundle.input_units[first:last], bounds)
    return ThreadPlan(
        bounds.astype(np.int64),
        _build_kernels.split_segments(
            bundle.seg_edges, bundle.syn_channel, bundle.n_units, n_parts
        ),
        input_split,
    )
