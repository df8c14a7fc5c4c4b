"""Compiled kernels of the shared core: graph generators and task integrators.

Kernels take arrays, scalars and (for generators that need an unbounded number
of draws) a ``numpy.random.Generator``; Numba reproduces NumPy's streams
exactly, so a seed gives the same graph with or without the JIT.
"""

import numpy as np
from numba import njit


# --- graph generators ----------------------------------------------------------------
@njit(cache=True)
def fixed_in_degree_sources(n_targets, n_sources, k, exclude_self, rng):
    """Sources of ``k`` distinct edges into each target, sorted per target (Floyd's sampling)."""
    out = np.empty(n_targets * k, dtype=np.int32)
    chosen_by = np.full(n_sources, -1, dtype=np.int64)  # target that last chose a pool slot
    pool = n_sources - 1 if exclude_self else n_sources
    for target in range(n_targets):
        base = target * k
        count = 0
        for j in range(pool - k, pool):
            slot = rng.integers(0, j + 1)
            if chosen_by[slot] == target:
                slot = j
            chosen_by[slot] = target
            source = slot + 1 if exclude_self and slot >= target else slot
            out[base + count] = source
            count += 1
        out[base : base + k].sort()
    return out


@njit(cache=True)
def watts_strogatz_edges(n, half_k, p, rng):
    """Undirected edge list (u, v) of a Watts–Strogatz graph."""
    n_edges = n * half_k
    u = np.empty(n_edges, dtype=np.int64)
    v = np.empty(n_edges, dtype=np.int64)
    present = set()
    degree = np.full(n, 2 * half_k, dtype=np.int64)
    e = 0
    for j in range(1, half_k + 1):
        for i in range(n):
            u[e] = i
            v[e] = (i + j) % n
            present.add(min(u[e], v[e]) * n + max(u[e], v[e]))
            e += 1
    for e in range(n_edges):
        if rng.random() >= p:
            continue
        a = u[e]
        if degree[a] >= n - 1:
            continue
        w = rng.integers(0, n)
        while w == a or (min(a, w) * n + max(a, w)) in present:
            w = rng.integers(0, n)
        present.remove(min(a, v[e]) * n + max(a, v[e]))
        present.add(min(a, w) * n + max(a, w))
        degree[v[e]] -= 1
        degree[w] += 1
        v[e] = w
    return u, v


@njit(cache=True)
def barabasi_albert_edges(n, m, rng):
    """Undirected edge list (u, v) of a Barabási–Albert graph grown from a star on m + 1 nodes."""
    n_edges = m + (n - m - 1) * m
    u = np.empty(n_edges, dtype=np.int64)
    v = np.empty(n_edges, dtype=np.int64)
    repeated = np.empty(2 * n_edges, dtype=np.int64)  # each node once per unit of degree
    n_repeated = 0
    e = 0
    for leaf in range(1, m + 1):
        u[e] = 0
        v[e] = leaf
        repeated[n_repeated] = 0
        repeated[n_repeated + 1] = leaf
        n_repeated += 2
        e += 1
    chosen = np.empty(m, dtype=np.int64)
    for source in range(m + 1, n):
        count = 0
        while count < m:
            candidate = repeated[rng.integers(0, n_repeated)]
            duplicate = False
            for c in range(count):
                if chosen[c] == candidate:
                    duplicate = True
                    break
            if not duplicate:
                chosen[count] = candidate
                count += 1
        for c in range(m):
            u[e] = source
            v[e] = chosen[c]
            repeated[n_repeated] = source
            repeated[n_repeated + 1] = chosen[c]
            n_repeated += 2
            e += 1
    return u, v


# --- task integrators ------------------------------------------------------------------
@njit(cache=True)
def _mackey_glass_rate(x, x_delayed, a, b, n):
    return a * x_delayed / (1.0 + x_delayed**n) - b * x


