"""Divergent training is reported, whatever the optimizer: a loss grown past ``divergence``
times its starting value raises SimulationError naming the epoch (or warns)."""

import warnings

import numpy as np
import pytest

import rnn
from neurodyn.errors import SimulationError


def _data():
    t = np.arange(600) * 0.1
    series = np.sin(t)[:, None]
    X = np.stack([series[i : i + 40] for i in range(0, 500, 10)])
    Y = np.stack([series[i + 1 : i + 41] for i in range(0, 500, 10)])
    return X, Y


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adam"])
def test_a_huge_learning_rate_is_caught_for_every_optimizer(optimizer):
    X, Y = _data()
    with pytest.raises(SimulationError, match=r"epoch \d+.*lower lr or set clip="):
        rnn.LSTM(1, 16, 1, seed=0).fit(X, Y, epochs=5, lr=1e6, optimizer=optimizer, progress=False)


def test_divergence_can_warn_instead_or_be_off():
    X, Y = _data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = rnn.LSTM(1, 16, 1, seed=0).fit(
            X, Y, epochs=2, lr=1e6, progress=False, on_divergence="warn"
        )
    assert len(history.loss) == 2 and any("diverging" in str(w.message) for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning when the check is off
        rnn.LSTM(1, 16, 1, seed=0).fit(X, Y, epochs=2, lr=1e6, progress=False, divergence=None)


def test_ordinary_training_is_not_flagged():
    X, Y = _data()
    history = rnn.GRU(1, 16, 1, seed=0).fit(X, Y, epochs=5, lr=1e-2, progress=False)
    assert history.loss[-1] < history.loss[0]
    with pytest.raises(ValueError, match="on_divergence"):
        rnn.GRU(1, 4, 1).fit(X, Y, epochs=1, on_divergence="ignore", progress=False)


def test_predict_says_which_outputs_it_gives():
    """Untrained, a model gives every step's output; trained many-to-one, the last step's;
    sequence_output chooses either way."""
    X = np.zeros((3, 5, 2))
    model = rnn.LSTM(2, 4, 1, seed=0)
    assert model.predict(X).shape == (3, 5, 1)
    assert model.predict(X, sequence_output="last").shape == (3, 1)
    model.fit(X, np.zeros((3, 1)), epochs=1, progress=False)
    assert model.predict(X).shape == (3, 1)
    every = model.predict(X, sequence_output="all")
    assert every.shape == (3, 5, 1) and np.allclose(every[:, -1], model.predict(X))
