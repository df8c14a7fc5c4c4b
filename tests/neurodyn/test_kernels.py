"""The core's shared kernels against plain NumPy (also run with NUMBA_DISABLE_JIT=1 in CI)."""

import numpy as np
import pytest
from numba import njit

from neurodyn import _kernels as K
from neurodyn._intrinsics import prefetch
from neurodyn.compiled import dense_weight_matrix, source_view, weight_matrix
from neurodyn.graph import as_csr, erdos_renyi

pytestmark = pytest.mark.kernels

REFERENCE = {
    "tanh": (np.tanh, lambda y: 1 - y * y),
    "identity": (lambda v: v, lambda y: np.ones_like(y)),
    "relu": (lambda v: np.maximum(v, 0.0), lambda y: (y > 0).astype(float)),
    "sigmoid": (lambda v: 1 / (1 + np.exp(-v)), lambda y: y * (1 - y)),
}


@njit
def _pull(matrix, x, out):
    K.pull(matrix, x, out)


@njit
def _pull_rows(matrix, flat_x, width, flat_out):
    for i in range(flat_out.shape[0] // width):
        K.pull_rows(
            matrix.indptr, matrix.indices, matrix.values, i, flat_x, width, flat_out, i * width
        )


@njit
def _push_all(view, weights, deltas, out):
    for source in range(deltas.shape[0]):
        K.push(view.indptr, view.targets, view.edge_ids, weights, source, deltas[source], out)


@njit
def _scatter_all(matrix, deltas, out):
    for row in range(deltas.shape[0]):
        K.scatter_row(matrix.indptr, matrix.indices, matrix.values, row, deltas[row], out)


@njit
def _row_sums(matrix, flat_x, n, offset):
    out = np.empty(n)
    for row in range(out.shape[0]):
        if matrix.is_dense:
            out[row] = K.dense_row_sum(matrix.dense, row, flat_x, 0.0, offset)
        else:
            out[row] = K.csr_row_sum(
                matrix.indptr, matrix.indices, matrix.values, row, flat_x, 0.0, offset
            )
    return out


@njit
def _readout(weight, x, bias, extra, u, out):
    K.affine(weight, x, bias, out)
    K.add_product(extra, u, out)


@njit
def _activations(values, code, out, derivative):
    for i in range(values.shape[0]):
        out[i] = K.activate(values[i], code)
        derivative[i] = K.activation_derivative(out[i], code)


@njit
def _leaky(out, state, pre, leak, code, start, stop, shift):
    K.leaky_update(out, state, pre, leak, code, start, stop, shift)


@njit
def _finite(values, start, stop):
    return K.all_finite(values, start, stop)


@njit
def _shuffled(values, streams, k):
    K.shuffle(values, streams, k)
    return values


def test_pull_equals_the_matrix_product(rng):
    graph = erdos_renyi(40, 0.2, seed=1, weight=lambda r, s: r.normal(size=s))
    x = rng.normal(size=40)
    for dense in (False, True):
        out = np.full(40, 0.5)
        _pull(weight_matrix(graph, dense=dense, dtype=np.float64), x, out)
        np.testing.assert_allclose(out, 0.5 + graph.to_dense() @ x, rtol=1e-13, atol=1e-14)


def test_pull_rows_is_a_sparse_times_dense_product(rng):
    graph = erdos_renyi(30, 0.2, seed=2, weight=lambda r, s: r.normal(size=s))
    X = rng.normal(size=(30, 5))  # (N, B) layout, flattened row-major
    out = np.zeros(30 * 5)
    _pull_rows(weight_matrix(graph, dense=False, dtype=np.float64), X.ravel(), 5, out)
    np.testing.assert_allclose(out.reshape(30, 5), graph.to_dense() @ X, rtol=1e-13, atol=1e-14)


def test_row_sums_read_a_vector_at_an_offset(rng):
    graph = erdos_renyi(20, 0.3, seed=3, weight=lambda r, s: r.normal(size=s))
    stacked = rng.normal(size=(3, 20))
    for matrix in (
        weight_matrix(graph, dense=False, dtype=np.float64),
        dense_weight_matrix(graph.to_dense()),
    ):
        got = _row_sums(matrix, stacked.ravel(), 20, 40)
        np.testing.assert_allclose(got, graph.to_dense() @ stacked[2], rtol=1e-13, atol=1e-14)


def test_push_reads_the_canonical_weights_through_the_view(rng):
    graph = erdos_renyi(25, 0.2, seed=4, weight=lambda r, s: r.normal(size=s))
    deltas = rng.normal(size=25)
    out = np.zeros(25)
    _push_all(source_view(graph), graph.weights, deltas, out)
    np.testing.assert_allclose(out, graph.to_dense() @ deltas, rtol=1e-13, atol=1e-14)
    # a rule that writes the canonical weights in place is seen through the view at once
    graph.weights[:] *= 2.0
    again = np.zeros(25)
    _push_all(source_view(graph), graph.weights, deltas, again)
    np.testing.assert_allclose(again, 2.0 * out, rtol=1e-13, atol=1e-14)


def test_scatter_row_pushes_a_symmetric_matrix(rng):
    upper = np.triu(rng.normal(size=(15, 15)) * (rng.random((15, 15)) < 0.3), 1)
    symmetric = upper + upper.T
    deltas = rng.normal(size=15)
    out = np.zeros(15)
    _scatter_all(weight_matrix(as_csr(symmetric), dense=False, dtype=np.float64), deltas, out)
    np.testing.assert_allclose(out, symmetric @ deltas, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("with_input", [True, False])
def test_dense_readout(rng, with_input):
    weight, x, bias = rng.normal(size=(3, 7)), rng.normal(size=7), rng.normal(size=3)
    extra = rng.normal(size=(3, 2)) if with_input else np.zeros((3, 0))
    u = rng.normal(size=2)
    out = np.empty(3)
    _readout(weight, x, bias, extra, u, out)
    expected = bias + weight @ x + (extra @ u if with_input else 0.0)
    np.testing.assert_allclose(out, expected, rtol=1e-13)


@pytest.mark.parametrize("name", list(REFERENCE))
def test_one_activation_table(name):
    assert list(K.ACTIVATIONS) == ["tanh", "identity", "relu", "sigmoid"]
    values = np.linspace(-4, 4, 101)
    out, derivative = np.empty_like(values), np.empty_like(values)
    _activations(values, K.ACTIVATIONS[name], out, derivative)
    function, slope = REFERENCE[name]
    np.testing.assert_allclose(out, function(values), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(derivative, slope(function(values)), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("name", list(REFERENCE))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_leaky_update_in_place_and_from_a_block(rng, name, dtype):
    state = rng.uniform(-1, 1, 50).astype(dtype)
    pre = rng.normal(size=50).astype(dtype)
    expected = 0.7 * state.astype(float) + 0.3 * REFERENCE[name][0](pre.astype(float))
    tolerance = 1e-13 if dtype == np.float64 else 3e-7
    in_place = state.copy()
    _leaky(in_place, in_place, pre, 0.3, K.ACTIVATIONS[name], 0, 50, 0)
    np.testing.assert_allclose(in_place, expected, rtol=tolerance, atol=tolerance)
    block = np.zeros_like(state)  # rows 10..30 from a separate pre-activation block
    _leaky(block, state, pre[10:30].copy(), 0.3, K.ACTIVATIONS[name], 10, 30, 10)
    np.testing.assert_allclose(block[10:30], expected[10:30], rtol=tolerance, atol=tolerance)
    assert not block[:10].any() and not block[30:].any()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_all_finite(dtype):
    values = np.ones(40, dtype=dtype)
    assert _finite(values, 0, 40)
    for bad in (np.nan, np.inf, -np.inf):
        values[17] = bad
        assert not _finite(values, 0, 40)
        assert _finite(values, 18, 40)


def test_shuffle_is_a_permutation_drawn_from_its_stream():
    streams = np.array([1, 2], dtype=np.uint64)
    first = _shuffled(np.arange(50), streams.copy(), 0)
    assert sorted(first) == list(range(50)) and not np.array_equal(first, np.arange(50))
    np.testing.assert_array_equal(first, _shuffled(np.arange(50), streams.copy(), 0))
    assert not np.array_equal(first, _shuffled(np.arange(50), streams.copy(), 1))


@njit
def _gather_with_prefetch(rows, elements, order):
    total = 0.0
    for k in range(order.size):
        prefetch(rows, order[min(k + 4, order.size - 1)])
        prefetch(elements, order[k] + 10**9)  # out of range: asks for nothing
        total += rows[order[k], 0] + elements[order[k]]
    return total


def test_prefetch_changes_no_value_and_takes_one_or_two_dimensions():
    rng = np.random.default_rng(0)
    rows, elements = rng.random((1000, 8)), rng.random(1000)
    order = rng.integers(0, 1000, 5000)
    expected = np.sum(rows[order, 0] + elements[order])
    assert _gather_with_prefetch(rows, elements, order) == pytest.approx(expected, rel=1e-12)
