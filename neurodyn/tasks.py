"""Data sets and benchmark tasks: Mackey-Glass, NARMA, Lorenz, memory capacity.

All arrays are time-first: a series has shape ``(n_steps, n_features)``.
"""

from __future__ import annotations

import math

import numpy as np

from neurodyn import _kernels
from neurodyn._validation import as_float_array, check_float, check_int
from neurodyn.errors import SimulationError
from neurodyn.random import SeedLike, as_generator

__all__ = [
    "adding_problem",
    "anomalous_series",
    "coupled_logistic_maps",
    "long_lag_blocks",
    "lorenz",
    "mackey_glass",
    "memory_capacity",
    "narma",
    "normalize",
    "planted_memory_paths",
    "to_forecasting",
]


def _steps_per(interval: float, h: float, what: str) -> int:
    ratio = interval / h
    steps = round(ratio)
    if steps < 1 or abs(ratio - steps) > 1e-9 * max(1.0, ratio):
        raise ValueError(f"{what} = {interval:g} must be a whole multiple of dt = {h:g}")
    return steps


def mackey_glass(
    n_steps: int,
    tau: float = 17.0,
    *,
    a: float = 0.2,
    b: float = 0.1,
    n: int = 10,
    x0: float = 1.2,
    sample_step: float = 1.0,
    dt: float = 0.1,
    discard: int = 0,
    seed: SeedLike = None,
) -> np.ndarray:
    """Mackey-Glass time series, integrated with fourth-order Runge-Kutta.

    dx/dt = a x(t-τ) / (1 + x(t-τ)^n) - b x(t), from a constant history on
    [-τ, 0]. The integrator steps ``dt`` (``tau`` and ``sample_step`` must be
    whole multiples of it) and interpolates the delayed value at half steps
    with cubic Hermite polynomials, so the global error is O(dt⁴).

    Parameters
    ----------
    n_steps : int
        Number of samples returned.
    tau : float
        Delay (τ = 17 gives the classic mildly chaotic attractor).
    a, b, n : float, float, int
        Production rate, decay rate and Hill exponent.
    x0 : float
        Value of the constant history.
    sample_step : float
        Time between returned samples (the time unit of the equation).
    dt : float
        Integration step.
    discard : int
        Samples dropped at the start (the transient from the constant history).
    seed : int or Generator, optional
        If given, the constant history is ``x0 + U(-0.05, 0.05)``, so different
        seeds give different (chaotic) trajectories; ``None`` uses ``x0`` exactly.

    Returns
    -------
    ndarray, shape (n_steps, 1)
        Raw (unnormalised) values, sample ``i`` at time ``(discard + i) * sample_step``.
    """
    n_steps = check_int(n_steps, "n_steps", low=1)
    discard = check_int(discard, "discard", low=0)
    tau = check_float(tau, "tau", low=0.0, low_open=True)
    dt = check_float(dt, "dt", low=0.0, low_open=True)
    sample_step = check_float(sample_step, "sample_step", low=0.0, low_open=True)
    check_int(n, "n", low=1)
    delay = _steps_per(tau, dt, "tau")
    steps_per_sample = _steps_per(sample_step, dt, "sample_step")
    start = x0 if seed is None else x0 + as_generator(seed).uniform(-0.05, 0.05)
    series = _kernels.mackey_glass(
        float(start),
        delay,
        n_steps + discard,
        steps_per_sample,
        dt,
        check_float(a, "a"),
        check_float(b, "b"),
        float(n),
    )
    return series[discard:, None]


