import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.model_selection import TimeSeriesSplit, cross_val_score  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from neurodyn import tasks  # noqa: E402
from reservoir.sklearn import ESNClassifier, ESNRegressor  # noqa: E402

# ESNRegressor reads the rows of X as consecutive time steps: its output at a row
# depends on the rows before it, so checks that assume independent rows must fail.
TIME_SERIES_REASON = "rows are time steps of one series; the state carries over between rows"
EXPECTED_FAILURES = {
    "check_methods_sample_order_invariance": TIME_SERIES_REASON,
    "check_methods_subset_invariance": TIME_SERIES_REASON,
}


@parametrize_with_checks(
    [ESNRegressor(n_units=30, random_state=0), ESNClassifier(n_units=30, random_state=0)],
    expected_failed_checks=lambda estimator: (
        EXPECTED_FAILURES if isinstance(estimator, ESNRegressor) else {}
    ),
)
def test_scikit_learn_conventions(estimator, check):
    check(estimator)


def test_regressor_forecasts_mackey_glass_under_time_series_cross_validation():
    series = tasks.normalize(tasks.mackey_glass(3001, seed=0))
    X, y = series[:-1], series[1:, 0]
    model = ESNRegressor(n_units=200, leak_rate=0.3, ridge=1e-8, washout=50, random_state=0)
    scores = cross_val_score(model, X, y, cv=TimeSeriesSplit(n_splits=3), scoring="r2")
    assert np.all(scores > 0.99)


def test_classifier_reads_digits_row_by_row():
    """scikit-learn's 8×8 digits as sequences of 8 rows of 8 pixels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X, y = digits.data / 16.0, digits.target
    for state in ("last", "mean"):
        model = ESNClassifier(
            n_units=200,
            n_inputs=8,
            leak_rate=0.5,
            input_scaling=0.5,
            state=state,
            ridge=1e-2,
            random_state=0,
        ).fit(X[:1200], y[:1200])
        assert model.score(X[1200:], y[1200:]) > 0.92  # 0.936 (last), 0.931 (mean) measured
        as_sequences = X[1200:].reshape(-1, 8, 8)  # (n_sequences, T, n_inputs) works too
        np.testing.assert_array_equal(model.predict(as_sequences), model.predict(X[1200:]))


def test_same_random_state_same_model(rng):
    X, y = rng.normal(size=(100, 2)), rng.normal(size=100)
    first = ESNRegressor(n_units=20, random_state=3).fit(X, y).predict(X)
    second = ESNRegressor(n_units=20, random_state=3).fit(X, y).predict(X)
    np.testing.assert_array_equal(first, second)


def test_classifier_rejects_inconsistent_step_size(rng):
    with pytest.raises(ValueError, match="n_inputs"):
        ESNClassifier(n_inputs=3).fit(rng.normal(size=(10, 10)), rng.integers(0, 2, 10))
