"""Unsupervised learning with STDP, lateral inhibition and adaptive thresholds: the
neurons' weights become the digits they answer, and their labels classify new digits."""

import numpy as np
import pytest

import snn

sklearn = pytest.importorskip("sklearn.datasets")


def _four_digits():
    """Digits 0, 1, 4 and 7 of scikit-learn's 8x8 set, shuffled: 300 to learn, 120 to test."""
    X, y = sklearn.load_digits(return_X_y=True)
    keep = np.isin(y, [0, 1, 4, 7])
    X, y = X[keep], y[keep]
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order], y[order]
    return X[:300], y[:300], X[300:420], y[300:420]


def test_neurons_learn_the_digits_they_answer():
    X, y, X_test, y_test = _four_digits()
    model = snn.DiehlCook(16, epochs=1, seed=2, progress=False).fit(X, y)
    assert model.weights_.shape == (16, 64)
    assert (model.theta_ > 0.0).sum() >= 14  # measured: 15 of 16 fired and rose
    np.testing.assert_allclose(model.weights_.sum(axis=1), 6.4, rtol=1e-9)  # scaled
    # each labelled neuron's weights look most like the mean image of its own class
    means = np.stack([X[y == label].mean(axis=0) for label in model.classes_])
    labelled = model.label_index_ >= 0
    similarity = _cosine(model.weights_[labelled], means)
    own = similarity.argmax(axis=1) == model.label_index_[labelled]
    assert own.mean() >= 0.9  # measured: 16 of 16
    accuracy = model.score(X_test, y_test)
    assert accuracy > 0.85  # measured 0.95 (chance 0.25)


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return a @ b.T


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="n_neurons"):
        snn.DiehlCook(0)
    with pytest.raises(TypeError, match="timing"):
        snn.DiehlCook(timing=snn.TripletTiming())
    model = snn.DiehlCook(4, progress=False)
    with pytest.raises(RuntimeError, match="fit"):
        model.predict(np.ones((2, 64)))
    with pytest.raises(ValueError, match=">= 0"):
        model.fit(-np.ones((3, 64)), [0, 1, 0])
    with pytest.raises(ValueError, match="labels"):
        model.fit(np.ones((3, 64)), [0, 1])
