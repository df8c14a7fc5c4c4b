"""Recordings: monitors that runs fill, and the frozen records they hand out.

A *monitor* grows while a model runs: :class:`SpikeMonitor` collects spikes
(time, index) and :class:`StateMonitor` collects rows of a state variable.
Their buffers double when full, so appending is amortised O(1), and a kernel
can write straight into them: :meth:`SpikeMonitor.reserve` hands out the free
part of the buffers, the kernel fills some of it, :meth:`SpikeMonitor.commit`
counts what it wrote. Between runs, :meth:`~SpikeMonitor.record` gives a frozen
:class:`SpikeRecord` / :class:`StateRecord`: read-only views of what has been
recorded so far (no copy; later appends never change a record already taken).

Times are in ms for spiking networks and in steps for step-based models; the
producer says which (``time_unit``). Values are time-first, ``(T, n)``.
``t_stop`` of a record is the end of the recorded run, not the last spike, so
rates are not biased upwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neurodyn._validation import as_float_array, check_choice, check_float, check_int

__all__ = ["SpikeMonitor", "SpikeRecord", "StateMonitor", "StateRecord"]

TIME_UNITS = ("ms", "step")


def _read_only(array, dtype) -> np.ndarray:
    view = np.ascontiguousarray(array, dtype=dtype).view()  # never flags the caller's array
    view.setflags(write=False)
    return view


@dataclass(frozen=True, eq=False)
class SpikeRecord:
    """Spikes of a population: parallel arrays ``times`` and ``indices``.

    Attributes
    ----------
    times : ndarray of float64, shape (n_spikes,)
        Spike times in ``time_unit``, non-decreasing.
    indices : ndarray of int64, shape (n_spikes,)
        Index of the neuron that fired each spike, in ``[0, n_units)``.
    n_units : int
        Size of the recorded population (neurons that never fire still count).
    t_start, t_stop : float
        The recorded interval. ``t_stop`` is the end of the recorded run; when
        it is not given (``None``), :meth:`rates` and :meth:`to_neo` refuse to
        guess it.
    time_unit : {"ms", "step"}
    """

    times: np.ndarray
    indices: np.ndarray
    n_units: int
    t_start: float = 0.0
    t_stop: float | None = None
    time_unit: str = "ms"

    def __post_init__(self) -> None:
        times = _read_only(self.times, np.float64)
        indices = _read_only(self.indices, np.int64)
        n_units = check_int(self.n_units, "n_units", low=0, owner="SpikeRecord")
        check_choice(self.time_unit, "time_unit", TIME_UNITS, owner="SpikeRecord")
        if times.ndim != 1 or times.shape != indices.shape:
            raise ValueError(
                f"SpikeRecord: times and indices must be 1-d of equal length "
                f"(got {times.shape} and {indices.shape})"
            )
        if indices.size and (indices.min() < 0 or indices.max() >= n_units):
            raise ValueError(f"SpikeRecord.indices: must lie in [0, {n_units})")
        if np.any(np.diff(times) < 0):
            raise ValueError("SpikeRecord.times: must be non-decreasing")
        t_start = check_float(self.t_start, "t_start", owner="SpikeRecord")
        t_stop = self.t_stop
        if t_stop is not None:
            t_stop = check_float(t_stop, "t_stop", low=t_start, owner="SpikeRecord")
        if times.size and (times[0] < t_start or (t_stop is not None and times[-1] > t_stop)):
            raise ValueError("SpikeRecord.times: spikes outside [t_start, t_stop]")
        for name, value in (
            ("times", times),
            ("indices", indices),
            ("n_units", n_units),
            ("t_start", t_start),
            ("t_stop", t_stop),
        ):
            object.__setattr__(self, name, value)

    def __len__(self) -> int:
        return self.times.shape[0]

    @property
    def duration(self) -> float:
        """t_stop - t_start (raises when t_stop is unknown)."""
        if self.t_stop is None:
            raise ValueError(
                "SpikeRecord.t_stop: unknown; pass t_stop= (the end of the recorded run)"
            )
        return self.t_stop - self.t_start

    def counts(self) -> np.ndarray:
        """Number of spikes of each neuron, shape (n_units,)."""
        return np.bincount(self.indices, minlength=self.n_units)

    def rates(self) -> np.ndarray:
        """Mean firing rate of each neuron in Hz (times in ms), shape (n_units,)."""
        if self.time_unit != "ms":
            raise ValueError("SpikeRecord.rates: needs times in ms (time_unit is 'step')")
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
        """A ``neo.core.spiketrainlist.SpikeTrainList`` (requires ``neo``; times in ms)."""
        import quantities as pq
        from neo.core.spiketrainlist import SpikeTrainList

        if self.time_unit != "ms":
            raise ValueError("SpikeRecord.to_neo: needs times in ms (time_unit is 'step')")
        return SpikeTrainList.from_spike_time_array(
            np.asarray(self.times) * pq.ms,
            np.asarray(self.indices),
            all_channel_ids=np.arange(self.n_units),
            t_start=self.t_start * pq.ms,
            t_stop=(self.t_start + self.duration) * pq.ms,
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
    time_unit : {"ms", "step"}
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
        times = _read_only(self.times, np.float64)
        values = np.asarray(self.values)
        if values.ndim == 1:
            values = values[:, None]
        check_choice(self.time_unit, "time_unit", TIME_UNITS, owner="StateRecord")
        if times.ndim != 1 or values.ndim != 2 or values.shape[0] != times.shape[0]:
            raise ValueError(
                f"StateRecord: expected times (T,) and values (T, n) (got {times.shape} "
                f"and {values.shape})"
            )
        indices = np.arange(values.shape[1]) if self.indices is None else np.asarray(self.indices)
        if indices.shape != (values.shape[1],):
            raise ValueError(f"StateRecord.indices: expected shape ({values.shape[1]},)")
        values = values.view()
        values.setflags(write=False)
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "indices", _read_only(indices, np.int64))

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
            array_annotations={"channel_index": np.asarray(self.indices)},
        )


class _GrowingBuffers:
    """Arrays of equal length whose first ``count`` rows are filled; capacity doubles."""

    def __init__(self, shapes_and_dtypes, capacity: int) -> None:
        self._layouts = shapes_and_dtypes  # [(trailing shape, dtype), ...]
        self._arrays = [np.empty((capacity, *shape), dtype) for shape, dtype in shapes_and_dtypes]
        self.count = 0

    @property
    def capacity(self) -> int:
        return self._arrays[0].shape[0]

    def reserve(self, n: int) -> list[np.ndarray]:
        """Writable views of at least ``n`` free rows (all free rows), growing if needed."""
        needed = self.count + n
        if needed > self.capacity:
            capacity = max(needed, 2 * self.capacity)
            grown = []
            for array, (shape, dtype) in zip(self._arrays, self._layouts, strict=True):
                bigger = np.empty((capacity, *shape), dtype)
                bigger[: self.count] = array[: self.count]
                grown.append(bigger)
            self._arrays = grown  # records taken earlier keep viewing the old arrays
        return [array[self.count :] for array in self._arrays]

    def commit(self, n: int) -> None:
        if not 0 <= n <= self.capacity - self.count:
            raise ValueError(
                f"commit: {n} rows do not fit the {self.capacity - self.count} reserved"
            )
        self.count += n

    def filled(self) -> list[np.ndarray]:
        return [array[: self.count] for array in self._arrays]


class _Monitor:
    """What both monitors share: buffers of (time, payload) rows that a kernel can fill."""

    _buffers: _GrowingBuffers

    def __len__(self) -> int:
        return self._buffers.count

    def reserve(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Writable ``(times, payload)`` views of all free rows, at least ``n`` of them."""
        times, payload = self._buffers.reserve(check_int(n, "n", low=0, owner=type(self).__name__))
        return times, payload

    def commit(self, n: int) -> None:
        """Count ``n`` rows a kernel wrote at the start of the reserved views."""
        self._buffers.commit(n)

    def _extend(self, times: np.ndarray, payload: np.ndarray) -> None:
        free_times, free_payload = self.reserve(times.size)
        free_times[: times.size] = times
        free_payload[: times.size] = payload
        self.commit(times.size)