@njit(cache=True)
def mackey_glass(x_initial, delay, n_samples, steps_per_sample, h, a, b, n):
    """RK4 integration of dx/dt = a x(t-τ)/(1 + x(t-τ)^n) - b x(t).

    The history is constant, x(t) = ``x_initial`` for t in [-τ, 0], on a grid of
    step ``h`` with ``delay`` = τ/h points per delay. The delayed value at a
    half step is the cubic Hermite interpolant of the stored trajectory and its
    derivative (fourth-order accurate, like RK4 itself). Returns x at every
    ``steps_per_sample``-th grid point, starting with t = 0.
    """
    n_grid = delay + 1 + (n_samples - 1) * steps_per_sample
    x = np.full(n_grid, x_initial)
    dx = np.zeros(n_grid)  # derivative at each grid point; 0 along the history
    now = delay
    right_slope_at_zero = _mackey_glass_rate(x[now], x[0], a, b, n)
    out = np.empty(n_samples)
    out[0] = x[now]
    for sample in range(1, n_samples):
        for _ in range(steps_per_sample):
            lag = now - delay
            slope0 = right_slope_at_zero if lag == delay else dx[lag]
            x_lag_mid = 0.5 * (x[lag] + x[lag + 1]) + h / 8.0 * (slope0 - dx[lag + 1])
            xn = x[now]
            k1 = right_slope_at_zero if now == delay else dx[now]
            k2 = _mackey_glass_rate(xn + 0.5 * h * k1, x_lag_mid, a, b, n)
            k3 = _mackey_glass_rate(xn + 0.5 * h * k2, x_lag_mid, a, b, n)
            k4 = _mackey_glass_rate(xn + h * k3, x[lag + 1], a, b, n)
            x[now + 1] = xn + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
            now += 1
            dx[now] = _mackey_glass_rate(x[now], x[now - delay], a, b, n)
        out[sample] = x[now]
    return out


@njit(cache=True)
def _lorenz_rate(state, sigma, rho, beta, out):
    out[0] = sigma * (state[1] - state[0])
    out[1] = state[0] * (rho - state[2]) - state[1]
    out[2] = state[0] * state[1] - beta * state[2]


@njit(cache=True)
def lorenz(initial, n_samples, steps_per_sample, h, sigma, rho, beta):
    """RK4 integration of the Lorenz system; returns (n_samples, 3) starting at ``initial``."""
    out = np.empty((n_samples, 3))
    state = initial.copy()
    k1 = np.empty(3)
    k2 = np.empty(3)
    k3 = np.empty(3)
    k4 = np.empty(3)
    tmp = np.empty(3)
    out[0] = state
    for sample in range(1, n_samples):
        for _ in range(steps_per_sample):
            _lorenz_rate(state, sigma, rho, beta, k1)
            tmp[:] = state + 0.5 * h * k1
            _lorenz_rate(tmp, sigma, rho, beta, k2)
            tmp[:] = state + 0.5 * h * k2
            _lorenz_rate(tmp, sigma, rho, beta, k3)
            tmp[:] = state + h * k3
            _lorenz_rate(tmp, sigma, rho, beta, k4)
            state += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        out[sample] = state
    return out


@njit(cache=True)
def narma(u, order):
    """NARMA-``order`` response to the input ``u`` (zero initial conditions).

    y(t+1) = 0.3 y(t) + 0.05 y(t) Σ_{i=0}^{order-1} y(t-i) + 1.5 u(t-order+1) u(t) + 0.1;
    returns ``y[t]`` = y(t+1), the output produced once u(t) has been applied.
    """
    n_steps = u.shape[0]
    y = np.zeros(n_steps + 1)  # y[t] here is y(t); y(0) = 0
    for t in range(n_steps):
        window = 0.0
        for i in range(order):
            if t - i >= 0:
                window += y[t - i]
        delayed = u[t - order + 1] if t - order + 1 >= 0 else 0.0
        y[t + 1] = 0.3 * y[t] + 0.05 * y[t] * window + 1.5 * delayed * u[t] + 0.1
    return y[1:]


# --- per-stream random numbers for parallel kernels ----------------------------------
# A numpy Generator must not be shared across threads, so kernels that run many
# independent simulations in parallel give each one its own xorshift64* stream,
# seeded from the caller's Generator: results do not depend on the thread count.
_XORSHIFT_MULTIPLIER = np.uint64(0x2545F4914F6CDD1D)


@njit(inline="always")
def xorshift_next(state, k):
    """Advance stream ``k`` of the uint64 array ``state`` and return 64 random bits."""
    x = state[k]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[k] = x
    return x * _XORSHIFT_MULTIPLIER


@njit(inline="always")
def xorshift_uniform(state, k):
    """A float in [0, 1) with 53 random bits from stream ``k``."""
    return np.float64(xorshift_next(state, k) >> np.uint64(11)) * 1.1102230246251565e-16


@njit(inline="always")
def xorshift_below(state, k, n):
    """An integer in [0, n) from stream ``k`` (n < 2^53)."""
    return np.int64(xorshift_uniform(state, k) * n)
