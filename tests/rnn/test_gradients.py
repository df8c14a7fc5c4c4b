"""Backpropagation through time against central finite differences (float64)."""

import numpy as np
import pytest

from rnn import GRU, LSTM, RNN, Elman, Jordan

pytestmark = pytest.mark.kernels

EPSILON = 1e-6


def finite_difference_check(model, loss_of, grads, max_entries=40, seed=0):
    """Largest relative error ||fd - g|| / ||fd + g|| over the parameters (random entries)."""
    rng = np.random.default_rng(seed)
    worst = 0.0
    for name, grad in grads.items():
        values = model.params[name]
        flat_indices = rng.choice(values.size, min(max_entries, values.size), replace=False)
        numeric, analytic = [], []
        for flat in flat_indices:
            index = np.unravel_index(flat, values.shape)
            original = values[index]
            values[index] = original + EPSILON
            plus = loss_of()
            values[index] = original - EPSILON
            minus = loss_of()
            values[index] = original
            numeric.append((plus - minus) / (2 * EPSILON))
            analytic.append(grad[index])
        numeric, analytic = np.array(numeric), np.array(analytic)
        scale = np.linalg.norm(numeric + analytic)
        if scale > 1e-10:
            worst = max(worst, np.linalg.norm(numeric - analytic) / scale)
    return worst


CASES = [
    (RNN, {}),
    (RNN, {"nonlinearity": "relu"}),
    (RNN, {"num_layers": 2}),
    (Elman, {}),
    (LSTM, {}),
    (LSTM, {"num_layers": 2, "forget_bias": 1.0}),
    (GRU, {}),
    (GRU, {"num_layers": 2}),
    (Jordan, {}),
    (Jordan, {"teacher_forcing": True, "context_decay": 0.8}),
]


def case_id(case):
    cls, options = case
    return cls.__name__ + "".join(f"-{k}={v}" for k, v in options.items())


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_many_to_many_mse(case, rng):
    cls, options = case
    model = cls(3, 4, 2, seed=1, **options)
    X, Y = rng.normal(size=(3, 6, 3)), rng.normal(size=(3, 6, 2))
    h0 = None if cls is not Jordan else rng.normal(size=(3, 2))
    _loss, grads = model.loss_and_gradients(X, Y, h0=h0)
    assert (
        finite_difference_check(model, lambda: model.loss_and_gradients(X, Y, h0=h0)[0], grads)
        < 1e-6
    )


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_many_to_one_cross_entropy_with_lengths(case, rng):
    cls, options = case
    model = cls(2, 4, 3, output="softmax", seed=2, **options)
    X, labels = rng.normal(size=(4, 7, 2)), rng.integers(0, 3, 4)
    lengths = np.array([7, 3, 5, 1])
    _loss, grads = model.loss_and_gradients(X, labels, lengths=lengths)
    check = finite_difference_check(
        model, lambda: model.loss_and_gradients(X, labels, lengths=lengths)[0], grads
    )
    assert check < 1e-6


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU, Jordan])
def test_one_to_many_and_initial_state(cls, rng):
    model = cls(2, 3, 2, seed=3)
    X, Y = rng.normal(size=(2, 2)), rng.normal(size=(2, 5, 2))
    if cls is LSTM:
        h0 = (rng.normal(size=(1, 2, 3)), rng.normal(size=(1, 2, 3)))
    elif cls is Jordan:
        h0 = rng.normal(size=(2, 2))
    else:
        h0 = rng.normal(size=(1, 2, 3))
    _loss, grads = model.loss_and_gradients(X, Y, h0=h0)
    assert (
        finite_difference_check(model, lambda: model.loss_and_gradients(X, Y, h0=h0)[0], grads)
        < 1e-6
    )


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU, Jordan])
def test_truncated_bptt_window_gradient(cls, rng):
    """A truncated-BPTT update is the gradient of the window's loss with the state
    entering the window held fixed: here the window spans steps 4..9 (k2 = 6) and
    the loss counts its last k1 = 3 steps."""
    model = cls(2, 4, 2, seed=4)
    X, Y = rng.normal(size=(3, 10, 2)), rng.normal(size=(3, 10, 2))
    _, state = model.predict(X[:, :4], return_state=True)
    window_X, window_Y = X[:, 4:], Y[:, 4:]
    _loss, grads = model.loss_and_gradients(window_X, window_Y, h0=state, loss_from=3)
    check = finite_difference_check(
        model, lambda: model.loss_and_gradients(window_X, window_Y, h0=state, loss_from=3)[0], grads
    )
    assert check < 1e-6


def test_input_gradient(rng):
    model = LSTM(2, 4, 1, seed=5)
    X, Y = rng.normal(size=(2, 6, 2)), rng.normal(size=(2, 1))
    _, _, d_inputs = model.loss_and_gradients(X, Y, input_gradient=True)
    shifted = X.copy()
    shifted[1, 2, 0] += EPSILON
    plus = model.loss_and_gradients(shifted, Y)[0]
    shifted[1, 2, 0] -= 2 * EPSILON
    minus = model.loss_and_gradients(shifted, Y)[0]
    assert d_inputs[1, 2, 0] == pytest.approx((plus - minus) / (2 * EPSILON), rel=1e-6)
