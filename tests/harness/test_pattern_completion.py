"""Pattern completion: the probes are the patterns with the stated fraction of units
flipped; the Hopfield network completes them below its capacity (about 0.14 N patterns,
Amit et al.) and fails above it, where the modern Hopfield network does not; a trained
GRU learns the same patterns."""

import numpy as np
import pytest

from neurodyn.harness import HarnessError
from neurodyn.harness.registry import get_model, get_task


def _task(patterns: int):
    task = get_task("pattern-completion")(
        {"patterns": patterns, "n_train": 2000, "n_val": 100, "n_test": 300}
    )
    return task, task.build(0)


def test_probes_are_patterns_with_a_fifth_of_the_units_flipped():
    _, data = _task(10)
    probes, originals = data.test.X, data.test.Y
    assert probes.shape == (300, 3, 100) and np.array_equal(probes[:, 0], probes[:, 2])
    assert np.all(np.sum(probes[:, 0] != originals, axis=1) == 20)
    assert len(np.unique(originals, axis=0)) == 10


def _overlap(model: str, patterns: int, params=None) -> float:
    task, data = _task(patterns)
    cls = get_model(model)
    adapter = cls(cls.resolve("pattern-completion", params or {}), 0, data, "pattern-completion")
    adapter.fit()
    return task.score(data, adapter.predict(data.test))["overlap"]


def test_the_hopfield_network_completes_below_its_capacity_and_fails_above():
    """Measured overlaps at loads 0.05, 0.1, 0.2, 0.3: 1.0, 0.991, 0.770, 0.456 (classical),
    1.0 at every load (modern, beta = 1)."""
    assert _overlap("hopfield", 5) == 1.0
    assert _overlap("hopfield", 10) > 0.98
    assert _overlap("hopfield", 30) < 0.6
    assert _overlap("modern-hopfield", 30) == 1.0


def test_a_gru_learns_to_denoise_the_same_patterns():
    assert _overlap("gru", 10, {"epochs": 10}) > 0.95  # measured 1.0


def test_associative_models_refuse_other_tasks_when_built():
    data = get_task("narma10")({"n_train": 300, "n_val": 100, "n_test": 100}).build(0)
    for name in ("hopfield", "modern-hopfield"):
        cls = get_model(name)
        with pytest.raises(HarnessError, match="pattern"):
            cls(cls.resolve("narma10", {}), 0, data, "narma10")