def narma(
    n_steps: int, order: int = 10, *, seed: SeedLike = None, discard: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """NARMA system driven by i.i.d. input u(t) ~ U[0, 0.5].

    y(t+1) = 0.3 y(t) + 0.05 y(t) Σ_{i=0}^{order-1} y(t-i) + 1.5 u(t-order+1) u(t) + 0.1,
    from zero initial conditions (NARMA-10 for ``order=10``, Atiya & Parlos 2000).

    Returns
    -------
    u : ndarray, shape (n_steps, 1)
        Input; row t is u(t).
    y : ndarray, shape (n_steps, 1)
        Target; row t is y(t+1), the output once u(t) has been applied, so a
        model reading ``u[:t+1]`` can predict ``y[t]``.

    Raises
    ------
    SimulationError
        If the system diverges (it can for orders above 10 with this form).
    """
    n_steps = check_int(n_steps, "n_steps", low=1)
    order = check_int(order, "order", low=1)
    discard = check_int(discard, "discard", low=0)
    u = as_generator(seed).uniform(0.0, 0.5, size=n_steps + discard)
    y = _kernels.narma(u, order)
    if not np.all(np.isfinite(y)) or np.max(np.abs(y)) > 1e3:
        first = int(np.flatnonzero(~(np.abs(np.nan_to_num(y, nan=np.inf)) <= 1e3))[0])
        raise SimulationError(
            f"narma: the NARMA-{order} system diverged at step {first}; "
            "try another seed or a lower order"
        )
    return u[discard:, None], y[discard:, None]


def lorenz(
    n_steps: int,
    *,
    dt: float = 0.02,
    substeps: int = 10,
    sigma: float = 10.0,
    rho: float = 28.0,
    beta: float = 8.0 / 3.0,
    x0=(1.0, 1.0, 1.0),
    discard: int = 0,
    seed: SeedLike = None,
) -> np.ndarray:
    """Lorenz (1963) system, RK4 with ``substeps`` steps per sample.

    Returns an array of shape (n_steps, 3) with samples ``dt`` apart; ``seed``
    adds U(-0.5, 0.5) to each coordinate of ``x0``.
    """
    n_steps = check_int(n_steps, "n_steps", low=1)
    substeps = check_int(substeps, "substeps", low=1)
    discard = check_int(discard, "discard", low=0)
    dt = check_float(dt, "dt", low=0.0, low_open=True)
    start = as_float_array(x0, "x0", ndim=1).copy()
    if start.shape != (3,):
        raise ValueError(f"x0: expected 3 values (got shape {start.shape})")
    if seed is not None:
        start += as_generator(seed).uniform(-0.5, 0.5, size=3)
    series = _kernels.lorenz(
        start,
        n_steps + discard,
        substeps,
        dt / substeps,
        check_float(sigma, "sigma"),
        check_float(rho, "rho"),
        check_float(beta, "beta"),
    )
    return series[discard:]


def memory_capacity(
    n_steps: int, max_delay: int, *, scale: float = 1.0, seed: SeedLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Jaeger's (2002) memory-capacity task.

    Returns
    -------
    u : ndarray, shape (n_steps, 1)
        i.i.d. input, U(-scale, scale).
    targets : ndarray, shape (n_steps, max_delay)
        ``targets[t, k-1] = u(t - k)``: column k-1 asks for the input k steps back.
        Inputs before the first row are drawn too, so every target is defined.

    Score a model with :func:`neurodyn.metrics.memory_capacity`.
    """
    n_steps = check_int(n_steps, "n_steps", low=1)
    max_delay = check_int(max_delay, "max_delay", low=1)
    scale = check_float(scale, "scale", low=0.0, low_open=True)
    full = as_generator(seed).uniform(-scale, scale, size=n_steps + max_delay)
    u = full[max_delay:]
    targets = np.stack(
        [full[max_delay - k : max_delay - k + n_steps] for k in range(1, max_delay + 1)], axis=1
    )
    return u[:, None], targets


def to_forecasting(series, forecast: int = 1, *, test_size: int | float | None = None):
    """Turn a series into (input, target) pairs for ``forecast``-steps-ahead prediction.

    Parameters
    ----------
    series : array, shape (n_steps, n_features) or (n_steps,)
    forecast : int
        Steps ahead: ``target[t] = series[t + forecast]``.
    test_size : int or float, optional
        If given, also split in time order: an int is a number of rows, a float
        in (0, 1) a fraction.

    Returns
    -------
    X, Y : arrays of shape (n_steps - forecast, n_features)
        Or ``X_train, X_test, Y_train, Y_test`` when ``test_size`` is given.
    """
    data = as_float_array(series, "series", ndim=(1, 2))
    if data.ndim == 1:
        data = data[:, None]
    forecast = check_int(forecast, "forecast", low=1)
    if forecast >= data.shape[0]:
        raise ValueError(f"forecast: must be < the series length {data.shape[0]} (got {forecast})")
    X, Y = data[:-forecast], data[forecast:]
    if test_size is None:
        return X, Y
    n_rows = X.shape[0]
    if isinstance(test_size, float):
        test_size = math.ceil(
            check_float(test_size, "test_size", low=0.0, high=1.0, low_open=True, high_open=True)
            * n_rows
        )
    n_test = check_int(test_size, "test_size", low=1)
    if n_test >= n_rows:
        raise ValueError(f"test_size: must leave training rows (got {n_test} of {n_rows})")
    return X[:-n_test], X[-n_test:], Y[:-n_test], Y[-n_test:]


def normalize(series, low: float = -1.0, high: float = 1.0, *, reference=None) -> np.ndarray:
    """Affinely map ``series`` so that ``reference`` (default: the series itself)
    spans [low, high] per column. Fit on training data, then pass it as ``reference``."""
    data = as_float_array(series, "series", ndim=(1, 2))
    ref = data if reference is None else as_float_array(reference, "reference", ndim=(1, 2))
    lo, hi = ref.min(axis=0), ref.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return low + (data - lo) * (high - low) / span


def adding_problem(
    n_sequences: int, length: int, *, seed: SeedLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem in Arjovsky, Shah & Bengio's (2016) form.

    Each step carries a value ~ U[0, 1] and a marker; exactly two markers are 1,
    one in each half of the sequence. The target is the sum of the two marked
    values; always answering 1 gives MSE 1/6 ≈ 0.167 (the chance level).

    Returns
    -------
    X : ndarray, shape (n_sequences, length, 2)
        Column 0 the values, column 1 the markers.
    y : ndarray, shape (n_sequences, 1)
    """
    n_sequences = check_int(n_sequences, "n_sequences", low=1)
    length = check_int(length, "length", low=2)
    rng = as_generator(seed)
    values = rng.uniform(0.0, 1.0, (n_sequences, length))
    half = length // 2
    first = rng.integers(0, half, n_sequences)
    second = rng.integers(half, length, n_sequences)
    markers = np.zeros((n_sequences, length))
    rows = np.arange(n_sequences)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    target = values[rows, first] + values[rows, second]
    return np.stack([values, markers], axis=2), target[:, None]


def long_lag_blocks(
    n_blocks: int, lag: int = 20, *, seed: SeedLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Schmidhuber's (1992) long-lag stream: blocks "a b1 … b_lag" or "x b1 … b_lag"
    laid end to end, the start drawn uniformly at random.

    Symbols: 0 = a, 1 = x, 1 + i = b_i. A label query sits on every block's last
    symbol: which start the block had (0 for a, 1 for x), asked ``lag`` steps after
    it was seen; elsewhere the label is -1 (no query).

    Returns
    -------
    symbols, labels : int arrays, shape (n_blocks * (lag + 1),)
    """
    n_blocks = check_int(n_blocks, "n_blocks", low=1)
    lag = check_int(lag, "lag", low=1)
    starts = as_generator(seed).integers(0, 2, n_blocks)
    blocks = np.empty((n_blocks, lag + 1), dtype=np.int64)
    blocks[:, 0] = starts
    blocks[:, 1:] = np.arange(2, lag + 2)
    labels = np.full((n_blocks, lag + 1), -1, dtype=np.int64)
    labels[:, -1] = starts
    return blocks.ravel(), labels.ravel()


def anomalous_series(
    n_steps: int, *, n_anomalies: int = 12, start: int = 0, seed: SeedLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """A quasi-periodic series, sin(2π t / 40) + 0.5 sin(2π t / 17) + N(0, 0.05²), with
    ``n_anomalies`` anomalies injected after ``start`` at random places, a third of each
    kind: spikes (one step, ±1.5), level shifts (+0.8 for 20 steps) and frequency changes
    (the first sine at period 13 for 30 steps). Returns the series (n_steps,) and a flag
    per step (True inside an anomaly)."""
    n_steps = check_int(n_steps, "n_steps", low=1)
    n_anomalies = check_int(n_anomalies, "n_anomalies", low=0)
    rng = as_generator(seed)
    t = np.arange(n_steps, dtype=float)
    series = np.sin(2 * np.pi * t / 40) + 0.5 * np.sin(2 * np.pi * t / 17)
    series += rng.normal(0.0, 0.05, n_steps)
    flags = np.zeros(n_steps, bool)
    width = {"spike": 1, "level": 20, "frequency": 30}
    kinds = [("spike", "level", "frequency")[k % 3] for k in range(n_anomalies)]
    places = np.arange(start + 50, n_steps - 60, 60)  # 60 steps apart: none overlap
    if n_anomalies > places.size:
        raise ValueError(
            f"anomalous_series.n_anomalies: at most {places.size} fit in "
            f"{n_steps - start} steps (got {n_anomalies})"
        )
    slots = np.sort(rng.choice(places, n_anomalies, replace=False))
    for kind, first in zip(kinds, slots, strict=True):
        span = slice(first, first + width[kind])
        if kind == "spike":
            series[first] += rng.choice((-1.5, 1.5))
        elif kind == "level":
            series[span] += 0.8
        else:
            series[span] += np.sin(2 * np.pi * t[span] / 13) - np.sin(2 * np.pi * t[span] / 40)
        flags[span] = True
    return series, flags


def coupled_logistic_maps(
    n_streams: int,
    n_steps: int,
    edges,
    *,
    coupling: float = 0.2,
    r: float = 3.9,
    noise: float = 1e-3,
    seed: SeedLike = None,
) -> np.ndarray:
    """Logistic maps f(x) = r x (1 - x) coupled along directed ``edges`` (source, target,
    lag in steps >= 1): x_j(t+1) = (1 - c) f(x_j(t)) + c · mean over the edges into j of
    f(x_i(t + 1 - lag)), plus N(0, noise²), kept in (0, 1). Returns (n_steps, n_streams),
    after 100 discarded steps."""
    n_streams = check_int(n_streams, "n_streams", low=1)
    n_steps = check_int(n_steps, "n_steps", low=1)
    coupling = check_float(coupling, "coupling", low=0.0, high=1.0)
    rng = as_generator(seed)
    edges = [(int(i), int(j), check_int(lag, "lag", low=1)) for i, j, lag in edges]
    longest = max([lag for _, _, lag in edges], default=1)
    total = n_steps + 100 + longest
    x = np.zeros((total, n_streams))
    x[: longest + 1] = rng.uniform(0.1, 0.9, (longest + 1, n_streams))
    parents = [[(i, lag) for i, target, lag in edges if target == j] for j in range(n_streams)]
    for t in range(longest, total - 1):
        for j in range(n_streams):
            own = r * x[t, j] * (1.0 - x[t, j])
            if parents[j]:
                inflow = np.mean(
                    [r * x[t + 1 - lag, i] * (1.0 - x[t + 1 - lag, i]) for i, lag in parents[j]]
                )
                own = (1.0 - coupling) * own + coupling * inflow
            x[t + 1, j] = own
        x[t + 1] = np.clip(x[t + 1] + rng.normal(0.0, noise, n_streams), 1e-3, 1.0 - 1e-3)
    return x[-n_steps:]


def planted_memory_paths(
    order: int,
    n_paths: int,
    *,
    length: int = 8,
    n_nodes: int = 8,
    keep: float = 0.8,
    seed: SeedLike = None,
) -> list[list[int]]:
    """Paths with a memory of ``order`` steps: walks of ``length`` steps on a random graph of
    ``n_nodes`` nodes with 2-3 successors each, whose next node is, with probability
    ``keep``, one preferred for the last ``order`` nodes (drawn once), else any successor."""
    order = check_int(order, "order", low=1)
    rng = as_generator(seed)
    successors = {v: rng.choice(n_nodes, rng.integers(2, 4), replace=False) for v in range(n_nodes)}
    preferred, paths = {}, []
    for _ in range(check_int(n_paths, "n_paths", low=1)):
        path = [int(rng.integers(n_nodes))]
        for _ in range(length):
            options = successors[path[-1]]
            key = tuple(path[-order:])
            preferred.setdefault(key, int(rng.choice(options)))
            path.append(preferred[key] if rng.random() < keep else int(rng.choice(options)))
        paths.append(path)
    return paths
