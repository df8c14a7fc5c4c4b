"""The results database: one SQLite file, ``results.sqlite``, in the output folder.

Schema (query it with any SQLite client)::

    CREATE TABLE runs (
        run_id            TEXT PRIMARY KEY,  -- hash of task, model, parameters and seed
        task              TEXT NOT NULL,     -- e.g. "narma10"
        model             TEXT NOT NULL,     -- e.g. "esn"
        params            TEXT NOT NULL,     -- JSON {"task": {...}, "model": {...}}, every value used
        seed              INTEGER NOT NULL,
        status            TEXT NOT NULL,     -- "done" or "failed"
        metrics           TEXT NOT NULL,     -- JSON {"nrmse": ..., ...}
        error             TEXT,              -- the exception, for failed runs
        traceback         TEXT,              -- its traceback
        metric            TEXT,              -- the task's primary metric name
        lower_is_better   INTEGER,           -- 1 if smaller is better for that metric
        family            TEXT,              -- "reservoir", "gradient", ...
        n_parameters      INTEGER,           -- trainable parameters
        train_seconds     REAL,              -- the fit, after a warm-up that compiled the kernels
        compile_seconds   REAL,              -- that warm-up: a tiny fit (JIT compilation or cache load)
        infer_us_per_step REAL,              -- inference time per step (or per sequence step)
        peak_mb           REAL,              -- peak of NumPy allocations while fitting (tracemalloc)
        curve             TEXT,              -- JSON list: training loss per epoch (gradient models)
        sample            TEXT,              -- JSON {"target": [...], "prediction": [...]}
        wall_seconds      REAL,
        version           TEXT,              -- neurodyn version
        finished_at       TEXT               -- UTC, ISO 8601
    );

Each finished run is written in its own transaction (WAL journal), so a process
killed at any moment loses at most the run in progress, never a completed one.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from pathlib import Path

from neurodyn.harness.registry import DatabaseError

__all__ = ["ResultStore"]

_COLUMNS = {
    "run_id": "TEXT PRIMARY KEY",
    "task": "TEXT NOT NULL",
    "model": "TEXT NOT NULL",
    "params": "TEXT NOT NULL",
    "seed": "INTEGER NOT NULL",
    "status": "TEXT NOT NULL",
    "metrics": "TEXT NOT NULL",
    "error": "TEXT",
    "traceback": "TEXT",
    "metric": "TEXT",
    "lower_is_better": "INTEGER",
    "family": "TEXT",
    "n_parameters": "INTEGER",
    "train_seconds": "REAL",
    "compile_seconds": "REAL",
    "infer_us_per_step": "REAL",
    "peak_mb": "REAL",
    "curve": "TEXT",
    "sample": "TEXT",
    "wall_seconds": "REAL",
    "version": "TEXT",
    "finished_at": "TEXT",
}
_JSON = ("params", "metrics", "curve", "sample")


class ResultStore:
    """Open (or create) ``path``; raises :class:`HarnessError` for unusable files."""

    def __init__(self, path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        if readonly and not self.path.exists():
            raise DatabaseError(f"{self.path}: no results database here")
        try:
            uri = f"file:{self.path}?mode=ro" if readonly else str(self.path)
            self.connection = sqlite3.connect(uri, uri=readonly, timeout=30.0, isolation_level=None)
            if not readonly:
                self.connection.execute("PRAGMA journal_mode=WAL")
                self.connection.execute("PRAGMA synchronous=NORMAL")
                columns = ", ".join(f"{name} {kind}" for name, kind in _COLUMNS.items())
                self.connection.execute(f"CREATE TABLE IF NOT EXISTS runs ({columns})")
                self._migrate()
            self.connection.execute("SELECT count(*) FROM runs").fetchone()
        except sqlite3.OperationalError as error:
            if (
                "readonly" in str(error)
                or "read-only" in str(error)
                or "unable to open" in str(error)
            ):
                raise DatabaseError(
                    f"{self.path}: cannot write the results database ({error}); "
                    "choose another --out or fix its permissions"
                ) from None
            raise DatabaseError(f"{self.path}: not a usable results database ({error})") from None
        except sqlite3.DatabaseError as error:
            raise DatabaseError(
                f"{self.path}: corrupt or not an SQLite database ({error}); "
                "move it away to start a new one"
            ) from None

    def _migrate(self) -> None:
        """Add the columns a database written by an earlier version lacks (their values
        NULL for its rows): 0.1.0 wrote no ``traceback`` and no ``compile_seconds``."""
        present = {row[1] for row in self.connection.execute("PRAGMA table_info(runs)")}
        for name, kind in _COLUMNS.items():
            if name not in present:
                self.connection.execute(f"ALTER TABLE runs ADD COLUMN {name} {kind}")

    def completed(self) -> set[str]:
        """run_ids already recorded (done or failed)."""
        return {row[0] for row in self.connection.execute("SELECT run_id FROM runs")}

    def record(self, result: dict) -> None:
        from neurodyn import __version__

        row = {name: result.get(name) for name in _COLUMNS}
        row["version"] = __version__
        row["finished_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        )
        row["lower_is_better"] = (
            None if result.get("lower_is_better") is None else int(result["lower_is_better"])
        )
        for name in _JSON:
            row[name] = json.dumps(result.get(name) if result.get(name) is not None else {})
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        try:
            with self.connection:  # one transaction per run
                self.connection.execute("BEGIN IMMEDIATE")
                self.connection.execute(
                    f"INSERT OR REPLACE INTO runs ({names}) VALUES ({marks})", tuple(row.values())
                )
        except sqlite3.OperationalError as error:
            raise DatabaseError(f"{self.path}: could not record a run ({error})") from None

    def runs(self, *, status: str | None = None) -> list[dict]:
        query = (
            "SELECT * FROM runs"
            + (" WHERE status = ?" if status else "")
            + " ORDER BY task, model, seed"
        )
        cursor = self.connection.execute(query, (status,) if status else ())
        names = [d[0] for d in cursor.description]
        rows = []
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            for name in _JSON:
                row[name] = json.loads(row[name]) if row[name] else {}
            rows.append(row)
        return rows

    def close(self) -> None:
        self.connection.close()
