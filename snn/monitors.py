"""Recorders of a spiking network: spikes, state variables and population rates.

Each wraps one of the core's growing monitors (:mod:`neurodyn.record`) and is
filled by every ``Network.run``; ``record()`` gives a frozen record, and the
shortcuts (``times``, ``indices``, ``values``) read the data so far.

Where in the step each samples (see ``snn/_kernels.py``): spikes carry the time
of the end of the step they were emitted in, (k + 1) dt; state variables are
sampled at the end of the step, after threshold and reset (as NEST's
multimeter: a trace never shows V above threshold), at times that are
multiples of ``interval``; rates count the spikes of each step.
"""

from __future__ import annotations

import numpy as np

from neurodyn.record import SpikeMonitor, SpikeRecord, StateMonitor, StateRecord

__all__ = ["RateRecorder", "SpikeRecorder", "StateRecorder", "WeightRecorder"]

WEIGHT_ROW = -1  # a sample row that reads the plastic weights, not a neuron variable


class _Recorder:
    """What every recorder shares: a core monitor, its frozen record, times, Neo."""

    monitor: SpikeMonitor | StateMonitor

    def record(self):
        """The data so far as a frozen record (:mod:`neurodyn.record`)."""
        return self.monitor.record()

    @property
    def times(self) -> np.ndarray:
        return self.record().times

    def to_neo(self):
        """The record as a Neo object (requires neo)."""
        return self.record().to_neo()


class SpikeRecorder(_Recorder):
    """Spikes of a population or source group: ``times`` (ms) and local ``indices``."""

    def __init__(self, group, t_start: float) -> None:
        self.group = group
        self.monitor = SpikeMonitor(group.n, time_unit="ms", t_start=t_start)

    def record(self) -> SpikeRecord:
        """The spikes so far as a frozen :class:`~neurodyn.record.SpikeRecord`."""
        return self.monitor.record()

    @property
    def indices(self) -> np.ndarray:
        return self.record().indices

    def __len__(self) -> int:
        return len(self.monitor)

    def rates(self) -> np.ndarray:
        """Mean rate of each unit in Hz over the recorded time, shape (n,)."""
        return self.record().rates()

    def __repr__(self) -> str:
        return f"SpikeRecorder({self.group.name!r}, {len(self)} spikes)"


class StateRecorder(_Recorder):
    """A state variable of chosen neurons, sampled every ``interval`` ms.

    ``times`` (T,) ms and ``values`` (T, n) in the variable's unit.
    """

    def __init__(self, population, variable: str, indices: np.ndarray, interval_steps: int, dt):
        self.population = population
        self.spec = population.model.variable(variable)
        self.indices = indices
        self.interval_steps = interval_steps
        self.monitor = StateMonitor(
            indices.size,
            variable=variable,
            unit=self.spec.unit,
            time_unit="ms",
            indices=indices,
            interval=interval_steps * dt,
        )

    @property
    def variable(self) -> str:
        return self.spec.name

    @property
    def kernel_row(self) -> int:
        """The row of the state array the kernels sample."""
        return self.spec.row

    @property
    def kernel_offset(self) -> float:
        """Added to the sampled value (E_L where V is stored relative to it)."""
        return self.population.model.rest if self.spec.relative_to_rest else 0.0

    def kernel_units(self) -> np.ndarray:
        """The sampled units (global indices)."""
        return self.population.start + self.indices

    def record(self) -> StateRecord:
        return self.monitor.record()

    @property
    def values(self) -> np.ndarray:
        return self.record().values

    def __repr__(self) -> str:
        return (
            f"StateRecorder({self.population.name!r}, {self.variable!r}, "
            f"{self.indices.size} neurons, {len(self.monitor)} samples)"
        )


class RateRecorder(_Recorder):
    """The population rate: spikes per step divided by n dt, in Hz (``times`` are the
    ends of the steps). :meth:`smoothed` averages it over a window."""

    def __init__(self, group, dt: float) -> None:
        self.group = group
        self.dt = dt
        self.monitor = StateMonitor(1, variable="rate", unit="Hz", time_unit="ms", interval=dt)

    @property
    def rate(self) -> np.ndarray:
        """Instantaneous population rate (Hz) per step, shape (T,)."""
        return self.record().values[:, 0]

    def smoothed(self, width: float) -> np.ndarray:
        """The rate averaged over a sliding window of ``width`` ms (same length)."""
        n = max(1, round(width / self.dt))
        return np.convolve(self.rate, np.ones(n) / n, mode="same")

    def __repr__(self) -> str:
        return f"RateRecorder({self.group.name!r}, {len(self.monitor)} steps)"


class WeightRecorder(_Recorder):
    """Weights of chosen synapses of a plastic projection, sampled every ``interval`` ms
    at the end of the step (after that step's changes): ``times`` (T,) ms, ``values``
    (T, n) in the target model's weight unit."""

    kernel_row = WEIGHT_ROW
    kernel_offset = 0.0

    def __init__(self, projection, indices: np.ndarray, interval_steps: int, dt) -> None:
        self.projection = projection
        self.indices = indices
        self.interval_steps = interval_steps
        self.monitor = StateMonitor(
            indices.size, variable="weight", time_unit="ms", indices=indices,
            interval=interval_steps * dt,
        )  # fmt: skip

    def kernel_units(self) -> np.ndarray:
        """The sampled synapses as indices of the network's plastic store."""
        from snn.plasticity import store_offset

        return store_offset(self.projection) + self.indices

    @property
    def values(self) -> np.ndarray:
        return self.record().values

    def __repr__(self) -> str:
        return (
            f"WeightRecorder({self.projection.name!r}, {self.indices.size} synapses, "
            f"{len(self.monitor)} samples)"
        )


def synapse_indices(indices, n: int) -> np.ndarray:
    """Synapse indices (default all) as int64, each in [0, n)."""
    if indices is None:
        return np.arange(n, dtype=np.int64)
    local = np.atleast_1d(np.asarray(indices))
    if local.dtype.kind not in "iu" or local.ndim != 1:
        raise TypeError("record_weights.indices: expected a 1-d array of synapse indices")
    if local.size and (local.min() < 0 or local.max() >= n):
        raise ValueError(
            f"record_weights.indices: must lie in [0, {n}) (got {local.min()} to {local.max()})"
        )
    return local.astype(np.int64)
