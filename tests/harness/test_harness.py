import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from neurodyn.cli import main
from neurodyn.harness import (
    HarnessError,
    ModelAdapter,
    Split,
    Task,
    TaskData,
    load_spec,
    plan,
    register_model,
    register_task,
    run_plan,
)
from neurodyn.harness.store import ResultStore

SMALL_ESN = [
    "--set",
    "task.length=10",
    "--set",
    "task.n_train=256",
    "--set",
    "task.n_val=64",
    "--set",
    "task.n_test=128",
    "--set",
    "esn.n_units=50",
]
SMALL_ADDING = [*SMALL_ESN, "--set", "gru.n_hidden=8", "--set", "gru.epochs=3"]


def database_rows(out: Path) -> list[dict]:
    with sqlite3.connect(out / "results.sqlite") as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute("SELECT * FROM runs ORDER BY model, seed")]


def test_compare_end_to_end(tmp_path, capsys):
    out = tmp_path / "compare"
    status = main(
        [
            "compare",
            "--task",
            "adding",
            "--models",
            "esn,gru",
            "--seeds",
            "2",
            "--out",
            str(out),
            *SMALL_ADDING,
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    rows = database_rows(out)
    assert [(r["model"], r["seed"], r["status"]) for r in rows] == [
        ("esn", 0, "done"),
        ("esn", 1, "done"),
        ("gru", 0, "done"),
        ("gru", 1, "done"),
    ]
    # the printed table holds the database's numbers
    for model in ("esn", "gru"):
        values = [json.loads(r["metrics"])["mse"] for r in rows if r["model"] == model]
        line = next(line for line in printed.splitlines() if f"| {model} " in line)
        assert f"mse {np.mean(values):.4g} ± {np.std(values):.2g}" in line
        parameters = next(r["n_parameters"] for r in rows if r["model"] == model)
        assert f"{parameters:,}" in line
    assert json.loads(rows[0]["params"])["model"]["n_units"] == 50  # full parameters recorded
    for name in (
        "report.md",
        "results.csv",
        "adding_metric.png",
        "adding_pareto.png",
        "adding_predictions.png",
        "adding_learning_curves.png",
    ):
        assert (out / name).stat().st_size > 0, name
    with open(out / "results.csv") as stream:
        assert len(list(csv.DictReader(stream))) == 4
    # running again repeats nothing; `report` rebuilds the same table
    assert (
        main(
            [
                "compare",
                "--task",
                "adding",
                "--models",
                "esn,gru",
                "--seeds",
                "2",
                "--out",
                str(out),
                "--quiet",
                *SMALL_ADDING,
            ]
        )
        == 0
    )
    assert [r["finished_at"] for r in database_rows(out)] == [r["finished_at"] for r in rows]
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    reported = capsys.readouterr().out
    assert [line for line in reported.splitlines() if line.startswith("| adding")] == [
        line for line in printed.strip().splitlines() if line.startswith("| adding")
    ]
    assert "- mse: mean squared error" in reported  # every metric explained
    assert all(r["compile_seconds"] is not None for r in rows)  # the warm-up, apart


SPEC = """
task = "narma10"
models = ["esn"]
seeds = [0, 1]
[set]
"task.n_train" = 600
"task.n_val" = 100
"task.n_test" = 300
"task.warmup" = 50
"esn.washout" = 50
[grid]
"esn.n_units" = [20, 40]
"esn.spectral_radius" = [0.8, -1.0]
"""


def test_a_bad_value_stops_the_plan_and_writes_nothing(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    out = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--out", str(out), "--quiet"]) == 2
    assert "Reservoir.spectral_radius: must be in (0, inf] (got -1)" in capsys.readouterr().err
    assert not out.exists()


@register_model("test-flaky")
class Flaky(ModelAdapter):
    """Fails while fitting on odd seeds (until ``fixed`` is set): a failure after the start."""

    family = "baseline"
    description = "fails on odd seeds"
    defaults = {"gain": 1.0}
    parameter_docs = {"gain": "output gain"}
    fixed = False

    def fit(self):
        if self.seed % 2 and not Flaky.fixed:
            raise RuntimeError(f"seed {self.seed} breaks")

    def predict(self, split):
        return self.params["gain"] * split.X

    @property
    def n_parameters(self):
        return 0


def test_failures_after_the_start_are_recorded_resumed_and_retried(tmp_path, capsys):
    out = tmp_path / "runs"
    command = ["compare", "--task", "narma10", "--models", "test-flaky", "--seeds", "4",
               "--out", str(out), "--set", "task.n_train=300", "--set", "task.n_test=200"]  # fmt: skip
    assert main(command) == 0
    rows = database_rows(out)
    failed = [r for r in rows if r["status"] == "failed"]
    assert [r["seed"] for r in failed] == [1, 3]
    assert all("seed" in r["error"] and "RuntimeError" in r["traceback"] for r in failed)
    assert "0 already recorded, 4 to run" in capsys.readouterr().out
    assert main(command) == 0  # resumed: nothing to run
    assert "4 already recorded, 0 to run" in (printed := capsys.readouterr().out)
    assert str(out / "report.md") in printed
    assert [r["finished_at"] for r in database_rows(out)] == [r["finished_at"] for r in rows]
    Flaky.fixed = True
    try:
        assert main([*command, "--retry-failed"]) == 0
    finally:
        Flaky.fixed = False
    assert "2 already recorded, 2 to run" in capsys.readouterr().out
    assert all(r["status"] == "done" for r in database_rows(out))


def test_output_paths_that_cannot_be_used_are_usage_errors(tmp_path, capsys):
    a_file = tmp_path / "taken"
    a_file.write_text("")
    for out, reason in ((a_file, "is a file"), (a_file / "sub", "cannot write there")):
        assert main(["compare", "--task", "narma10", "--models", "esn", "--out", str(out)]) == 2
        assert reason in capsys.readouterr().err
    assert main(["compare", "--task", "narma10", "--models", "", "--out", str(tmp_path)]) == 2
    assert "no model given" in capsys.readouterr().err


def test_random_sample_spec(tmp_path):
    spec = tmp_path / "sample.toml"
    spec.write_text(
        'task = "narma10"\nmodels = ["esn"]\nseeds = [0]\n[sample]\nn = 5\n'
        '"esn.leak_rate" = {low = 0.1, high = 1.0}\n"esn.n_units" = [10, 20]\n'
    )
    _task, _models, _seeds, settings = load_spec(spec)
    assert len(settings) == 5
    assert all(0.1 <= s["esn.leak_rate"] <= 1.0 and s["esn.n_units"] in (10, 20) for s in settings)


def test_sweep_survives_sigkill(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(
        SPEC.replace("[0.8, -1.0]", "[0.7, 0.8, 0.9]").replace("[20, 40]", "[20, 40, 60, 80]")
    )
    out = tmp_path / "killed"
    command = [
        sys.executable,
        "-m",
        "neurodyn.cli",
        "sweep",
        str(spec),
        "--out",
        str(out),
        "--quiet",
    ]
    process = subprocess.Popen(command)
    database = out / "results.sqlite"
    deadline = time.time() + 120
    before = []
    while time.time() < deadline:
        if database.exists():
            try:
                before = database_rows(out)
            except sqlite3.OperationalError:
                before = []
            if len(before) >= 3:
                break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert 3 <= len(before) < 24, "kill the sweep part-way"
    survived = {r["run_id"]: r["finished_at"] for r in database_rows(out)}
    assert subprocess.run(command).returncode == 0
    rows = database_rows(out)
    assert len(rows) == 24 and len({r["run_id"] for r in rows}) == 24
    assert all(r["status"] == "done" for r in rows)
    for row in rows:  # nothing that had completed ran again
        if row["run_id"] in survived:
            assert row["finished_at"] == survived[row["run_id"]]


def test_parallel_workers_and_dask_give_the_local_results(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.replace(", -1.0]", "]"))
    specs = plan(*load_spec(spec))
    run_plan(specs, tmp_path / "local", quiet=True)
    run_plan(specs, tmp_path / "workers", workers=2, quiet=True)
    local = {r["run_id"]: r["metrics"] for r in database_rows(tmp_path / "local")}
    assert {r["run_id"]: r["metrics"] for r in database_rows(tmp_path / "workers")} == local
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        run_plan(specs, tmp_path / "dask", scheduler=cluster.scheduler_address, quiet=True)
    assert {r["run_id"]: r["metrics"] for r in database_rows(tmp_path / "dask")} == local


def test_unknown_names_list_the_valid_ones(tmp_path, capsys):
    assert (
        main(["compare", "--task", "tetris", "--models", "esn", "--out", str(tmp_path / "a")]) == 2
    )
    assert "valid tasks: adding, anomaly, copy" in capsys.readouterr().err
    assert (
        main(
            [
                "compare",
                "--task",
                "adding",
                "--models",
                "esn,transformer",
                "--out",
                str(tmp_path / "b"),
            ]
        )
        == 2
    )
    assert "valid models: elman, esn, gru, hopfield" in capsys.readouterr().err
    assert (
        main(
            [
                "compare",
                "--task",
                "adding",
                "--models",
                "esn",
                "--out",
                str(tmp_path / "c"),
                "--set",
                "esn.units=5",
            ]
        )
        == 2
    )
    assert "n_units" in capsys.readouterr().err


def test_malformed_spec_points_at_line_and_key(tmp_path, capsys):
    spec = tmp_path / "bad.toml"
    spec.write_text('task = "narma10"\nmodels = ["esn"]\n\n[grid]\nn_units = [10, 20]\n')
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    assert "line 5" in (error := capsys.readouterr().err) and "'n_units'" in error
    spec.write_text('task = "narma10"\nmodels = "esn"\n')
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    assert "line 2" in (error := capsys.readouterr().err) and "'models'" in error
    spec.write_text('task = "narma10"\nmodels = ["esn"\n')
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    assert "malformed TOML" in capsys.readouterr().err


def test_corrupt_or_read_only_database(tmp_path, capsys):
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "results.sqlite").write_bytes(b"definitely not sqlite" * 100)
    assert (
        main(["compare", "--task", "adding", "--models", "esn", "--out", str(corrupt), *SMALL_ESN])
        == 1
    )
    assert "corrupt" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "nowhere")]) == 1
    assert "no results database" in capsys.readouterr().err
    unwritable = tmp_path / "unwritable"
    (unwritable / "results.sqlite").mkdir(parents=True)  # cannot be opened as a file, even by root
    assert (
        main(
            ["compare", "--task", "adding", "--models", "esn", "--out", str(unwritable), *SMALL_ESN]
        )
        == 1
    )
    assert "cannot write the results database" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files")