class SpikeMonitor(_Monitor):
    """Spikes of a population, collected while it runs.

    Parameters
    ----------
    n_units : int
        Size of the population.
    time_unit : {"ms", "step"}
    t_start : float
        Start of the recording.
    capacity : int
        Initial buffer size in spikes (it doubles when full).

    The producer appends spikes in time order and, at the end of each run,
    calls :meth:`advance` with the time the run reached, which becomes the
    record's ``t_stop``.
    """

    def __init__(
        self, n_units: int, *, time_unit: str = "ms", t_start: float = 0.0, capacity: int = 1024
    ) -> None:
        self.n_units = check_int(n_units, "n_units", low=0, owner="SpikeMonitor")
        self.time_unit = check_choice(time_unit, "time_unit", TIME_UNITS, owner="SpikeMonitor")
        self.t_start = check_float(t_start, "t_start", owner="SpikeMonitor")
        self.t_stop = self.t_start
        capacity = check_int(capacity, "capacity", low=1, owner="SpikeMonitor")
        self._buffers = _GrowingBuffers([((), np.float64), ((), np.int64)], capacity)

    def append(self, times, indices) -> None:
        """Add spikes (times non-decreasing and not before the last recorded one)."""
        times = as_float_array(times, "times", ndim=1, owner="SpikeMonitor")
        indices = np.asarray(indices)
        if indices.shape != times.shape or not np.issubdtype(indices.dtype, np.integer):
            raise ValueError("SpikeMonitor.indices: expected one integer index per time")
        if indices.size and (indices.min() < 0 or indices.max() >= self.n_units):
            raise ValueError(f"SpikeMonitor.indices: must lie in [0, {self.n_units})")
        last = self._buffers.filled()[0][-1] if len(self) else self.t_start
        if times.size and (times[0] < last or np.any(np.diff(times) < 0)):
            raise ValueError("SpikeMonitor.times: spikes must come in time order")
        self._extend(times, indices)

    def advance(self, t_stop: float) -> None:
        """The run reached ``t_stop``: the recorded interval now ends there."""
        t_stop = check_float(t_stop, "t_stop", low=self.t_stop, owner="SpikeMonitor")
        self.t_stop = t_stop

    def record(self) -> SpikeRecord:
        """The spikes so far as a frozen :class:`SpikeRecord` (a read-only view)."""
        times, indices = self._buffers.filled()
        return SpikeRecord(
            times,
            indices,
            self.n_units,
            self.t_start,
            max([self.t_stop, *times[-1:]]),  # no spike yet: the end of the run
            self.time_unit,
        )

    def __repr__(self) -> str:
        return f"SpikeMonitor({len(self)} spikes of {self.n_units} units)"


