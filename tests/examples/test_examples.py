"""Every example runs, small, and writes its figure."""

import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


NEEDS = {
    "hopfield_digits.py": "sklearn",
    "snn_digits.py": "sklearn",
}  # examples that use an optional package


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_example_runs_quick(script, tmp_path, monkeypatch, capsys):
    if script in NEEDS:
        pytest.importorskip(NEEDS[script])
    monkeypatch.setattr(sys, "argv", [script, "--quick", "--out", str(tmp_path)])
    runpy.run_path(str(EXAMPLES / script), run_name="__main__")
    figures = list(tmp_path.glob("*.png"))
    assert figures and all(f.stat().st_size > 10_000 for f in figures)
    assert "figure:" in capsys.readouterr().out
