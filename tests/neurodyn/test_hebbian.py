"""Rate-based Hebbian rules against what they are known to learn: principal components
(numpy's eigenvectors of the sample covariance), divergence, BCM selectivity."""

import numpy as np
import pytest

from neurodyn.errors import SimulationError
from neurodyn.hebbian import HebbianLayer


def _correlated(n_samples=3000, seed=0):
    """Centred 5-d Gaussian samples with covariance eigenvalues 5, 2, 1, 0.5, 0.2 along a
    random basis, and the eigenvectors of their sample covariance (largest first)."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    X = rng.normal(size=(n_samples, 5)) * np.sqrt([5.0, 2.0, 1.0, 0.5, 0.2]) @ basis.T
    X -= X.mean(axis=0)
    _, vectors = np.linalg.eigh(np.cov(X.T))
    return X, vectors[:, ::-1].T


def test_ojas_rule_converges_to_the_first_principal_component():
    X, components = _correlated()
    layer = HebbianLayer(5, rule="oja", eta=0.002, seed=1).fit(X, epochs=20, progress=False)
    layer.eta = 2e-4  # a constant rate leaves fluctuations of order eta: anneal it
    layer.fit(X, epochs=20, progress=False)
    w = layer.weights[0]
    assert abs(np.linalg.norm(w) - 1.0) < 0.01  # Oja's rule normalises the weights
    assert abs(w @ components[0]) / np.linalg.norm(w) > 0.9995  # measured 0.99987


def test_sangers_rule_finds_the_leading_components_in_order():
    X, components = _correlated()
    layer = HebbianLayer(5, 3, rule="sanger", eta=0.002, seed=2).fit(X, epochs=40, progress=False)
    layer.eta = 2e-4
    layer.fit(X, epochs=40, progress=False)
    overlaps = np.abs(layer.weights @ components[:3].T)  # (3, 3), near the identity
    np.testing.assert_allclose(np.diag(overlaps), 1.0, atol=0.002)  # measured 3e-4
    assert overlaps[~np.eye(3, dtype=bool)].max() < 0.01  # measured 0.0021


def test_hebbs_rule_diverges_and_says_so():
    X, _ = _correlated(500)
    with pytest.raises(SimulationError, match=r"'hebb'.*stopped being finite in epoch"):
        HebbianLayer(5, rule="hebb", eta=0.05, seed=0).fit(X, epochs=200, progress=False)


def test_bcm_makes_a_unit_selective_to_one_of_two_patterns():
    # two non-overlapping input patterns, each shown half the time with noise: a BCM unit
    # ends up answering one and not the other (selectivity 1 - y_low / y_high near 1)
    rng = np.random.default_rng(0)
    patterns = np.array([[1.0, 1.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]])
    X = patterns[rng.integers(0, 2, 4000)] + 0.05 * rng.random((4000, 6))
    layer = HebbianLayer(
        6,
        rule="bcm",
        eta=0.01,
        tau_theta=50.0,
        weights=np.full((1, 6), 0.3) + 0.01 * rng.random((1, 6)),
        seed=0,
    )
    layer.fit(X, epochs=10, progress=False)
    responses = layer.transform(patterns)[:, 0]
    assert 1.0 - responses.min() / responses.max() > 0.99  # measured 1: silent to the other


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match=r"HebbianLayer\.rule"):
        HebbianLayer(3, rule="stdp")
    with pytest.raises(ValueError, match=r"HebbianLayer.weights: expected shape \(1, 3\)"):
        HebbianLayer(3, weights=np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"HebbianLayer\.fit\.X: expected 3 columns"):
        HebbianLayer(3).fit(np.zeros((10, 4)))
