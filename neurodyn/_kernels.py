"""Compiled kernels of the shared core.

Every family's kernels are built from these pieces, so each is written once:

* weight products over a :class:`neurodyn.compiled.WeightMatrix` (rows are
  targets): :func:`pull` (y += W x, rows in parallel inside a ``parallel=True``
  caller), :func:`pull_rows` (a row of the same for B columns at once, states laid
  out (N, B)), the row sums they are made of, and :func:`push` (scatter one source's
  out-edges through the by-source view, reading the canonical weight array by
  index) and :func:`scatter_row` (the same along a row, for symmetric weights);
* the dense readout :func:`affine` (y = b + W x) and :func:`add_product`;
* one activation table (:data:`ACTIVATIONS`), with :func:`activate`,
  :func:`activation_derivative` and the vectorised leaky update
  :func:`leaky_update`;
* recursive least squares (:func:`rls_update`, :func:`rls_fit`);
* per-stream xorshift random numbers and the Fisher–Yates :func:`shuffle`;
* graph generators and task integrators.

Helpers marked inline are compiled into the kernels that call them. A helper
with a ``prange`` loop runs its rows in parallel only inside a caller compiled
with ``parallel=True``; every row is summed in a fixed order, so results never
depend on the thread count. Bundles (NamedTuples) are unpacked into locals
before a ``prange`` loop: Numba's parallel lowering cannot carry nested tuples
into a loop body.
"""

import numpy as np
from numba import njit, prange

from neurodyn._math import like, sigmoid, tanh
from neurodyn.config import inline_options, jit_options

INLINE = inline_options()


# --- graph generators ----------------------------------------------------------------
@njit(**jit_options())
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


@njit(**jit_options())
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


@njit(**jit_options())
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
@njit(**jit_options())
def _mackey_glass_rate(x, x_delayed, a, b, n):
    return a * x_delayed / (1.0 + x_delayed**n) - b * x


@njit(**jit_options())
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


@njit(**jit_options())
def _lorenz_rate(state, sigma, rho, beta, out):
    out[0] = sigma * (state[1] - state[0])
    out[1] = state[0] * (rho - state[2]) - state[1]
    out[2] = state[0] * state[1] - beta * state[2]


@njit(**jit_options())
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


@njit(**jit_options())
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


@njit(**INLINE)
def xorshift_next(state, k):
    """Advance stream ``k`` of the uint64 array ``state`` and return 64 random bits."""
    x = state[k]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[k] = x
    return x * _XORSHIFT_MULTIPLIER


@njit(**INLINE)
def xorshift_uniform(state, k):
    """A float in [0, 1) with 53 random bits from stream ``k``."""
    return np.float64(xorshift_next(state, k) >> np.uint64(11)) * 1.1102230246251565e-16


@njit(**INLINE)
def exponential_interval(state, k, rate):
    """A waiting time of a Poisson process of ``rate`` (events per unit time) from stream
    ``k``; inf when the rate is not positive."""
    if rate <= 0.0:
        return np.inf
    return -np.log(1.0 - xorshift_uniform(state, k)) / rate


@njit(**INLINE)
def xorshift_below(state, k, n):
    """An integer in [0, n) from stream ``k`` (n < 2^53)."""
    return np.int64(xorshift_uniform(state, k) * n)


@njit(**INLINE)
def shuffle(values, state, k):
    """Fisher–Yates shuffle of ``values`` in place with xorshift stream ``k``."""
    for i in range(values.shape[0] - 1, 0, -1):
        j = xorshift_below(state, k, i + 1)
        values[i], values[j] = values[j], values[i]


# --- activation table -------------------------------------------------------------------
# One table of codes for every family; kernels branch on the code, never on a callable.
TANH, IDENTITY, RELU, SIGMOID = 0, 1, 2, 3
ACTIVATIONS = {"tanh": TANH, "identity": IDENTITY, "relu": RELU, "sigmoid": SIGMOID}


@njit(**INLINE)
def activate(x, code):
    """f(x) for the activation ``code``, in the precision of ``x``."""
    if code == TANH:
        return tanh(x)
    if code == IDENTITY:
        return x
    if code == RELU:
        return x if x > 0 else 0.0 * x
    return sigmoid(x)


@njit(**INLINE)
def activation_derivative(y, code):
    """f'(a) written with y = f(a)."""
    if code == TANH:
        return 1.0 - y * y
    if code == IDENTITY:
        return 1.0 + 0.0 * y
    if code == RELU:
        return 1.0 if y > 0 else 0.0
    return y * (1.0 - y)


