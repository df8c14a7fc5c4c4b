"""The results database keeps every column it documents, and opens databases written by
earlier versions (a file written by neurodyn 0.1.0, which stored no traceback)."""

import shutil
import sqlite3
from pathlib import Path

from neurodyn.harness.store import ResultStore

OLD = Path(__file__).parent / "data" / "results_v0.sqlite"


def _failed(run_id: str) -> dict:
    return {"run_id": run_id, "task": "narma10", "model": "esn", "seed": 2,
            "params": {"task": {}, "model": {}}, "status": "failed", "metrics": {},
            "error": "ValueError: boom", "traceback": "Traceback ...\nValueError: boom"}  # fmt: skip


def test_the_traceback_of_a_failed_run_is_stored(tmp_path):
    store = ResultStore(tmp_path / "results.sqlite")
    store.record(_failed("new"))
    (row,) = store.runs(status="failed")
    assert row["traceback"].endswith("ValueError: boom")
    store.close()


def test_a_database_of_the_earlier_schema_is_migrated(tmp_path):
    path = tmp_path / "results.sqlite"
    shutil.copy(OLD, path)
    with sqlite3.connect(path) as connection:
        columns = {row[1] for row in connection.execute("PRAGMA table_info(runs)")}
    assert "traceback" not in columns  # the file really is of the old schema
    store = ResultStore(path)
    store.record(_failed("new"))
    rows = {row["run_id"]: row for row in store.runs()}
    assert set(rows) == {"old-done", "old-failed", "new"}
    assert rows["old-done"]["metrics"] == {"nrmse": 0.5} and rows["old-done"]["traceback"] is None
    assert rows["new"]["traceback"].endswith("ValueError: boom")
    store.close()
    readonly = ResultStore(path, readonly=True)
    assert len(readonly.runs()) == 3
    readonly.close()
