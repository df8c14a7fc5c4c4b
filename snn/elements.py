"""What a spiking network is made of: populations of neurons, spike sources, projections
and injected currents. Each is a description owned by one :class:`snn.Network`; the
network compiles them together into one bundle.

Every unit (neuron or source) has a place in the network's single index space,
``start .. start + n - 1`` for a group of ``n``; indices the user sees are local
to the group (0 .. n-1).
"""

from __future__ import annotations

import numpy as np

from neurodyn._validation import as_float_array, check_float
from neurodyn.graph import CSRGraph
from snn.models import NeuronModel

__all__ = ["CurrentInput", "PoissonSource", "Population", "Projection", "SpikeSource"]


class Group:
    """Units that share a role: a contiguous block of the network's index space."""

    kind = "group"

    def __init__(self, network, name: str, n: int, start: int) -> None:
        self.network = network
        self.name = name
        self.n = n
        self.start = start

    def __len__(self) -> int:
        return self.n

    @property
    def stop(self) -> int:
        return self.start + self.n

    def _local(self, indices, name: str = "indices") -> np.ndarray:
        """Local indices (None: all) checked to lie in [0, n)."""
        if indices is None:
            return np.arange(self.n)
        array = np.asarray(indices)
        if array.ndim == 0:
            array = array[None]
        if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
            raise TypeError(f"{name}: expected integer indices into {self.name!r}")
        if array.size and (array.min() < 0 or array.max() >= self.n):
            raise ValueError(f"{name}: indices must lie in [0, {self.n}) for {self.name!r}")
        return array.astype(np.int64)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, n={self.n})"


class Population(Group):
    """``n`` neurons of one model (one parameter set), created by ``Network.add_population``.

    State variables are read with :meth:`get` and written with :meth:`set`,
    by NEST's names (``V_m``, ``g_ex``, ``w``, ``U_m`` ...), in their units.
    """

    kind = "population"

    def __init__(self, network, name: str, n: int, start: int, model: NeuronModel) -> None:
        super().__init__(network, name, n, start)
        self.model = model

    def get(self, variable: str = "V_m") -> np.ndarray:
        """Current values of ``variable`` for every neuron, shape (n,) (a copy)."""
        spec = self.model.variable(variable)
        values = self.network._state_row(spec.row)[self.start : self.stop].copy()
        return values + (self.model.rest if spec.relative_to_rest else 0.0)

    def set(self, **values) -> None:
        """Set state variables: ``pop.set(V_m=-65.0, g_ex=Normal(...))``; each a number,
        one value per neuron, or a distribution (drawn from the network's seed)."""
        for variable, value in values.items():
            spec = self.model.variable(variable)
            drawn = self.network._draw(value, self.n, f"{self.name}.{variable}")
            if spec.relative_to_rest:
                drawn = drawn - self.model.rest
            self.network._state_row(spec.row)[self.start : self.stop] = drawn

    def __repr__(self) -> str:
        return f"Population({self.name!r}, n={self.n}, model={self.model!r})"


class PoissonSource(Group):
    """``n`` independent Poisson spike trains (``Network.add_poisson``).

    ``rates`` (n,) Hz, or a time course ``course`` (T, n) Hz held for ``interval``
    ms per row from time ``begin`` (ms); outside the course the rate is 0.
    A source emits a Poisson number of spikes per step (several spikes in one
    step count with their multiplicity, as NEST's ``poisson_generator``); all
    targets of one source see the same train.
    """

    kind = "poisson"

    def __init__(self, network, name, n, start, rates, course=None, interval=None, begin=0.0):
        super().__init__(network, name, n, start)
        self.rates = rates
        self.course = course
        self.interval = interval
        self.begin = begin

    def rates_at(self, times: np.ndarray) -> np.ndarray:
        """Rates (Hz) at the start times of steps, shape (len(times), n)."""
        if self.course is None:
            return np.broadcast_to(self.rates, (times.size, self.n))
        return sample_rows(self.course, self.begin, self.interval, times)