@njit(**INLINE)
def leaky_update(out, state, pre, leak, code, start, stop, shift=0):
    """out[i] = (1 - a) state[i] + a f(pre[i - shift]) for i in [start, stop) of 1-d arrays.

    ``out`` may be ``state`` (update in place); ``pre`` may be ``out`` or a block
    of its own that starts at ``shift``. The arithmetic is in the precision of
    ``state``; the branch on the code sits outside the loops so that each loop
    vectorises.
    """
    keep = like(1.0 - leak, state)
    leak = like(leak, state)
    zero = like(0.0, state)
    # unsigned bounds: with a signed start, every access would need a negative-index
    # check, and the loop would not vectorise
    first, last, s = np.uintp(start), np.uintp(stop), np.uintp(shift)
    if code == TANH:
        for i in range(first, last):
            out[i] = keep * state[i] + leak * tanh(pre[i - s])
    elif code == IDENTITY:
        for i in range(first, last):
            out[i] = keep * state[i] + leak * pre[i - s]
    elif code == RELU:
        for i in range(first, last):
            value = pre[i - s]
            out[i] = keep * state[i] + leak * (value if value > zero else zero)
    else:
        for i in range(first, last):
            out[i] = keep * state[i] + leak * sigmoid(pre[i - s])


@njit(**INLINE)
def all_finite(values, start, stop):
    """True when values[start:stop] holds no NaN or infinity (an AND that vectorises).

    v - v is 0 for every finite v and NaN for NaN and ±inf, in the precision of
    ``values`` (a float64 bound would widen float32 values first).
    """
    finite = True
    zero = like(0.0, values)
    for i in range(np.uintp(start), np.uintp(stop)):
        finite &= values[i] - values[i] == zero
    return finite


# --- weight products (rows are targets) -----------------------------------------------------
@njit(**INLINE)
def csr_row_sum(indptr, indices, weights, row, x, total, offset=0):
    """total + Σ_k weights[k] x[offset + indices[k]] over the edges into ``row``, in
    stored order.

    ``total`` sets the accumulator's type (0.0, or an integer for exact sums);
    ``offset`` selects a vector inside a flat array of several (no views in
    parallel loops). The loop streams the row's weights and indices once; for
    large graphs that stream, not the arithmetic, sets the speed (measured: four
    partial sums gained nothing).
    """
    # unsigned indices spare a negative-index check on every load
    base = np.uintp(offset)
    for k in range(np.uintp(indptr[row]), np.uintp(indptr[row + 1])):
        total += weights[k] * x[base + np.uintp(indices[k])]
    return total


@njit(**INLINE)
def dense_row_sum(dense, row, x, total, offset=0):
    """total + Σ_j dense[row, j] x[offset + j]."""
    base = np.uintp(offset)
    for j in range(np.uintp(dense.shape[1])):
        total += dense[row, j] * x[base + j]
    return total


@njit(**INLINE)
def pull(matrix, x, out):
    """out += W x for a :class:`~neurodyn.compiled.WeightMatrix` W and a vector x.

    A dense W goes through BLAS (float weights); CSR rows run in parallel inside
    a ``parallel=True`` caller, each summed in a float64 accumulator.
    """
    if matrix.is_dense:
        out += np.dot(matrix.dense, x)
        return
    indptr, indices, weights = matrix.indptr, matrix.indices, matrix.values
    for i in prange(out.shape[0]):
        out[i] += csr_row_sum(indptr, indices, weights, i, x, 0.0)


@njit(**INLINE)
def pull_rows(indptr, indices, weights, row, flat_x, width, flat_out, base):
    """flat_out[base + b] += Σ_k w_k flat_x[source_k * width + b] for b < width.

    One row of a sparse × dense product with B = ``width`` columns stored
    row-major ((N, B) layout): every weight is read once and multiplies B
    contiguous values, a loop that vectorises.
    """
    b_width = np.uintp(width)
    out0 = np.uintp(base)
    for k in range(np.uintp(indptr[row]), np.uintp(indptr[row + 1])):
        w = weights[k]
        source = np.uintp(indices[k]) * b_width
        for b in range(b_width):
            flat_out[out0 + b] += w * flat_x[source + b]


@njit(**INLINE)
def push(indptr, targets, edge_ids, weights, source, delta, out):
    """out[j] += w(source → j) δ for every out-edge of ``source``.

    ``indptr, targets, edge_ids`` are a :class:`~neurodyn.compiled.SourceView`'s
    arrays; weights are read from the canonical (by-target) array through the
    edge ids, so a rule that writes weights is seen here at once.
    """
    for k in range(np.uintp(indptr[source]), np.uintp(indptr[source + 1])):
        out[np.uintp(targets[k])] += weights[np.uintp(edge_ids[k])] * delta