def test_read_only_database(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    ResultStore(locked / "results.sqlite").close()
    (locked / "results.sqlite").chmod(0o444)
    locked.chmod(0o555)
    try:
        assert (
            main(
                ["compare", "--task", "adding", "--models", "esn", "--out", str(locked), *SMALL_ESN]
            )
            == 1
        )
        assert "cannot write" in capsys.readouterr().err
    finally:
        locked.chmod(0o755)


def test_user_registered_task_and_model(tmp_path):
    @register_task("test-echo")
    class Echo(Task):
        description = "predict the input itself"
        defaults = {"n": 200}

        def build(self, seed):
            x = np.random.default_rng(seed).normal(size=(self.params["n"], 1))
            return TaskData("series", Split(x, x), Split(x, x), Split(x, x))

    @register_model("test-identity")
    class Identity(ModelAdapter):
        family = "baseline"
        description = "returns its input"
        defaults = {"gain": 1.0}

        def fit(self):
            pass

        def predict(self, split):
            return self.params["gain"] * split.X

        @property
        def n_parameters(self):
            return 0

    counts = run_plan(
        plan("test-echo", ["test-identity"], [0], [{"test-identity.gain": 1.0}]),
        tmp_path,
        quiet=True,
    )
    assert counts["done"] == 1
    assert json.loads(database_rows(tmp_path)[0]["metrics"])["nrmse"] == 0.0
    with pytest.raises(HarnessError, match="valid: gain"):
        plan("test-echo", ["test-identity"], [0], [{"test-identity.offset": 1.0}])


def test_run_ids_depend_on_the_values_not_on_how_they_were_written():
    ids = {
        run_id_of(plan("narma10", ["esn"], [0], [setting])[0])
        for setting in (
            {"esn.n_units": "500"},
            {"esn.n_units": 500},
            {"esn.n_units": 500.0},
            {},
            {"esn.ridge": 1e-8},
        )  # narma10's own default for the ESN's ridge
    }
    assert len(ids) == 1
    assert len({run_id_of(plan("narma10", ["esn"], [0], [{"esn.n_units": 400}])[0]), *ids}) == 2


def run_id_of(spec):
    from neurodyn.harness import run_id

    return run_id(spec)


def test_report_rows_are_configurations(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.replace(", -1.0]", "]").replace("[0.8]", "[0.8, 0.9]"))
    run_plan(plan(*load_spec(spec)), tmp_path, quiet=True)
    from neurodyn.harness import write_report

    table = write_report(tmp_path, quiet=True)
    rows = [line for line in table.splitlines() if line.startswith("| narma10")]
    assert len(rows) == 4  # 2 sizes x 2 spectral radii, each over 2 seeds
    assert all("model.n_units=" in row and "model.spectral_radius=" in row for row in rows)
    assert all("| 2     |" in row for row in rows)


def test_bad_values_and_sections_are_usage_errors(tmp_path, capsys):
    assert (
        main(
            [
                "compare",
                "--task",
                "adding",
                "--models",
                "esn",
                "--out",
                str(tmp_path / "a"),
                "--set",
                "task.n_train=abc",
            ]
        )
        == 2
    )
    assert "n_train = 'abc' is not a valid int" in capsys.readouterr().err
    spec = tmp_path / "bad.toml"
    spec.write_text('task = "narma10"\nmodels = ["esn"]\nset = 5\n')
    assert main(["sweep", str(spec), "--out", str(tmp_path / "b")]) == 2
    assert "line 3" in (error := capsys.readouterr().err) and "'set'" in error


def test_inference_time_counts_every_step_of_every_sequence():
    from neurodyn.harness.runner import _steps
    from neurodyn.harness.tasks import Adding, Digits, SineGeneration

    adding = Adding({"length": 20, "n_train": 10, "n_val": 5, "n_test": 7}).build(0)
    assert _steps(adding) == 7 * 20  # targets (7, 1), one per sequence, but 20 steps each
    assert (
        _steps(SineGeneration({"length": 30, "n_test": 4, "n_train": 4, "n_val": 4}).build(0))
        == 4 * 30
    )
    pytest.importorskip("sklearn")
    digits = Digits().build(0)
    assert _steps(digits) == digits.test.X.shape[0] * 8