class SpikeSource(Group):
    """Units that emit given spikes (``Network.add_spike_source``): unit ``indices[k]``
    fires at ``times[k]`` ms, rounded to the step grid (a spike at time t is
    emitted in the step that ends at t, as NEST's ``spike_generator`` does)."""

    kind = "spike_source"

    def __init__(self, network, name, n, start, times, indices):
        super().__init__(network, name, n, start)
        self.times = times
        self.indices = indices


class Projection:
    """Synapses from one group to one population (``Network.connect``).

    The synapses are a CSR graph with rows = post-synaptic neurons and columns =
    pre-synaptic units (``graph``), so ``weights[k]`` is synapse k of that order:
    by post neuron, then pre unit. Weights are in the target model's units (mV
    for ``LIF(synapse="delta")`` and ``Izhikevich``, pA for ``LIF(synapse="exp")``,
    nS for conductance models; inhibitory weights negative), delays in ms.
    """

    def __init__(self, network, pre, post, graph: CSRGraph, delays, receptor, plasticity, name):
        self.network = network
        self.pre = pre
        self.post = post
        self.graph = graph
        self._delays = delays  # float (one for every synapse) or (n_synapses,) array
        self.receptor = receptor
        self.plasticity = plasticity
        self.name = name

    def __len__(self) -> int:
        return self.graph.n_edges

    @property
    def weights(self) -> np.ndarray:
        """One weight per synapse (read-only; assign a new array to change them)."""
        view = self.graph.weights.view()
        view.setflags(write=False)
        return view

    @weights.setter
    def weights(self, values) -> None:
        weights = as_float_array(values, "weights", ndim=(0, 1), owner=self.name)
        weights = np.broadcast_to(weights, (len(self),)).copy()
        check_receptor_signs(weights, self.receptor, self.name)
        if self.plasticity is not None:
            from snn.plasticity import check_plastic_weights

            check_plastic_weights(
                weights, self.receptor, self.plasticity, self.name, "Projection.weights"
            )
        self.graph = self.graph.with_weights(weights)
        self.network.invalidate()

    def normalize(self, total: float) -> None:
        """Synaptic scaling: multiply each post neuron's incoming weights by one factor so
        that they sum to ``total`` (Diehl & Cook 2015 do it after every input shown).

        A plastic projection's weights are then clipped to its rule's bounds (and changed
        in place, so a running network needs no recompilation); neurons whose weights sum
        to 0 are left alone.
        """
        total = check_float(total, "total", owner=f"{self.name}.normalize")
        rows = self.graph.targets()
        sums = np.bincount(rows, weights=self.graph.weights, minlength=self.post.n)
        factor = np.divide(total, sums, out=np.ones_like(sums), where=sums != 0.0)
        scaled = self.graph.weights * factor[rows]
        if self.plasticity is None:
            self.weights = scaled
            return
        rule = self.plasticity.weight
        np.clip(scaled, rule.w_min, rule.w_max, out=self.graph.weights)

    def _attach_weights(self, store_part: np.ndarray) -> None:
        """Keep the weights in ``store_part`` (a view of the network's plastic store, which
        the kernels change in place; it holds the current values)."""
        self.graph = self.graph.with_weights(store_part)

    @property
    def delays(self) -> np.ndarray:
        """One delay (ms) per synapse."""
        if isinstance(self._delays, float):
            return np.full(len(self), self._delays)
        view = self._delays.view()
        view.setflags(write=False)
        return view

    def sources(self) -> np.ndarray:
        """Pre-synaptic (local) index of each synapse, shape (n_synapses,)."""
        return self.graph.indices.astype(np.int64)

    def targets(self) -> np.ndarray:
        """Post-synaptic (local) index of each synapse, shape (n_synapses,)."""
        return self.graph.targets().astype(np.int64)

    def receptors(self) -> np.ndarray:
        """Receptor of each synapse: 0 excitatory, 1 inhibitory."""
        if self.receptor is None:
            return (self.graph.weights < 0).astype(np.int8)
        return np.full(len(self), 0 if self.receptor == "ex" else 1, np.int8)

    def __repr__(self) -> str:
        return (
            f"Projection({self.pre.name!r} -> {self.post.name!r}, {len(self)} synapses, "
            f"receptor={self.receptor!r})"
        )


