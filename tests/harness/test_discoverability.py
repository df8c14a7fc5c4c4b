"""What a new user can find out from the command line: the version, every model and task,
and each one's parameters with type, default and meaning."""

import pytest

from neurodyn import __version__
from neurodyn.cli import main
from neurodyn.harness import registry
from neurodyn.harness.tasks import COMMON_DOCS


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"neurodyn {__version__}"


@pytest.mark.parametrize("name", registry.model_names(available_only=False))
def test_every_model_parameter_is_documented(name, capsys):
    model = registry.get_model(name)
    assert set(model.defaults) <= set(model.parameter_docs)
    assert main(["models", name]) == 0
    out = capsys.readouterr().out
    for parameter, value in model.defaults.items():
        assert f"{parameter} " in out and type(value).__name__ in out


@pytest.mark.parametrize("name", registry.task_names())
def test_every_task_parameter_is_documented(name, capsys):
    task = registry.get_task(name)
    assert set(task.defaults) <= set(COMMON_DOCS | task.parameter_docs)
    assert main(["tasks", name]) == 0
    assert f"metric: {task.metric}" in capsys.readouterr().out


def test_models_missing_a_dependency_are_listed_as_unavailable(monkeypatch, capsys):
    torch_lstm = registry.get_model("torch-lstm")
    monkeypatch.setattr(torch_lstm, "available", classmethod(lambda cls: False))
    assert main(["models"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("torch-lstm"))
    assert "unavailable" in line
    assert main(["models", "nope"]) == 2
    assert "valid models" in capsys.readouterr().err
