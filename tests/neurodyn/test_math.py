"""The kernels' elementary functions against NumPy."""

import numpy as np
import pytest
from numba import njit

from neurodyn._math import fast_tanh, fast_tanh32, sigmoid, tanh

pytestmark = pytest.mark.kernels


@njit  # not cached: a cache would not notice edits to the functions it inlines
def _apply(function_code, values, out):
    for i in range(values.shape[0]):
        if function_code == 0:
            out[i] = fast_tanh(values[i])
        elif function_code == 1:
            out[i] = tanh(values[i])
        else:
            out[i] = sigmoid(values[i])


def grid(rng, dtype):
    values = np.concatenate(
        [
            rng.uniform(-3, 3, 200_000),
            rng.uniform(-25, 25, 100_000),
            np.logspace(-300 if dtype == np.float64 else -30, 1.5, 50_000),
            -np.logspace(-20, 1.5, 50_000),
            [0.0, 9.0, 19.0, 19.06, 19.5, 20.0, 1e30, -1e30, np.inf, -np.inf],
        ]
    )
    return values.astype(dtype)


def test_double_precision_tanh_is_within_two_ulp(rng):
    values = grid(rng, np.float64)
    out = np.empty_like(values)
    _apply(0, values, out)
    exact = np.tanh(values)
    assert np.max(np.abs(out - exact)) <= 4.5e-16
    assert np.max(np.abs(out - exact) / np.maximum(np.abs(exact), np.finfo(float).tiny)) <= 5e-16
    nan = np.array([np.nan])
    _apply(0, nan, nan)
    assert np.isnan(nan[0])


def test_precision_follows_the_argument(rng):
    for dtype, tolerance in ((np.float64, 5e-16), (np.float32, 2e-7)):
        values = grid(rng, dtype)
        out = np.empty_like(values)
        _apply(1, values, out)
        assert np.max(np.abs(out - np.tanh(values.astype(np.float64)))) <= tolerance
        _apply(2, values, out)
        with np.errstate(over="ignore"):
            exact = 1.0 / (1.0 + np.exp(-values.astype(np.float64)))
        assert np.max(np.abs(out - exact)) <= tolerance


def test_single_precision_tanh_directly():
    values = np.linspace(-12, 12, 10_001, dtype=np.float32)
    out = np.array([fast_tanh32(v) for v in values[:50]], dtype=np.float32)  # plain Python too
    np.testing.assert_allclose(out, np.tanh(values[:50].astype(np.float64)), atol=2e-7)
