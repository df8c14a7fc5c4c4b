"""The anomaly task: the injected anomalies where the flags say, AUROC and precision
against direct computations, and forecasters that find the anomalies."""

import numpy as np
import pytest

from neurodyn import metrics, tasks
from neurodyn.harness.registry import get_model, get_task


def test_auroc_is_the_probability_a_positive_outscores_a_negative():
    rng = np.random.default_rng(0)
    labels = rng.random(300) < 0.2
    scores = np.round(rng.normal(labels * 1.0, 1.0), 1)  # rounded: ties occur
    positives, negatives = scores[labels], scores[~labels]
    pairs = (positives[:, None] > negatives[None, :]) + 0.5 * (
        positives[:, None] == negatives[None, :]
    )
    assert metrics.auroc(labels, scores) == pytest.approx(pairs.mean(), rel=1e-12)
    assert metrics.auroc(labels, labels * 1.0) == 1.0
    assert metrics.precision_at_count([1, 0, 1, 0, 0], [0.9, 0.8, 0.1, 0.2, 0.0]) == 0.5
    with pytest.raises(ValueError, match="both"):
        metrics.auroc(np.ones(4), np.arange(4.0))


def test_anomalies_are_where_the_flags_say():
    clean, _ = tasks.anomalous_series(3000, n_anomalies=0, seed=4)
    series, flags = tasks.anomalous_series(3000, n_anomalies=12, start=1000, seed=4)
    assert flags.sum() == 4 * (1 + 20 + 30) and not flags[:1000].any()
    changed = np.abs(series - clean) > 1e-12
    assert np.array_equal(changed, flags)  # the same noise elsewhere
    with pytest.raises(ValueError, match="at most"):
        tasks.anomalous_series(500, n_anomalies=12)


# measured AUROC 0.88 and 0.74, precision 0.62 and 0.42 (the anomalous fraction: 0.136)
@pytest.mark.parametrize(("model", "floor"), [("esn", 0.8), ("gru", 0.65)])
def test_forecast_errors_find_the_anomalies(model, floor):
    task = get_task("anomaly")({"n_train": 2000, "n_val": 500, "n_test": 1500, "n_anomalies": 12})
    data = task.build(0)
    adapter = get_model(model)(get_model(model).resolve("anomaly", {}), 0, data, "anomaly")
    adapter.fit()
    scores = task.score(data, adapter.predict(data.test))
    assert scores["auroc"] > floor
    assert scores["precision"] > 2.5 * data.extras["labels"].mean()