class StateMonitor(_Monitor):
    """Rows of a state variable (n columns), collected while a model runs.

    Parameters
    ----------
    n_columns : int
        Number of recorded units.
    variable, unit : str
        Name and unit of the variable, passed to the records.
    time_unit : {"ms", "step"}
    indices : array of int, optional
        Which units of the population the columns are (default 0..n_columns-1).
    interval : float, optional
        Sampling interval in ``time_unit`` that the producer honours (default:
        every step).
    dtype : numpy dtype
        Of the values.
    capacity : int
        Initial buffer size in rows (it doubles when full).
    """

    def __init__(
        self,
        n_columns: int,
        *,
        variable: str = "x",
        unit: str = "",
        time_unit: str = "ms",
        indices=None,
        interval: float | None = None,
        dtype=np.float64,
        capacity: int = 256,
    ) -> None:
        self.interval = (
            None
            if interval is None
            else check_float(interval, "interval", low=0.0, low_open=True, owner="StateMonitor")
        )
        self.n_columns = check_int(n_columns, "n_columns", low=0, owner="StateMonitor")
        self.variable, self.unit = str(variable), str(unit)
        self.time_unit = check_choice(time_unit, "time_unit", TIME_UNITS, owner="StateMonitor")
        self.indices = np.arange(self.n_columns) if indices is None else np.asarray(indices)
        if self.indices.shape != (self.n_columns,):
            raise ValueError(f"StateMonitor.indices: expected {self.n_columns} unit indices")
        capacity = check_int(capacity, "capacity", low=1, owner="StateMonitor")
        self._buffers = _GrowingBuffers(
            [((), np.float64), ((self.n_columns,), np.dtype(dtype))], capacity
        )

    def append(self, times, values) -> None:
        """Add rows: ``times`` (T,) after the last recorded time, ``values`` (T, n_columns)."""
        times = as_float_array(times, "times", ndim=1, owner="StateMonitor")
        values = np.asarray(values)
        if values.shape != (times.size, self.n_columns):
            raise ValueError(
                f"StateMonitor.values: expected shape ({times.size}, {self.n_columns}) "
                f"(got {values.shape})"
            )
        recorded = self._buffers.filled()[0]
        if times.size and (
            (recorded.size and times[0] <= recorded[-1]) or np.any(np.diff(times) <= 0)
        ):
            raise ValueError("StateMonitor.times: rows must come in increasing time")
        self._extend(times, values)

    def record(self) -> StateRecord:
        """The rows so far as a frozen :class:`StateRecord` (a read-only view)."""
        times, values = self._buffers.filled()
        return StateRecord(times, values, self.variable, self.unit, self.time_unit, self.indices)

    def __repr__(self) -> str:
        return f"StateMonitor({self.variable!r}, {len(self)} rows x {self.n_columns} columns)"
