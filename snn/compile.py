"""From a network's description to the arrays its kernels run: the bundle and the state.

The synapse table is laid out by source, the order spike delivery reads it in:
all projections are merged, sorted by (source unit, delay, target channel), and
cut into segments of equal source and delay. Delivery then streams each
segment's channels and weights once (measured on Brunel's network, reading
weights through a by-target index instead costs a cache miss per synapse; see
``benchmarks/snn_vs_brian2.py``).
"""

from __future__ import annotations

import numpy as np

from neurodyn.compiled import frozen
from neurodyn.graph import delay_steps
from snn import _kernels
from snn.models import ADEX, IZHIKEVICH, LIF_DELTA, N_COEFFICIENTS, N_VARIABLES

SINGLE_CHANNEL_MODELS = (LIF_DELTA, IZHIKEVICH)  # one input buffer for both signs, as in NEST


def compile_network(network) -> _kernels.NetworkBundle:
    """The read-only bundle of ``network`` for its current ``dt``."""
    dt = network.dt
    populations = network.populations
    n_units = network.n_units
    pop_model = np.array([p.model.code for p in populations], np.int64)
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
        **synapse_table(network),
        **source_tables(network),
    )
    return bundle


def _unit_models(network) -> np.ndarray:
    """Model code of every unit (-1 for sources)."""
    codes = np.full(network.n_units, -1, np.int64)
    for population in network.populations:
        codes[population.start : population.stop] = population.model.code
    return codes


def synapse_table(network) -> dict:
    """Segments, channels and delivery weights of every synapse, by source."""
    n_units, dt = network.n_units, network.dt
    unit_models = _unit_models(network)
    sources, delays, channels, weights = [], [], [], []
    for projection in network.projections:
        graph = projection.graph
        post = projection.post.start + graph.targets().astype(np.int64)
        receptors = projection.receptors().astype(np.int64)
        single = np.isin(unit_models[post], SINGLE_CHANNEL_MODELS)
        conductance = ~single & (unit_models[post] != _kernels.LIF_EXP)
        delivered = np.where(conductance & (receptors == 1), -graph.weights, graph.weights)
        receptors[single] = 0
        steps = delay_steps(projection._delays, dt, name=f"{projection.name}.delay")
        sources.append(projection.pre.start + graph.indices.astype(np.int64))
        delays.append(np.broadcast_to(steps, post.shape))
        channels.append(receptors * n_units + post)
        weights.append(delivered)
    if not sources:
        return _empty_synapses(n_units)
    source = np.concatenate(sources)
    delay = np.concatenate(delays).astype(np.int64)
    channel = np.concatenate(channels)
    weight = np.concatenate(weights)
    del sources, delays, channels, weights
    max_delay = int(delay.max()) if delay.size else 1
    key = (source * (max_delay + 1) + delay) * (2 * n_units) + channel  # < 2^63 for < 10^6 units
    order = np.argsort(key, kind="stable")
    del key
    source, delay = source[order], delay[order]
    channel = channel[order].astype(np.int32)
    weight = weight[order]
    del order
    starts = np.flatnonzero(np.r_[True, (source[1:] != source[:-1]) | (delay[1:] != delay[:-1])])
    seg_source = source[starts]
    seg_ptr = np.searchsorted(seg_source, np.arange(n_units + 1)).astype(np.int64)
    seg_edges = np.append(starts, source.size).astype(np.int64)
    return {
        "seg_ptr": frozen(seg_ptr),
        "seg_edges": frozen(seg_edges),
        "seg_delay": frozen(delay[starts]),
        "syn_channel": frozen(channel),
        "syn_weight": frozen(weight),
        "n_slots": max_delay + 1,
    }


def _empty_synapses(n_units: int) -> dict:
    return {
        "seg_ptr": frozen(np.zeros(n_units + 1, np.int64)),
        "seg_edges": frozen(np.zeros(1, np.int64)),
        "seg_delay": frozen(np.zeros(0, np.int64)),
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
    order = np.argsort(step, kind="stable")
    mean = (np.concatenate(rates) if rates else np.zeros(0)) * network.dt * 1e-3
    return {
        "poisson_unit": frozen(np.concatenate(units) if units else np.zeros(0), np.int64),
        **poisson_tables(mean),
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
    in the coming steps; ``poisson_rng`` one xorshift state per Poisson source;
    ``counters`` [current step, next given spike].
    """

    def __init__(self) -> None:
        self.values = np.zeros((N_VARIABLES, 0))
        self.refractory = np.zeros(0, np.int64)
        self.ring = np.zeros((2, 0))
        self.poisson_rng = np.zeros(0, np.uint64)
        self.counters = np.zeros(2, np.int64)

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

    def kernel_state(self) -> _kernels.NetworkState:
        return _kernels.NetworkState(
            self.values, self.refractory, self.ring.reshape(-1), self.poisson_rng, self.counters
        )


def initial_step_size(model, dt: float) -> float:
    """NEST starts the adaptive integrator with a step of dt."""
    return dt if model.code == ADEX else 0.0