def check_receptor_signs(weights: np.ndarray, receptor, owner: str) -> None:
    """Excitatory weights are >= 0 and inhibitory ones <= 0 (NEST's convention: the sign
    of a weight selects the receptor)."""
    if receptor == "ex" and weights.size and weights.min() < 0:
        raise ValueError(
            f"{owner}.weight: receptor 'ex' takes weights >= 0 (got {weights.min():g}); "
            "inhibitory weights are negative"
        )
    if receptor == "in" and weights.size and weights.max() > 0:
        raise ValueError(
            f"{owner}.weight: receptor 'in' takes weights <= 0, as NEST's do (got "
            f"{weights.max():g}); give inhibitory weights a negative sign"
        )


class PoissonInput:
    """Independent Poisson input onto every chosen neuron (``Network.add_poisson_input``).

    Each neuron receives its own ``n`` trains of ``rate`` Hz, drawn as one Poisson
    count per step of mean ``n rate dt``, each spike of weight ``weight`` arriving
    ``delay`` ms later: NEST's ``poisson_generator`` connected to a population, or
    Brian2's ``PoissonInput``. Nothing is stored per spike or per synapse.
    """

    def __init__(self, target, indices, rate, n, weight, delay, receptor):
        self.target = target
        self.indices = indices  # local indices in the target population
        self.rate = rate
        self.n = n
        self.weight = weight
        self.delay = delay
        self.receptor = receptor

    @property
    def total_rate(self) -> float:
        """Spikes per second arriving at each neuron (n rate)."""
        return self.n * self.rate

    def __repr__(self) -> str:
        return (
            f"PoissonInput({self.target.name!r}, {self.n} x {self.rate:g} Hz, "
            f"weight {self.weight:g})"
        )


class CurrentInput:
    """A current injected into neurons of a population (``Network.add_current`` and friends).

    Either piecewise constant — ``amplitudes[j]`` (pA, shape (K, n)) from
    ``times[j]`` ms until ``times[j + 1]`` — or sampled: ``values`` (T, n) pA,
    row r driving the steps that start in ``[begin + r interval, begin + (r+1)
    interval)``, zero outside. A current active from t drives every step that
    starts at or after t.
    """

    def __init__(
        self, target, indices, *, times=None, amplitudes=None, values=None, interval=None, begin=0.0
    ):
        self.target = target
        self.indices = indices  # local indices in the target population
        self.times = times
        self.amplitudes = amplitudes
        self.values = values
        self.interval = interval
        self.begin = begin

    @property
    def sampled(self) -> bool:
        return self.values is not None

    def change_times(self) -> np.ndarray:
        """Times (ms) where a piecewise-constant current changes."""
        return np.empty(0) if self.sampled else self.times

    def amplitude_at(self, t: float) -> np.ndarray:
        """The piecewise-constant amplitude (n,) in force at time ``t``."""
        j = int(np.searchsorted(self.times, t + 1e-9 * max(1.0, abs(t)), side="right")) - 1
        return np.zeros(self.indices.size) if j < 0 else self.amplitudes[j]

    def values_at(self, times: np.ndarray) -> np.ndarray:
        """Sampled current (pA) at step start times, shape (len(times), n)."""
        return sample_rows(self.values, self.begin, self.interval, times)


def sample_rows(course: np.ndarray, begin: float, interval: float, times: np.ndarray):
    """Row r of ``course`` (T, n) holds for [begin + r interval, begin + (r + 1) interval):
    its value at each of ``times`` (ms), zero outside, shape (len(times), n)."""
    rows = np.floor((times - begin) / interval + 1e-9).astype(np.int64)
    inside = (rows >= 0) & (rows < course.shape[0])
    out = np.zeros((times.size, course.shape[1]))
    out[inside] = course[rows[inside]]
    return out