@njit(**INLINE)
def scatter_row(indptr, indices, weights, row, delta, out):
    """out[j] += W[row, j] δ along one CSR row: the push of a *symmetric* W, whose
    out-edges of ``row`` are its row (w_j,row = w_row,j)."""
    for k in range(np.uintp(indptr[row]), np.uintp(indptr[row + 1])):
        out[np.uintp(indices[k])] += weights[k] * delta


# --- dense readout ----------------------------------------------------------------------
@njit(**INLINE)
def affine(weight, x, bias, out):
    """out = bias + weight @ x for weight (m, n), x (n,), out (m,)."""
    for o in range(out.shape[0]):
        total = bias[o]
        for i in range(weight.shape[1]):
            total += weight[o, i] * x[i]
        out[o] = total


@njit(**INLINE)
def add_product(weight, x, out):
    """out += weight @ x for weight (m, n) and out (m,); x has at least n entries, and a
    weight with no columns adds nothing."""
    for o in range(out.shape[0]):
        total = 0.0
        for i in range(weight.shape[1]):
            total += weight[o, i] * x[i]
        out[o] += total


# --- recursive least squares ----------------------------------------------------------------
@njit(**INLINE)
def rls_update(P, w_out, features, target, forgetting, gain, error):
    """One recursive-least-squares update of ``w_out`` (n_out, d) towards ``target``.

    k = P φ / (λ + φᵀ P φ),  w ← w - (w φ - y) kᵀ,  P ← (P - k φᵀ P) / λ;
    ``gain`` (d,) and ``error`` (n_out,) are work arrays (error holds w φ - y).
    """
    d = features.shape[0]
    p_phi = np.dot(P, features)
    denominator = forgetting + np.dot(features, p_phi)
    for i in range(d):
        gain[i] = p_phi[i] / denominator
    for o in range(w_out.shape[0]):
        error[o] = np.dot(w_out[o], features) - target[o]
        for i in range(d):
            w_out[o, i] -= error[o] * gain[i]
    inverse = 1.0 / forgetting
    for i in range(d):
        for j in range(d):
            P[i, j] = (P[i, j] - gain[i] * p_phi[j]) * inverse


@njit(**jit_options())
def rls_fit(state, features, targets, forgetting):
    """Sequential RLS over rows of ``features`` (T, d) and ``targets`` (T, n_out).

    ``state`` is an RLS state (``P`` (d, d), ``weights`` (n_out, d)), updated in
    place. Returns the first step where the weights became non-finite, or -1.
    """
    P, w_out = state.P, state.weights
    gain = np.empty(features.shape[1])
    error = np.empty(targets.shape[1])
    for t in range(features.shape[0]):
        rls_update(P, w_out, features[t], targets[t], forgetting, gain, error)
        if not all_finite(error, 0, error.shape[0]):
            return t
    return -1


# --- rate-based Hebbian learning ---------------------------------------------------------
HEBB, OJA, SANGER, BCM = 0, 1, 2, 3


@njit(**jit_options())
def hebbian_epoch(weights, inputs, order, rule, eta, theta, tau_theta, y, residual):
    """One pass over the samples ``inputs[order]``: outputs y = W x (rectified for BCM),
    then the rule's update of W (n_out, n_in) in place:

    - HEBB: dW = eta y x^T;
    - OJA: dW = eta y (x - W^T y)^T (Oja's rule; its symmetric subspace form for several
      outputs);
    - SANGER: row i: dW_i = eta y_i (x - sum_{k <= i} y_k W_k) (the generalised Hebbian
      algorithm: the rows become the leading principal components, in order);
    - BCM: dW_i = eta y_i (y_i - theta_i) x, then theta_i += (y_i^2 - theta_i) / tau_theta.

    Returns the position in ``order`` after which W or y stopped being finite, or -1."""
    n_out, n_in = weights.shape
    for position in range(order.shape[0]):
        x = inputs[order[position]]
        for i in range(n_out):
            total = 0.0
            for j in range(n_in):
                total += weights[i, j] * x[j]
            y[i] = max(total, 0.0) if rule == BCM else total
        if rule == OJA:
            for j in range(n_in):
                residual[j] = x[j]
                for i in range(n_out):
                    residual[j] -= y[i] * weights[i, j]
        elif rule == SANGER:
            for j in range(n_in):
                residual[j] = x[j]
        for i in range(n_out):
            if rule == SANGER:  # subtract this row's part with the row before its update
                for j in range(n_in):
                    residual[j] -= y[i] * weights[i, j]
            if rule == BCM:
                factor = eta * y[i] * (y[i] - theta[i])
                theta[i] += (y[i] * y[i] - theta[i]) / tau_theta
            else:
                factor = eta * y[i]
            for j in range(n_in):
                step = residual[j] if rule == OJA or rule == SANGER else x[j]
                weights[i, j] += factor * step
            if not all_finite(weights[i], 0, n_in):
                return position
    return -1
