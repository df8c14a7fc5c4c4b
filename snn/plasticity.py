"""Spike-timing-dependent plasticity: the rules a projection can carry, and their
compiled form.

A rule is split as PyNN splits it: a **timing** part (:class:`PairTiming`, or
:class:`TripletTiming` after Pfister & Gerstner 2006) says how much a pair (or
triplet) of spikes asks for, a **weight** part (:class:`Additive`,
:class:`Multiplicative`, :class:`PowerLaw`) how much of it a synapse of weight w
takes. Together, with u = (w - w_min) / (w_max - w_min)::

    post spike at t:  w += (1 - u)^mu_plus * x_1(t) (A2_plus + A3_plus y_2(t-))
    pre arrival at t: w -= u^mu_minus * y_1(t) (A2_minus + A3_minus x_2(t-))

and w is clipped to [w_min, w_max]. ``x_1``, ``x_2`` are traces of the synapse's
presynaptic spikes (time constants tau_plus, tau_x), ``y_1``, ``y_2`` of its
postsynaptic neuron's spikes (tau_minus, tau_y): each decays exponentially and
jumps by 1 at a spike (``pairing="all"``: every pair counts) or is set to 1
(``"nearest"``: only the nearest spikes pair, NEST's ``stdp_nn_symm_synapse``).
With the triplet terms zero this is pair STDP,
``dw = A_plus exp(-dt/tau_plus)`` for dt = t_post - t_pre >= 0 and
``-A_minus exp(dt/tau_minus)`` for dt < 0, summed over pairs.

Timing: the presynaptic time is the spike's **arrival** at the synapse (emission
plus the synapse's delay, the delay being axonal as in Brian2's ``on_pre``), the
postsynaptic time the neuron's spike. At equal times an arrival comes first (it
pairs with the spike as dt = 0). A spike transmits its synapse's weight after its
own depression (NEST's order). Traces are updated only at spikes and decayed
analytically in between, so the clock and the event drivers give the same weight
changes from the same spike times.

Weights live in one array per network (the plastic store, each plastic
projection's ``weights`` a view of its part): the kernels write them in place.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import NamedTuple

import numpy as np

from neurodyn._validation import as_float_array, check_choice, check_float

__all__ = [
    "STDP",
    "Additive",
    "Dopamine",
    "Multiplicative",
    "PairTiming",
    "PowerLaw",
    "TripletTiming",
]

PAIRINGS = ("all", "nearest")
# Columns of a rule's compiled row.
(TAU_PLUS, TAU_X, TAU_MINUS, TAU_Y, A2_PLUS, A3_PLUS, A2_MINUS, A3_MINUS, NEAREST,
 W_MIN, W_MAX, MU_PLUS, MU_MINUS, MODULATED, TAU_C, TAU_N, BASELINE) = range(17)  # fmt: skip
N_RULE_PARAMS = 17


def _positive(value, name: str, owner: str) -> float:
    return check_float(value, name, low=0.0, low_open=True, owner=owner)


def _non_negative(value, name: str, owner: str) -> float:
    return check_float(value, name, low=0.0, owner=owner)


@dataclass(frozen=True)
class PairTiming:
    """Pair-based STDP: potentiation ``A_plus exp(-dt/tau_plus)`` for a post spike dt >= 0 ms
    after a pre arrival, depression ``A_minus exp(dt/tau_minus)`` for dt < 0 (A in the
    weight's unit, times the weight dependence; tau in ms)."""

    tau_plus: float = 20.0
    tau_minus: float = 20.0
    A_plus: float = 0.01
    A_minus: float = 0.0105
    pairing: str = "all"

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for name in ("tau_plus", "tau_minus"):
            object.__setattr__(self, name, _positive(getattr(self, name), name, owner))
        for name in ("A_plus", "A_minus"):
            object.__setattr__(self, name, _non_negative(getattr(self, name), name, owner))
        check_choice(self.pairing, "pairing", PAIRINGS, owner=owner)

    def row(self) -> dict:
        return {TAU_PLUS: self.tau_plus, TAU_X: 1.0, TAU_MINUS: self.tau_minus, TAU_Y: 1.0,
                A2_PLUS: self.A_plus, A3_PLUS: 0.0, A2_MINUS: self.A_minus, A3_MINUS: 0.0,
                NEAREST: float(self.pairing == "nearest")}  # fmt: skip


@dataclass(frozen=True)
class TripletTiming:
    """The triplet rule of Pfister & Gerstner (2006): pair terms (A2) plus a potentiation
    that grows with the postsynaptic rate (A3_plus, trace tau_y) and a depression that
    grows with the presynaptic rate (A3_minus, trace tau_x). Defaults: their fit to the
    visual-cortex pairing data with all-to-all interactions (ms; A dimensionless, times
    the weight dependence's scale)."""

    tau_plus: float = 16.8
    tau_minus: float = 33.7
    tau_x: float = 101.0
    tau_y: float = 125.0
    A2_plus: float = 5e-10
    A3_plus: float = 6.2e-3
    A2_minus: float = 7e-3
    A3_minus: float = 2.3e-4
    pairing: str = "all"

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for name in ("tau_plus", "tau_minus", "tau_x", "tau_y"):
            object.__setattr__(self, name, _positive(getattr(self, name), name, owner))
        for name in ("A2_plus", "A3_plus", "A2_minus", "A3_minus"):
            object.__setattr__(self, name, _non_negative(getattr(self, name), name, owner))
        check_choice(self.pairing, "pairing", PAIRINGS, owner=owner)

    def row(self) -> dict:
        return {TAU_PLUS: self.tau_plus, TAU_X: self.tau_x, TAU_MINUS: self.tau_minus,
                TAU_Y: self.tau_y, A2_PLUS: self.A2_plus, A3_PLUS: self.A3_plus,
                A2_MINUS: self.A2_minus, A3_MINUS: self.A3_minus,
                NEAREST: float(self.pairing == "nearest")}  # fmt: skip


@dataclass(frozen=True)
class PowerLaw:
    """Gütig et al. (2003): potentiation scaled by (1 - u)^mu_plus, depression by
    u^mu_minus, u = (w - w_min) / (w_max - w_min); mu = 0 is additive, mu = 1
    multiplicative. Weights are clipped to [w_min, w_max] (the target model's unit)."""

    w_max: float
    mu_plus: float = 0.0
    mu_minus: float = 0.0
    w_min: float = 0.0

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for name in ("w_min", "mu_plus", "mu_minus"):
            object.__setattr__(self, name, _non_negative(getattr(self, name), name, owner))
        w_max = check_float(self.w_max, "w_max", owner=owner)
        if not w_max > self.w_min:
            raise ValueError(f"{owner}.w_max: must exceed w_min = {self.w_min:g} (got {w_max:g})")
        object.__setattr__(self, "w_max", w_max)

    def row(self) -> dict:
        return {W_MIN: self.w_min, W_MAX: self.w_max, MU_PLUS: self.mu_plus,
                MU_MINUS: self.mu_minus}  # fmt: skip


def Additive(w_min: float = 0.0, w_max: float = 1.0) -> PowerLaw:
    """Additive STDP with hard bounds: every change is the timing part's, w clipped to
    [w_min, w_max]."""
    return PowerLaw(w_max=w_max, mu_plus=0.0, mu_minus=0.0, w_min=w_min)


def Multiplicative(w_min: float = 0.0, w_max: float = 1.0) -> PowerLaw:
    """Soft bounds (van Rossum et al. 2000): potentiation scaled by (w_max - w), depression
    by (w - w_min), both over (w_max - w_min); the timing part's A are the changes at the
    far bound."""
    return PowerLaw(w_max=w_max, mu_plus=1.0, mu_minus=1.0, w_min=w_min)


@dataclass(frozen=True)
class Dopamine:
    """Reward modulation (Izhikevich 2007; NEST's ``stdp_dopamine_synapse``): the timing
    part's changes go to an eligibility trace c of each synapse instead of its weight, c
    decays with ``tau_c`` ms, and the weight follows dw/dt = c (n - baseline), n being the
    dopamine level: each reward of amount a (``Network.reward``) adds a / tau_n to n, which
    decays with ``tau_n`` ms. Defaults are NEST's."""

    tau_c: float = 1000.0
    tau_n: float = 200.0
    baseline: float = 0.0

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for name in ("tau_c", "tau_n"):
            object.__setattr__(self, name, _positive(getattr(self, name), name, owner))
        object.__setattr__(self, "baseline", _non_negative(self.baseline, "baseline", owner))

    def row(self) -> dict:
        return {MODULATED: 1.0, TAU_C: self.tau_c, TAU_N: self.tau_n, BASELINE: self.baseline}


@dataclass(frozen=True)
class STDP:
    """A plasticity rule for ``Network.connect(..., plasticity=STDP(timing, weight))``;
    with ``dopamine=Dopamine(...)`` the rule is reward-modulated (weights then need an
    additive weight part: they follow c (n - b) between the bounds)."""

    timing: PairTiming | TripletTiming = field(default_factory=PairTiming)
    weight: PowerLaw = field(default_factory=lambda: PowerLaw(w_max=1.0))
    dopamine: Dopamine | None = None

    def __post_init__(self) -> None:
        if self.dopamine is not None:
            if not isinstance(self.dopamine, Dopamine):
                raise TypeError(
                    f"STDP.dopamine: expected Dopamine(...) or None (got {self.dopamine!r})"
                )
            if self.weight.mu_plus or self.weight.mu_minus:
                raise ValueError(
                    "STDP.weight: a reward-modulated rule takes Additive(...) bounds (the "
                    "weight follows the eligibility trace times dopamine, clipped)"
                )
        if not isinstance(self.timing, (PairTiming, TripletTiming)):
            raise TypeError(
                f"STDP.timing: expected PairTiming or TripletTiming (got {self.timing!r})"
            )
        if not isinstance(self.weight, PowerLaw):
            raise TypeError(
                "STDP.weight: expected Additive(...), Multiplicative(...) or PowerLaw(...) "
                f"(got {self.weight!r})"
            )

    def config(self) -> dict:
        """The rule as JSON-ready values (:meth:`from_config` reads them back)."""
        return {
            "timing": {"kind": type(self.timing).__name__, **asdict(self.timing)},
            "weight": asdict(self.weight),
            "dopamine": None if self.dopamine is None else asdict(self.dopamine),
        }

    @classmethod
    def from_config(cls, config: dict) -> STDP:
        """The rule written by :meth:`config`; a malformed entry raises ValueError."""
        try:
            timing = dict(config["timing"])
            kind = {"PairTiming": PairTiming, "TripletTiming": TripletTiming}[timing.pop("kind")]
            dopamine = config.get("dopamine")
            dopamine = None if dopamine is None else Dopamine(**dopamine)
            return cls(kind(**timing), PowerLaw(**config["weight"]), dopamine)
        except (KeyError, TypeError) as error:
            raise ValueError(f"STDP: malformed rule {config!r} ({error})") from None

    def row(self) -> np.ndarray:
        """The rule's parameters as the kernels read them (columns named above)."""
        row = np.zeros(N_RULE_PARAMS)
        parts = {**self.timing.row(), **self.weight.row()}
        if self.dopamine is not None:
            parts |= self.dopamine.row()
        for column, value in parts.items():
            row[column] = value
        return row


class PlasticBundle(NamedTuple):
    """The plastic synapses as the kernels read them (never written).

    Segments are one source's synapses of one plastic projection and one delay, in
    projection order; ``unit_segments[unit_seg_ptr[u]:unit_seg_ptr[u+1]]`` are those of
    unit u. Synapses are numbered as in the plastic store (projection by projection, each
    in its canonical order: by post neuron, then pre unit).
    """

    rule: np.ndarray  # (Q, N_RULE_PARAMS) float64, one row per plastic projection
    unit_seg_ptr: np.ndarray  # (n_units + 1,) int64
    unit_segments: np.ndarray  # (n_segments,) int64 segment ids, each unit's by delay
    seg_edges: np.ndarray  # (n_segments + 1,) int64 into edge_synapse / edge_channel
    seg_delay: np.ndarray  # (n_segments,) delay in steps (int64) or ms (float64)
    seg_projection: np.ndarray  # (n_segments,) int64
    edge_synapse: np.ndarray  # (n_edges,) int64 the synapse (store index) of each edge
    edge_channel: np.ndarray  # (n_edges,) int64 receptor * n_units + target
    synapse_segment: np.ndarray  # (n_synapses,) int64 segment of each synapse (its pre traces)
    proj_post_start: np.ndarray  # (Q,) int64 first unit of the post population
    proj_trace_start: np.ndarray  # (Q,) int64 its first row of the post traces
    proj_ptr_start: np.ndarray  # (Q,) int64 its first entry of in_ptr
    in_ptr: np.ndarray  # concatenated CSR row pointers (store indices) of the projections
    unit_proj_ptr: np.ndarray  # (n_units + 1,) int64
    unit_projections: np.ndarray  # plastic projections into each unit's population
    proj_synapse_start: np.ndarray  # (Q + 1,) int64 first synapse (store index) of each


class PlasticState(NamedTuple):
    """What plasticity changes: the weights and the traces (x_1, x_2, time of the last
    update) of every segment and (y_1, y_2, time) of every (projection, post neuron); for
    reward-modulated rules each synapse's eligibility (c, time it was last brought up to
    date; one row per synapse, none without such a rule) and the rewards so far: their
    times (K,) ms and, per projection, the dopamine level just after each (Q, K)."""

    weight: np.ndarray  # (n_synapses,) float64 the plastic store
    pre_trace: np.ndarray  # (n_segments, 3) float64
    post_trace: np.ndarray  # (n_post_rows, 3) float64
    eligibility: np.ndarray  # (n_synapses or 0, 2) float64
    reward_times: np.ndarray  # (K,) float64, sorted
    reward_levels: np.ndarray  # (Q, K) float64


def plastic_projections(network) -> list:
    return [p for p in network.projections if p.plasticity is not None]


def store_offset(projection) -> int:
    """Where ``projection``'s synapses start in its network's plastic store."""
    offset = 0
    for other in plastic_projections(projection.network):
        if other is projection:
            return offset
        offset += len(other)
    raise ValueError(f"record_weights: {projection.name} has no plasticity")


def compile_plastic(network, *, delays_in: str = "steps") -> PlasticBundle:
    """The :class:`PlasticBundle` of ``network``'s plastic projections, delays in whole
    steps (the clock driver) or ms (the event driver)."""
    from neurodyn.graph import delay_steps

    n_units = network.n_units
    projections = plastic_projections(network)
    rules, seg_parts, edge_parts, in_ptrs = [], [], [], []
    synapse_segment = np.zeros(sum(len(p) for p in projections), np.int64)
    n_segments = n_synapses = n_rows = n_ptr = 0
    starts = {"post": [], "trace": [], "ptr": []}
    for q, projection in enumerate(projections):
        graph = projection.graph
        rules.append(projection.plasticity.row())
        sources = projection.pre.start + graph.indices.astype(np.int64)
        targets = projection.post.start + graph.targets().astype(np.int64)
        delays = np.broadcast_to(
            projection.delays
            if delays_in == "ms"
            else delay_steps(projection.delays, network.dt, name=f"{projection.name}.delay"),
            sources.shape,
        )
        order = np.lexsort((targets, delays, sources))
        key_source, key_delay = sources[order], delays[order]
        new = np.ones(order.size, bool)
        new[1:] = (key_source[1:] != key_source[:-1]) | (key_delay[1:] != key_delay[:-1])
        first = np.flatnonzero(new)
        seg_parts.append((key_source[first], key_delay[first], first + n_synapses, q))
        segment_of_edge = np.cumsum(new) - 1 + n_segments
        synapse_segment[n_synapses + order] = segment_of_edge
        edge_parts.append((n_synapses + order, targets[order]))
        in_ptrs.append(graph.indptr + n_synapses)
        starts["post"].append(projection.post.start)
        starts["trace"].append(n_rows)
        starts["ptr"].append(n_ptr)
        n_segments += first.size
        n_synapses += order.size
        n_rows += projection.post.n
        n_ptr += graph.indptr.size
    delay_type = np.float64 if delays_in == "ms" else np.int64
    seg_unit = np.concatenate([p[0] for p in seg_parts] or [np.zeros(0, np.int64)])
    seg_delay = np.concatenate([p[1] for p in seg_parts] or [np.zeros(0)]).astype(delay_type)
    # each unit's segments by delay: the event driver sends a spike down them in that order
    unit_segments = np.lexsort((seg_delay, seg_unit)).astype(np.int64)
    unit_seg_ptr = np.zeros(n_units + 1, np.int64)
    np.cumsum(np.bincount(seg_unit, minlength=n_units), out=unit_seg_ptr[1:])
    unit_proj_ptr, unit_projections = _projections_into_units(projections, n_units)
    return PlasticBundle(
        rule=np.array(rules, np.float64).reshape(-1, N_RULE_PARAMS),
        unit_seg_ptr=unit_seg_ptr,
        unit_segments=unit_segments,
        seg_edges=np.append(
            np.concatenate([p[2] for p in seg_parts] or [np.zeros(0, np.int64)]), n_synapses
        ).astype(np.int64),
        seg_delay=seg_delay,
        seg_projection=np.concatenate(
            [np.full(p[0].size, p[3], np.int64) for p in seg_parts] or [np.zeros(0, np.int64)]
        ),
        edge_synapse=np.concatenate([e[0] for e in edge_parts] or [np.zeros(0)]).astype(np.int64),
        edge_channel=np.concatenate([e[1] for e in edge_parts] or [np.zeros(0)]).astype(np.int64),
        synapse_segment=synapse_segment,
        proj_post_start=np.array(starts["post"], np.int64),
        proj_trace_start=np.array(starts["trace"], np.int64),
        proj_ptr_start=np.array(starts["ptr"], np.int64),
        in_ptr=np.concatenate(in_ptrs or [np.zeros(0)]).astype(np.int64),
        unit_proj_ptr=unit_proj_ptr,
        unit_projections=unit_projections,
        proj_synapse_start=np.cumsum([0] + [len(p) for p in projections]).astype(np.int64),
    )


def _projections_into_units(projections: list, n_units: int) -> tuple[np.ndarray, np.ndarray]:
    """(ptr, q): the plastic projections into unit u are q[ptr[u]:ptr[u + 1]]."""
    counts = np.zeros(n_units, np.int64)
    for projection in projections:
        counts[projection.post.start : projection.post.stop] += 1
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    into = np.empty(int(ptr[-1]), np.int64)
    fill = ptr[:-1].copy()
    for q, projection in enumerate(projections):
        units = np.arange(projection.post.start, projection.post.stop)
        into[fill[units]] = q
        fill[units] += 1
    return ptr, into


def plastic_store(network) -> np.ndarray:
    """The network's plastic store: every plastic projection's weights, in order, in one
    array, each projection's ``weights`` a view of its part. Gathered again (and the views
    moved) only when the plastic projections or their weight arrays changed, so arrays
    read from ``weights`` stay current until then."""
    projections = plastic_projections(network)
    if not projections:
        return np.zeros(0)
    store = projections[0].graph.weights.base
    if store is not None and store.size == sum(len(p) for p in projections):
        offset, address = 0, store.ctypes.data
        for projection in projections:
            weights = projection.graph.weights
            if weights.base is not store or weights.ctypes.data != address + 8 * offset:
                break
            offset += len(projection)
        else:
            return store
    store = np.concatenate([p.graph.weights for p in projections])
    offset = 0
    for projection in projections:
        projection._attach_weights(store[offset : offset + len(projection)])
        offset += len(projection)
    return store


def plastic_state(network, bundle: PlasticBundle) -> PlasticState:
    """The weights (:func:`plastic_store`) and traces of ``network``'s plastic projections as
    one state; each projection keeps views of its traces, so they survive a later
    compilation."""
    projections = plastic_projections(network)
    pre, post = [], []
    n_segments = np.bincount(bundle.seg_projection, minlength=len(projections))
    for q, projection in enumerate(projections):
        traces = getattr(projection, "_traces", None)
        if traces is None or traces[0].shape[0] != n_segments[q]:
            traces = _fresh_traces(n_segments[q]), _fresh_traces(projection.post.n)
        pre.append(traces[0])
        post.append(traces[1])
    times, levels = network.rewards.schedule(bundle.rule)
    state = PlasticState(
        weight=plastic_store(network),
        pre_trace=np.concatenate(pre) if pre else np.zeros((0, 3)),
        post_trace=np.concatenate(post) if post else np.zeros((0, 3)),
        eligibility=_eligibility(projections),
        reward_times=times,
        reward_levels=levels,
    )
    first_segment = 0
    for q, projection in enumerate(projections):
        rows = slice(bundle.proj_trace_start[q], bundle.proj_trace_start[q] + projection.post.n)
        segments = slice(first_segment, first_segment + n_segments[q])
        projection._traces = (state.pre_trace[segments], state.post_trace[rows])
        first_segment += n_segments[q]
        if state.eligibility.shape[0]:
            synapses = slice(bundle.proj_synapse_start[q], bundle.proj_synapse_start[q + 1])
            projection._eligibility = state.eligibility[synapses]
    return state


def _eligibility(projections: list) -> np.ndarray:
    """(c, time brought up to date) of every plastic synapse when a rule is reward-modulated
    (each projection's part kept from before, else zero), else none."""
    if not any(p.plasticity.dopamine is not None for p in projections):
        return np.zeros((0, 2))
    parts = []
    for projection in projections:
        kept = getattr(projection, "_eligibility", None)
        if kept is None or kept.shape != (len(projection), 2):
            kept = np.zeros((len(projection), 2))
            kept[:, 1] = -np.inf
        parts.append(kept)
    return np.concatenate(parts)


class Rewards:
    """The rewards a network's reward-modulated synapses receive: ``times`` (ms, sorted) and
    ``amounts``; each adds amount / tau_n to its rules' dopamine level (:class:`Dopamine`)."""

    def __init__(self) -> None:
        self.times = np.zeros(0)
        self.amounts = np.zeros(0)
        self._levels: tuple | None = None  # (rules it was computed for, levels)

    def add(self, amounts, at, now: float) -> None:
        """Rewards of ``amounts`` at times ``at`` (ms, none before ``now``: the synapses are
        up to date there)."""
        at = np.atleast_1d(as_float_array(at, "at", ndim=(0, 1), owner="reward"))
        amounts = as_float_array(amounts, "amount", ndim=(0, 1), owner="reward")
        if amounts.ndim and amounts.shape != at.shape:
            raise ValueError(
                f"reward.amount: expected one amount or {at.size} (got {amounts.size})"
            )
        if not (np.all(np.isfinite(at)) and np.all(np.isfinite(amounts))):
            raise ValueError("reward: times and amounts must be finite")
        if at.size and at.min() < now - 1e-9:
            raise ValueError(
                f"reward.at: rewards cannot be given in the past (t = {now:g} ms; got {at.min():g})"
            )
        times = np.concatenate([self.times, np.maximum(at, now)])
        order = np.argsort(times, kind="stable")
        self.times = times[order]
        self.amounts = np.concatenate([self.amounts, np.broadcast_to(amounts, at.shape)])[order]
        self._levels = None

    def schedule(self, rules: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(times (K,), levels (Q, K)): each rule's dopamine level just after each reward."""
        if self._levels is not None and np.array_equal(self._levels[0], rules):
            return self.times, self._levels[1]
        levels = np.zeros((rules.shape[0], self.times.size))
        for q, rule in enumerate(rules):
            if rule[MODULATED] == 0.0:
                continue
            level, last = 0.0, -np.inf
            for k, (time, amount) in enumerate(zip(self.times, self.amounts, strict=True)):
                level = level * np.exp(-(time - last) / rule[TAU_N]) + amount / rule[TAU_N]
                levels[q, k], last = level, time
        self._levels = (rules.copy(), levels)
        return self.times, levels


def _fresh_traces(n: int) -> np.ndarray:
    """Traces of no spikes yet: zero, last updated at -inf."""
    traces = np.zeros((n, 3))
    traces[:, 2] = -np.inf
    return traces


def check_plastic_weights(
    weights: np.ndarray, receptor, rule: STDP, name: str, argument: str = "connect.weight"
) -> None:
    """Plastic synapses are excitatory, with weights inside the rule's bounds (``argument``
    names where the weights came from)."""
    if receptor == "in":
        raise ValueError(f"connect.plasticity: {name}: STDP acts on excitatory synapses only")
    low, high = rule.weight.w_min, rule.weight.w_max
    if weights.size and weights.min() < 0:
        raise ValueError(
            f"{argument}: {name}: STDP acts on excitatory synapses only, weights >= 0 "
            f"(got {weights.min():g})"
        )
    if weights.size and (weights.min() < low or weights.max() > high):
        raise ValueError(
            f"{argument}: {name}: plastic weights must lie in [w_min, w_max] = "
            f"[{low:g}, {high:g}] (got {weights.min():g} to {weights.max():g})"
        )


def with_rewards(state: PlasticState, rewards: Rewards, rules: np.ndarray) -> PlasticState:
    """``state`` with the rewards given so far (called before every run)."""
    times, levels = rewards.schedule(rules)
    return state._replace(reward_times=times, reward_levels=levels)


def modulated(bundle: PlasticBundle) -> bool:
    return bool(bundle.rule.shape[0] and bundle.rule[:, MODULATED].any())
