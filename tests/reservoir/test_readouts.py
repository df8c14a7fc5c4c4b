import numpy as np
import pytest

from neurodyn.errors import NotFittedError
from reservoir import RLS, Ridge


def closed_form_ridge(X, Y, ridge):
    """Ridge with an unpenalised intercept: solve the augmented normal equations directly."""
    design = np.hstack([np.ones((X.shape[0], 1)), X])
    penalty = ridge * np.eye(design.shape[1])
    penalty[0, 0] = 0.0
    solution = np.linalg.solve(design.T @ design + penalty, design.T @ Y)
    return solution[1:].T, solution[0]


def test_ridge_equals_the_closed_form(rng):
    X = rng.normal(size=(300, 8)) + 3.0  # large means: centring must not lose precision
    Y = X @ rng.normal(size=(8, 2)) + 5.0 + 0.1 * rng.normal(size=(300, 2))
    readout = Ridge(ridge=0.5).fit(X, Y)
    coef, intercept = closed_form_ridge(X, Y, 0.5)
    np.testing.assert_allclose(readout.coef_, coef, rtol=1e-10)
    np.testing.assert_allclose(readout.intercept_, intercept, rtol=1e-10)
    np.testing.assert_allclose(readout.predict(X), X @ coef.T + intercept, rtol=1e-10)


def test_ridge_without_bias(rng):
    X, Y = rng.normal(size=(100, 4)), rng.normal(size=(100, 1))
    readout = Ridge(ridge=0.1, fit_bias=False).fit(X, Y)
    expected = np.linalg.solve(X.T @ X + 0.1 * np.eye(4), X.T @ Y).T
    np.testing.assert_allclose(readout.coef_, expected, rtol=1e-12)
    assert np.all(readout.intercept_ == 0)


def test_sequences_washout_and_merge_equal_one_stacked_fit(rng):
    sequences = [rng.normal(size=(n, 5)) for n in (50, 80, 65)]
    targets = [s @ rng.normal(size=(5, 1)) + rng.normal(size=(s.shape[0], 1)) for s in sequences]
    fitted = Ridge(1e-3).fit(sequences, targets, washout=10)
    stacked = Ridge(1e-3).fit(
        np.vstack([s[10:] for s in sequences]), np.vstack([t[10:] for t in targets])
    )
    np.testing.assert_allclose(fitted.coef_, stacked.coef_, rtol=1e-11)
    parts = [
        Ridge(1e-3).accumulate(s[10:], t[10:]) for s, t in zip(sequences, targets, strict=True)
    ]
    merged = parts[0].merge(parts[1]).merge(parts[2]).solve()
    np.testing.assert_allclose(merged.coef_, stacked.coef_, rtol=1e-11)
    np.testing.assert_allclose(merged.intercept_, stacked.intercept_, rtol=1e-11)


def test_ridge_matches_scikit_learn(rng):
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, Y = rng.normal(size=(200, 6)), rng.normal(size=(200, 3))
    theirs = linear_model.Ridge(alpha=2.0).fit(X, Y)
    ours = Ridge(2.0).fit(X, Y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-10)


def test_singular_system_falls_back_with_a_warning(rng):
    column = rng.normal(size=(50, 1))
    X = np.hstack([column, column])  # collinear, and no regularisation
    with pytest.warns(RuntimeWarning, match="positive definite"):
        readout = Ridge(0.0).fit(X, 2 * column)
    np.testing.assert_allclose(readout.predict(X), 2 * column, atol=1e-8)


def test_rls_equals_ridge_with_the_same_penalty(rng):
    # with P0 = I / alpha and no forgetting, RLS after T samples is exactly the ridge
    # solution with penalty alpha on every weight, the intercept included
    X = rng.normal(size=(400, 6))
    Y = X @ rng.normal(size=(6, 2)) + 1.0 + 0.05 * rng.normal(size=(400, 2))
    rls = RLS(alpha=0.3).fit(X, Y)
    design = np.hstack([X, np.ones((400, 1))])
    expected = np.linalg.solve(design.T @ design + 0.3 * np.eye(7), design.T @ Y).T
    np.testing.assert_allclose(rls.coef_, expected[:, :6], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(rls.intercept_, expected[:, 6], rtol=1e-8, atol=1e-10)


def test_rls_partial_fit_is_incremental_and_forgets(rng):
    X, Y = rng.normal(size=(200, 3)), rng.normal(size=(200, 1))
    whole = RLS(alpha=1.0).fit(X, Y)
    pieces = RLS(alpha=1.0).partial_fit(X[:70], Y[:70]).partial_fit(X[70:], Y[70:])
    np.testing.assert_allclose(pieces.coef_, whole.coef_, rtol=1e-12)
    # a forgetting factor tracks a change of the true weights
    W1, W2 = np.array([[1.0, 0, 0]]), np.array([[0, 0, -1.0]])
    drifting = np.vstack([X @ W1.T, X @ W2.T])
    tracker = RLS(alpha=1.0, forgetting=0.95).fit(np.vstack([X, X]), drifting)
    np.testing.assert_allclose(tracker.coef_, W2, atol=1e-3)  # old data weighs 0.95^200 ~ 4e-5
    remembers = RLS(alpha=1.0).fit(np.vstack([X, X]), drifting)
    assert np.abs(remembers.coef_ - W2).max() > 0.3  # without forgetting: a compromise


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Ridge(-1.0), "ridge"),
        (lambda: RLS(alpha=0.0), "alpha"),
        (lambda: RLS(forgetting=1.5), "forgetting"),
    ],
)
def test_bad_parameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_data_and_unfitted_use(rng):
    with pytest.raises(NotFittedError, match="fit"):
        Ridge().predict(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="steps in X"):
        Ridge().fit(np.zeros((5, 2)), np.zeros((4, 1)))
    with pytest.raises(ValueError, match="washout"):
        Ridge().fit(np.zeros((5, 2)), np.zeros((5, 1)), washout=5)
    readout = Ridge().fit(rng.normal(size=(10, 2)), rng.normal(size=(10, 1)))
    with pytest.raises(ValueError, match="2 features"):
        readout.predict(np.zeros((3, 3)))


def test_save_and_load(tmp_path, rng):
    X, Y = rng.normal(size=(40, 3)), rng.normal(size=(40, 2))
    for readout in (Ridge(0.1).fit(X, Y), RLS(0.5).fit(X, Y)):
        loaded = type(readout).load(readout.save(tmp_path / type(readout).__name__))
        np.testing.assert_array_equal(loaded.predict(X), readout.predict(X))
