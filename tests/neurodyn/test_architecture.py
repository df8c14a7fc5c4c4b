"""What docs/architecture.md promises about the layout, checked."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = ("reservoir", "hopfield", "rnn", "snn")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("family", [f for f in FAMILIES if (ROOT / f).is_dir()])
def test_families_import_the_core_and_not_each_other(family):
    for path in (ROOT / family).rglob("*.py"):
        others = _imports(path) & (set(FAMILIES) - {family})
        assert not others, f"{path.relative_to(ROOT)} imports {others}"


def test_submodules_load_on_first_use():
    code = "import neurodyn; neurodyn.metrics.nrmse; neurodyn.readouts.Ridge; print('ok')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr


def test_the_readouts_are_the_cores():
    import reservoir
    from neurodyn import readouts

    assert reservoir.Ridge is readouts.Ridge and reservoir.RLS is readouts.RLS


def test_no_class_drives_another_classes_private_members():
    """The ESN uses the Reservoir and its readout through public methods only."""
    tree = ast.parse((ROOT / "reservoir" / "esn.py").read_text())
    private = {
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and ast.unparse(node.value) in ("reservoir", "self.reservoir", "readout", "self.readout")
    }
    assert not private, private


def test_modules_stay_short():
    for family in ("neurodyn", *FAMILIES):
        for path in (ROOT / family).rglob("*.py") if (ROOT / family).is_dir() else []:
            assert len(path.read_text().splitlines()) < 700, path.relative_to(ROOT)
