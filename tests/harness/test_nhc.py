"""The neural history compressor in the harness: next-symbol prediction on reber and
text, with the share of symbols each level received in the results and the report."""

import numpy as np
import pytest

from neurodyn.cli import main
from neurodyn.harness import HarnessError
from neurodyn.harness.registry import get_model, get_task


def _remembered(params: dict, seed: int) -> float:
    task = get_task("reber")({"n_train": 1000, "n_val": 100, "n_test": 300})
    data = task.build(seed)
    adapter = get_model("nhc")(params, seed, data, "reber")
    adapter.fit()
    return task.score(data, adapter.predict(data.test))["remembered"]


def test_the_second_level_remembers_the_reber_branch():
    """The branch symbol must be recalled about ten steps on, beyond level 0's truncation
    (3 steps); the level above reads it a few of its own steps back. Measured (seeds
    0-2): two levels 0.77, 0.94, 0.95; level 0 alone 0.74, 0.60, 0.62 (chance 0.5)."""
    two = np.mean([_remembered({}, seed) for seed in range(3)])
    one = np.mean([_remembered({"levels": 1}, seed) for seed in range(3)])
    assert two >= 0.8
    assert two >= one + 0.1


def test_level_shares_reach_the_report(tmp_path, capsys):
    out = tmp_path / "run"
    settings = ["--set", "task.sample=0", "--set", "nhc.epochs=1", "--set", "nhc.n_hidden=8"]
    code = main(["compare", "--task", "text", "--models", "nhc", "--seeds", "1", "--out",
                 str(out), "--quiet", *settings])  # fmt: skip
    assert code == 0
    report = (out / "report.md").read_text()
    assert "level1_share" in report
    assert "- level1_share: nhc: fraction of the test symbols" in report
    share = float(report.split("level1_share ")[1].split(",")[0])
    assert 0.0 < share <= 1.0
    assert "- upper_weight: nhc: weight of the level above" in report


def test_other_tasks_are_refused_by_name():
    data = get_task("mackey-glass")({}).build(0)
    with pytest.raises(HarnessError, match=r"nhc.*next-symbol task"):
        get_model("nhc")({}, 0, data, "mackey-glass")
    reber = get_task("reber")({"n_train": 10, "n_val": 5, "n_test": 5}).build(0)
    with pytest.raises(HarnessError, match="threshold"):
        get_model("nhc")({"threshold": 2.0}, 0, reber, "reber")
