"""What the clock driver prepares around each kernel call: chunks of steps, the drive
(currents and time-varying rates) of a chunk, and the recording buffers and their
hand-over to the recorders."""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from neurodyn.progress import Progress
from snn import _kernels
from snn.monitors import RateRecorder, SpikeRecorder

MAX_CHUNK_STEPS = 2000  # progress, buffer growth and recorder hand-over happen between chunks
MAX_BLOCK_VALUES = 4_000_000  # per-step currents and rates held for one chunk


class Chunk(NamedTuple):
    first: int  # absolute step
    n_steps: int

    def start_times(self, dt: float) -> np.ndarray:
        """Start time (ms) of every step of the chunk."""
        return (self.first + np.arange(self.n_steps)) * dt


def _change_steps(network) -> np.ndarray:
    """Steps at which a piecewise-constant current changes: a current set at t drives
    every step starting at or after t."""
    times = [c.change_times() for c in network.currents]
    if not times:
        return np.zeros(0, np.int64)
    return np.unique(np.ceil(np.concatenate(times) / network.dt - 1e-9).astype(np.int64))


def chunk_plan(network, first: int, n_steps: int):
    """Chunks covering ``n_steps`` steps from ``first``, cut where a constant current changes."""
    columns = sum(c.indices.size for c in network.currents if c.sampled) + sum(
        g.n for g in network.sources if g.kind == "poisson" and g.course is not None
    )
    longest = max(1, min(MAX_CHUNK_STEPS, MAX_BLOCK_VALUES // max(columns, 1)))
    cuts = _change_steps(network)
    end = first + n_steps
    step = first
    while step < end:
        following = cuts[cuts > step]
        stop = min(end, step + longest, int(following[0]) if following.size else end)
        yield Chunk(step, stop - step)
        step = stop


def drive_for(network, chunk: Chunk) -> _kernels.Drive:
    """Constant currents at the chunk's start, and per-step currents and rates within it."""
    dt = network.dt
    n_units = network.n_units
    current = np.zeros(n_units)
    start_time = chunk.first * dt
    sampled_values, sampled_units = [], []
    times = chunk.start_times(dt)
    for source in network.currents:
        units = source.target.start + source.indices
        if source.sampled:
            sampled_values.append(source.values_at(times))
            sampled_units.append(units)
        else:
            np.add.at(current, units, source.amplitude_at(start_time))
    block = np.hstack(sampled_values) if sampled_values else np.zeros((chunk.n_steps, 0))
    block_units = np.concatenate(sampled_units) if sampled_units else np.zeros(0, np.int64)
    poisson = [g for g in network.sources if g.kind == "poisson"]
    rates, course_source, offset = [], [], 0
    for group in poisson:
        if group.course is not None:
            rates.append(group.rates_at(times))
            course_source.append(np.arange(offset, offset + group.n))
        offset += group.n
    rate_block = np.hstack(rates) if rates else np.zeros((chunk.n_steps, 0))
    return _kernels.Drive(
        current,
        np.ascontiguousarray(block),
        block_units.astype(np.int64),
        np.ascontiguousarray(rate_block),
        np.concatenate(course_source or [np.zeros(0)]).astype(np.int64),
    )


def recording_for(network, chunk: Chunk):
    """The kernel's :class:`~snn._kernels.Recording` for a chunk, and ``collect(steps, units,
    n_done)``, which hands what the kernel wrote to the recorders."""
    dt, n_units = network.dt, network.n_units
    spike_flag = np.zeros(n_units, np.uint8)
    rate_slot = np.full(n_units, -1, np.int64)
    spike_recorders, rate_recorders, state_recorders = [], [], []
    for recorder in network.recorders:
        if isinstance(recorder, SpikeRecorder):
            spike_flag[recorder.group.start : recorder.group.stop] = 1
            spike_recorders.append(recorder)
        elif isinstance(recorder, RateRecorder):
            rate_recorders.append(recorder)
        else:
            state_recorders.append(recorder)
    rate_groups = list(dict.fromkeys(r.group for r in rate_recorders))
    for column, group in enumerate(rate_groups):
        rate_slot[group.start : group.stop] = column
    steps = chunk.first + np.arange(chunk.n_steps)
    sampled = [steps[(steps + 1) % r.interval_steps == 0] for r in state_recorders]
    sizes = [s.size * r.indices.size for s, r in zip(sampled, state_recorders, strict=True)]
    out_ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    unit_lists = [r.kernel_units() for r in state_recorders]
    recording = _kernels.Recording(
        spike_flag=spike_flag,
        rate_slot=rate_slot,
        rate_counts=np.zeros((chunk.n_steps, len(rate_groups)), np.int64),
        state_row=np.array([r.kernel_row for r in state_recorders], np.int64),
        state_offset=np.array([r.kernel_offset for r in state_recorders], np.float64),
        state_interval=np.array([r.interval_steps for r in state_recorders], np.int64),
        state_unit_ptr=np.concatenate([[0], np.cumsum([u.size for u in unit_lists])]).astype(
            np.int64
        ),
        state_units=(np.concatenate(unit_lists) if unit_lists else np.zeros(0)).astype(np.int64),
        state_out_ptr=out_ptr[:-1].copy(),
        state_out=np.zeros(int(out_ptr[-1])),
        state_rows=np.zeros(len(state_recorders), np.int64),
    )

    def collect(spike_steps: np.ndarray, spike_units: np.ndarray, n_done: int) -> None:
        times = (spike_steps + 1) * dt
        for recorder in spike_recorders:
            group = recorder.group
            mine = (spike_units >= group.start) & (spike_units < group.stop)
            recorder.monitor.append(times[mine], spike_units[mine] - group.start)
        for m, recorder in enumerate(state_recorders):
            rows = int(recording.state_rows[m])
            width = recorder.indices.size
            block = recording.state_out[out_ptr[m] : out_ptr[m] + rows * width]
            recorder.monitor.append((sampled[m][:rows] + 1) * dt, block.reshape(rows, width))
        for recorder in rate_recorders:
            column = rate_groups.index(recorder.group)
            counts = recording.rate_counts[:n_done, column]
            rate = counts / (recorder.group.n * dt * 1e-3)
            recorder.monitor.append((steps[:n_done] + 1) * dt, rate[:, None])

    return recording, collect


class RunReporter:
    """Progress of a run: ``progress=None`` opens a bar only once the run is expected to
    last more than ``_AUTO_SECONDS`` (estimated from the chunks after the first, whose
    time includes compilation)."""

    _AUTO_SECONDS = 3.0

    def __init__(self, n_steps: int, progress) -> None:
        self.n_steps = n_steps
        self.done = 0
        self.since = None  # (time, steps done) after the first chunk
        self.inner = (
            None if progress is None else Progress(n_steps, progress, desc="snn", unit="step")
        )
        self.auto = progress is None

    def update(self, n: int) -> None:
        self.done += n
        if not self.auto:
            self.inner.update(n)
            return
        now = time.perf_counter()
        if self.since is None:
            self.since = (now, self.done)
            return
        if self.inner is None:
            per_step = (now - self.since[0]) / max(self.done - self.since[1], 1)
            if per_step * (self.n_steps - self.done) < self._AUTO_SECONDS:
                return
            self.inner = Progress(self.n_steps, True, desc="snn", unit="step")
            self.inner.update(self.done - n)
        self.inner.update(n)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.inner is not None:
            self.inner.__exit__(*exc)
