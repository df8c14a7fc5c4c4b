"""One harness run: build the task's data, fit a model, score it, time it.

A run is described by a plain dictionary (so it can cross process and network
boundaries)::

    {"task": "narma10", "model": "esn", "seed": 0,
     "task_params": {...}, "model_params": {...}}

and :func:`execute` returns a plain dictionary of results; failures are
returned, not raised, with the error text.
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
import tracemalloc

import numpy as np

from neurodyn.harness.registry import get_model, get_task

__all__ = ["execute", "run_id"]

SAMPLE = 300  # test steps (series) or sequences kept for the "predictions" figure


def run_id(spec: dict) -> str:
    """A stable hash of task, model, parameters and seed (the database key)."""
    key = {k: spec[k] for k in ("task", "model", "seed")}
    key["params"] = {"task": spec.get("task_params", {}), "model": spec.get("model_params", {})}
    text = json.dumps(key, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _sample(data, predictions) -> dict:
    """A small slice of targets and predictions for plotting (first output)."""
    true = np.asarray(data.test.Y)
    pred = np.asarray(predictions)
    if data.output == "classification":
        return {}
    if data.kind == "series":
        return {"target": true[:SAMPLE, 0].tolist(), "prediction": pred[:SAMPLE, 0].tolist()}
    if true.ndim == 3:  # one sequence, all steps
        return {"target": true[0, :, 0].tolist(), "prediction": pred[0, :, 0].tolist()}
    return {"target": true[:SAMPLE, 0].tolist(), "prediction": pred[:SAMPLE, 0].tolist()}


def _steps(data) -> int:
    """Time steps the test predictions cover (every step of every sequence)."""
    X, Y = data.test.X, np.asarray(data.test.Y)
    if data.kind == "series":
        return X.shape[0]
    length = X.shape[1] if X.ndim == 3 else (Y.shape[1] if Y.ndim == 3 else 1)
    return X.shape[0] * length


# Small values of the parameters that set a model's size or length, for the warm-up run.
TINY = {"n_units": 50, "n_hidden": 3, "n_neurons": 20, "epochs": 1, "window": 10, "stride": 5,
        "washout": 2, "intrinsic_epochs": 1, "patience": 0}  # fmt: skip


def tiny_data(data):
    """The first few steps (series) or sequences of each split: the same kinds, shapes and
    dtypes as ``data``, so a model fitted on it compiles what the real fit will run."""
    from neurodyn.harness.tasks import Split, TaskData

    count = 40 if data.kind == "series" else 6
    parts = [Split(split.X[:count], split.Y[:count]) for split in (data.train, data.val, data.test)]
    return TaskData(data.kind, *parts, output=data.output, n_classes=data.n_classes,
                    warmup=min(data.warmup, 5), extras=data.extras)  # fmt: skip


def warm_up(adapter_cls, params: dict, data, task_name: str = "") -> float:
    """Fit and predict a tiny version of the model on a tiny version of the data, so that
    Numba compiles its kernels (or loads them from the cache) outside the timed fit;
    returns the seconds it took. Best effort: an error here is left to the real run."""
    tiny = {key: value for key, value in TINY.items() if key in adapter_cls.defaults}
    small = tiny_data(data)
    start = time.perf_counter()
    try:
        adapter = adapter_cls(params | tiny, 0, small, task_name)
        adapter.fit()
        adapter.predict(small.test)
    except Exception:
        pass
    return time.perf_counter() - start


def execute(spec: dict) -> dict:
    """Run one configuration; never raises for a failing model or task."""
    started = time.time()
    result = {
        "run_id": run_id(spec),
        "task": spec["task"],
        "model": spec["model"],
        "seed": spec["seed"],
        "params": {"task": spec.get("task_params", {}), "model": spec.get("model_params", {})},
    }
    try:
        task = get_task(spec["task"])(spec.get("task_params", {}))
        adapter_cls = get_model(spec["model"])
        data = task.build(spec["seed"])
        adapter = adapter_cls(spec.get("model_params", {}), spec["seed"], data, task.name)
        adapter.progress = bool(spec.get("progress", False))
        result["params"] = {"task": task.params, "model": adapter.params}
        compile_seconds = warm_up(adapter_cls, adapter.params, data, task.name)
        tracemalloc.start()
        start = time.perf_counter()
        adapter.fit()
        train_seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        start = time.perf_counter()
        predictions = adapter.predict(data.test)
        infer_seconds = time.perf_counter() - start
        steps = _steps(data)
        scores = task.score(data, predictions) | task.extra(data, adapter)
        extra = adapter.extra_metrics(data.test)
        if set(extra) & set(scores):
            raise ValueError(f"model metrics {sorted(set(extra) & set(scores))} shadow the task's")
        scores |= extra
        if not all(np.isfinite(v) for v in scores.values()):
            raise FloatingPointError(f"non-finite metrics {scores}")
        sample = _sample(data, predictions)
        if hasattr(task, "samples"):  # text a model writes, for the report
            sample = task.samples(data, adapter, spec["seed"])
        result |= {
            "status": "done",
            "metrics": scores,
            "metric": task.metric,
            "lower_is_better": task.lower_is_better,
            "n_parameters": int(adapter.n_parameters),
            "train_seconds": train_seconds,
            "compile_seconds": compile_seconds,
            "infer_us_per_step": 1e6 * infer_seconds / max(int(steps), 1),
            "peak_mb": peak / 2**20,
            "curve": [float(v) for v in adapter.curve],
            "sample": sample,
            "family": adapter_cls.family,
            "error": None,
        }
    except Exception as error:  # a failing configuration is recorded, not fatal
        if tracemalloc.is_tracing():
            tracemalloc.stop()
        result |= {
            "status": "failed",
            "metrics": {},
            "error": f"{type(error).__name__}: {error}",
            "traceback": traceback.format_exc(limit=8),
        }
    result["wall_seconds"] = time.time() - started
    return result
