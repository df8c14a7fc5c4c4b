import numpy as np
import pytest

from neurodyn import metrics


def test_nrmse_is_rmse_over_target_std(rng):
    y = rng.normal(size=(200, 1))
    pred = y + 0.1 * rng.normal(size=(200, 1))
    expected = np.sqrt(np.mean((y - pred) ** 2)) / np.std(y)
    assert metrics.nrmse(y, pred) == pytest.approx(expected)
    assert metrics.nrmse(y, np.full_like(y, y.mean())) == pytest.approx(1.0)
    assert metrics.nrmse(y[:, 0], y[:, 0]) == 0.0


def test_multioutput_averages_columns(rng):
    y = rng.normal(size=(100, 2)) * [1.0, 100.0]
    pred = y + rng.normal(size=(100, 2))
    per_column = metrics.nrmse(y, pred, multioutput="raw_values")
    assert per_column.shape == (2,)
    assert metrics.nrmse(y, pred) == pytest.approx(per_column.mean())
    assert metrics.rmse(y, pred) == pytest.approx(
        np.mean(np.sqrt(np.mean((y - pred) ** 2, axis=0)))
    )


def test_r2_matches_scikit_learn(rng):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    y, pred = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
    assert metrics.r2(y, pred) == pytest.approx(sklearn_metrics.r2_score(y, pred))
    assert metrics.mse(y, pred) == pytest.approx(sklearn_metrics.mean_squared_error(y, pred))


def test_memory_capacity_bounds(rng):
    targets = rng.normal(size=(5000, 4))
    assert metrics.memory_capacity(targets, 2.0 * targets + 1.0) == pytest.approx(4.0)
    noise = metrics.memory_capacity(targets, rng.normal(size=(5000, 4)))
    assert noise < 0.01
    _total, per_delay = metrics.memory_capacity(targets, targets, per_delay=True)
    np.testing.assert_allclose(per_delay, 1.0)
    assert metrics.memory_capacity(targets, np.zeros_like(targets)) == 0.0


@pytest.mark.parametrize(
    ("true", "pred", "match"),
    [
        (np.ones((5, 1)), np.ones((5, 1)), "constant"),
        (np.arange(5.0), np.arange(4.0), "shape"),
        (np.arange(5.0), np.array([0, 1, np.nan, 3, 4.0]), "NaN"),
        (np.zeros((0, 1)), np.zeros((0, 1)), "empty"),
    ],
)
def test_bad_input(true, pred, match):
    with pytest.raises(ValueError, match=match):
        metrics.nrmse(true, pred)


def test_accuracy():
    assert metrics.accuracy([1, 2, 3, 4], [1, 2, 0, 4]) == 0.75
    with pytest.raises(ValueError, match="labels_pred"):
        metrics.accuracy([1, 2], [1])
