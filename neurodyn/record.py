"""Recordings: plain arrays with times, convertible to Neo objects.

Times are in ms for spiking networks and in steps for rate models (the
``time_unit`` attribute says which). Values are time-first, ``(T, n)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["SpikeRecord", "StateRecord"]


@dataclass(frozen=True, eq=False)
class SpikeRecord:
    """Spikes of a population: parallel arrays ``times`` (ms) and ``indices``.

    Attributes
    ----------
    times : ndarray of float64, shape (n_spikes,)
        Spike times in ms, non-decreasing.
    indices : ndarray of int64, shape (n_spikes,)
        Index of the neuron that fired each spike, in ``[0, n_units)``.
    n_units : int
        Size of the recorded population (neurons that never fire still count).
    t_start, t_stop : float
        Recorded interval in ms.
    """

    times: np.ndarray
    indices: np.ndarray
    n_units: int
    t_start: float = 0.0
    t_stop: float | None = None
    time_unit: str = "ms"

    def __post_init__(self) -> None:
        times = np.ascontiguousarray(self.times, dtype=np.float64)
        indices = np.ascontiguousarray(self.indices, dtype=np.int64)
        if times.ndim != 1 or times.shape != indices.shape:
            raise ValueError(
                f"SpikeRecord: times and indices must be 1-d of equal length "
                f"(got {times.shape} and {indices.shape})"
            )
        if indices.size and (indices.min() < 0 or indices.max() >= self.n_units):
            raise ValueError(f"SpikeRecord.indices: must lie in [0, {self.n_units})")
        if np.any(np.diff(times) < 0):
            raise ValueError("SpikeRecord.times: must be non-decreasing")
        t_stop = self.t_stop
        if t_stop is None:
            t_stop = float(times[-1]) if times.size else float(self.t_start)
        if times.size and (times[0] < self.t_start or times[-1] > t_stop):
            raise ValueError("SpikeRecord.times: spikes outside [t_start, t_stop]")
        times.setflags(write=False)
        indices.setflags(write=False)
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "indices", indices)
        object.__setattr__(self, "t_stop", float(t_stop))

    def __len__(self) -> int:
        return self.times.shape[0]

    @property
    def duration(self) -> float:
        return self.t_stop - self.t_start

    def counts(self) -> np.ndarray:
        """Number of spikes of each neuron, shape (n_units,)."""
        return np.bincount(self.indices, minlength=self.n_units)

    def rates(self) -> np.ndarray:
        """Mean firing rate of each neuron in Hz (times in ms), shape (n_units,)."""
        if self.duration <= 0:
            raise ValueError("SpikeRecord.rates: the recorded interval is empty")
        return self.counts() / (self.duration * 1e-3)

    def spike_trains(self) -> list[np.ndarray]:
        """List of ``n_units`` arrays, the spike times of each neuron."""
        order = np.argsort(self.indices, kind="stable")
        bounds = np.searchsorted(self.indices[order], np.arange(self.n_units + 1))
        sorted_times = self.times[order]
        return [sorted_times[bounds[i] : bounds[i + 1]] for i in range(self.n_units)]

    def to_neo(self):
        """A ``neo.core.spiketrainlist.SpikeTrainList`` (requires ``neo``)."""
        import quantities as pq
        from neo.core.spiketrainlist import SpikeTrainList

        return SpikeTrainList.from_spike_time_array(
            self.times * pq.ms,
            self.indices,
            all_channel_ids=np.arange(self.n_units),
            t_start=self.t_start * pq.ms,
            t_stop=self.t_stop * pq.ms,
            units=pq.ms,
        )


@dataclass(frozen=True, eq=False)
class StateRecord:
    """A state variable over time: ``values[k]`` is the state at ``times[k]``.

    Attributes
    ----------
    times : ndarray of float64, shape (T,)
    values : ndarray, shape (T, n)
    variable : str
        Name of the recorded variable (``"x"``, ``"V_m"``, ...).
    unit : str
        Unit of ``values`` ("" for dimensionless).
    indices : ndarray of int64, shape (n,)
        Which units of the population the columns are.
    """

    times: np.ndarray
    values: np.ndarray
    variable: str = "x"
    unit: str = ""
    time_unit: str = "ms"
    indices: np.ndarray | None = field(default=None)

    def __post_init__(self) -> None:
        times = np.ascontiguousarray(self.times, dtype=np.float64)
        values = np.asarray(self.values)
        if values.ndim == 1:
            values = values[:, None]
        if times.ndim != 1 or values.ndim != 2 or values.shape[0] != times.shape[0]:
            raise ValueError(
                f"StateRecord: expected times (T,) and values (T, n) (got {times.shape} "
                f"and {values.shape})"
            )
        indices = np.arange(values.shape[1]) if self.indices is None else np.asarray(self.indices)
        if indices.shape != (values.shape[1],):
            raise ValueError(f"StateRecord.indices: expected shape ({values.shape[1]},)")
        times.setflags(write=False)
        values = values.view()
        values.setflags(write=False)
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "indices", indices.astype(np.int64))

    def __len__(self) -> int:
        return self.times.shape[0]

    def to_neo(self):
        """A ``neo.AnalogSignal`` (requires ``neo``; needs regularly spaced times)."""
        import neo
        import quantities as pq

        if len(self) < 2:
            raise ValueError("StateRecord.to_neo: needs at least two samples")
        steps = np.diff(self.times)
        if not np.allclose(steps, steps[0]):
            raise ValueError("StateRecord.to_neo: times must be regularly spaced")
        time_unit = pq.ms if self.time_unit == "ms" else pq.dimensionless
        unit = pq.Quantity(1.0, self.unit) if self.unit else pq.dimensionless
        return neo.AnalogSignal(
            np.asarray(self.values),
            units=unit,
            t_start=self.times[0] * time_unit,
            sampling_period=steps[0] * time_unit,
            name=self.variable,
            array_annotations={"channel_index": self.indices},
        )
