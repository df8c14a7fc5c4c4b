"""Planning and executing harness runs: ``compare`` and resumable ``sweep``.

A sweep specification is a TOML file::

    task = "narma10"
    models = ["esn"]
    seeds = [0, 1, 2]
    [grid]                      # every combination
    "esn.n_units" = [50, 100]
    "esn.spectral_radius" = [0.8, 0.9, 1.0]
    [sample]                    # or n random draws (lists: choices; {low, high, log}: ranges)
    n = 20
    "esn.leak_rate" = {low = 0.1, high = 1.0}
    [set]                       # fixed values for every run
    "task.n_train" = 2000

Keys are ``model.parameter`` (applied to that model only) or ``task.parameter``.
Runs already in the database (done or failed) are skipped, so a killed sweep
started again finishes the missing runs and repeats none.
"""

from __future__ import annotations

import itertools
import os
import re
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import tomllib

from neurodyn.harness.registry import HarnessError, get_model, get_task
from neurodyn.harness.runner import execute, run_id, warm_up
from neurodyn.harness.store import ResultStore
from neurodyn.progress import Progress

__all__ = ["load_spec", "parse_assignments", "plan", "run_plan"]

_SPEC_KEYS = {"task", "models", "seeds", "grid", "sample", "set"}


def parse_assignments(items: list[str]) -> dict[str, object]:
    """``["esn.n_units=1000", "task.length=100"]`` → {"esn.n_units": "1000", ...}."""
    result = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or "." not in key:
            raise HarnessError(
                f"--set {item!r}: expected MODEL.PARAMETER=VALUE or task.PARAMETER=VALUE"
            )
        result[key.strip()] = value.strip()
    return result


def _split_key(key: str) -> tuple[str, str]:
    owner, _, parameter = key.partition(".")
    if not owner or not parameter:
        raise HarnessError(f"{key!r}: expected MODEL.PARAMETER or task.PARAMETER")
    return owner, parameter


def plan(task: str, models: list[str], seeds: list[int], settings: list[dict]) -> list[dict]:
    """Run specifications for every model × settings × seed, names and values checked first.

    Parameters are resolved to complete, typed sets, so that a configuration has one
    run_id however its values were written (or left to their defaults).
    """
    get_task(task)
    if not models:
        raise HarnessError("no model given (--models NAME,NAME; see `neurodyn models`)")
    for model in models:
        get_model(model)
    specs = []
    for setting in settings:
        task_params = {}
        per_model = {model: {} for model in models}
        for key, value in setting.items():
            owner, parameter = _split_key(key)
            if owner == "task":
                task_params[parameter] = value
            elif owner in per_model:
                per_model[owner][parameter] = value
            else:
                raise HarnessError(
                    f"{key!r}: {owner!r} is neither 'task' nor one of the models {models}"
                )
        task_params = get_task(task)(task_params).params
        for model in models:
            model_params = get_model(model).resolve(task, per_model[model])
            for seed in seeds:
                specs.append(
                    {
                        "task": task,
                        "model": model,
                        "seed": int(seed),
                        "task_params": task_params,
                        "model_params": model_params,
                    }
                )
    unique = list({run_id(spec): spec for spec in specs}.values())
    check_configurations(task, unique)
    return unique


def check_configurations(task_name: str, specs: list[dict]) -> None:
    """Build the task's data (seed 0) for every distinct task setting and every distinct
    configuration's model before any run, so that bad values and missing dependencies
    stop the plan, one message each, before anything is written."""
    problems, data_by_setting, seen = [], {}, set()
    for spec in specs:
        setting = repr(sorted(spec["task_params"].items()))
        if setting not in data_by_setting:
            try:
                data_by_setting[setting] = get_task(task_name)(spec["task_params"]).build(0)
            except Exception as error:  # the task cannot be built: its runs cannot start
                data_by_setting[setting] = None
                problems.append(_problem("task", task_name, error))
        data = data_by_setting[setting]
        key = (spec["model"], setting, repr(sorted(spec["model_params"].items())))
        if data is None or key in seen:
            continue
        seen.add(key)
        try:
            get_model(spec["model"])(spec["model_params"], 0, data, task_name)
        except Exception as error:
            problems.append(_problem("model", spec["model"], error))
    if problems:
        raise HarnessError("\n".join(dict.fromkeys(problems)))


def _problem(kind: str, name: str, error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text if text.startswith(f"{kind} ") else f"{kind} {name!r}: {text}"


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"""\s*["']?{re.escape(key)}["']?\s*=""", line) or line.strip() == f"[{key}]":
            return number
    return None


def load_spec(path) -> tuple[str, list[str], list[int], list[dict]]:
    """Parse a sweep TOML file into (task, models, seeds, settings)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as error:
        raise HarnessError(f"{path}: cannot read the sweep specification ({error})") from None
    try:
        spec = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise HarnessError(f"{path}: malformed TOML: {error}") from None

    def fail(key: str, problem: str):
        line = _line_of(text, key)
        where = f"{path}, line {line}" if line else str(path)
        raise HarnessError(f"{where}: key {key!r}: {problem}")

    for key in spec:
        if key not in _SPEC_KEYS:
            fail(key, f"unknown key; expected one of {sorted(_SPEC_KEYS)}")
    if not isinstance(spec.get("task"), str):
        fail("task", "expected a task name (a string)")
    models = spec.get("models")
    if not isinstance(models, list) or not models or not all(isinstance(m, str) for m in models):
        fail("models", "expected a non-empty list of model names")
    seeds = spec.get("seeds", [0])
    if not isinstance(seeds, list) or not all(isinstance(s, int) and s >= 0 for s in seeds):
        fail("seeds", "expected a list of non-negative integers")
    for section in ("set", "grid", "sample"):
        if section in spec and not isinstance(spec[section], dict):
            fail(section, f"expected a table, [{section}]")
    fixed = spec.get("set", {})
    for key, _value in fixed.items():
        if "." not in key:
            fail(key, "expected MODEL.PARAMETER or task.PARAMETER")
    settings = [dict(fixed)]
    if "grid" in spec:
        grid = spec["grid"]
        for key, values in grid.items():
            if "." not in key:
                fail(key, "expected MODEL.PARAMETER or task.PARAMETER")
            if not isinstance(values, list) or not values:
                fail(key, "expected a non-empty list of values")
        keys = list(grid)
        settings = [
            dict(fixed) | dict(zip(keys, combo, strict=True))
            for combo in itertools.product(*grid.values())
        ]
    if "sample" in spec:
        settings = [
            dict(s) | draw for s in settings for draw in _samples(spec["sample"], fail, seeds)
        ]
    try:
        get_task(spec["task"])
    except HarnessError as error:
        fail("task", str(error))
    for model in models:
        try:
            get_model(model)
        except HarnessError as error:
            fail("models", str(error))
    return spec["task"], models, seeds, settings


def _samples(section: dict, fail, seeds) -> list[dict]:
    n = section.get("n")
    if not isinstance(n, int) or n < 1:
        fail("n", "[sample] needs n = a positive integer")
    rng = np.random.default_rng(section.get("seed", 0))
    draws = [{} for _ in range(n)]
    for key, rule in section.items():
        if key in ("n", "seed"):
            continue
        if "." not in key:
            fail(key, "expected MODEL.PARAMETER or task.PARAMETER")
        for draw in draws:
            if isinstance(rule, list) and rule:
                draw[key] = rule[int(rng.integers(len(rule)))]
            elif isinstance(rule, dict) and {"low", "high"} <= set(rule):
                low, high = float(rule["low"]), float(rule["high"])
                if rule.get("log"):
                    draw[key] = float(np.exp(rng.uniform(np.log(low), np.log(high))))
                else:
                    draw[key] = float(rng.uniform(low, high))
            else:
                fail(key, "expected a list of choices or a table {low = ..., high = ...}")
    return draws


def _worker_init(threads: int) -> None:
    """Cap each worker's threads so that N workers share the cores instead of fighting."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)  # for libraries loaded later
    import numba  # already imported when this function was unpickled: set it at run time

    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional; BLAS then keeps its own default
        return
    threadpool_limits(threads)


def _warm_compile_cache(specs: list[dict]) -> None:
    """Compile the kernels once in this process, so workers load them from Numba's
    cache instead of compiling (and writing the cache) at the same time."""
    done = set()
    for spec in specs:
        if (spec["model"], spec["task"]) in done:
            continue
        done.add((spec["model"], spec["task"]))
        try:
            data = get_task(spec["task"])(spec["task_params"]).build(0)
        except Exception:  # warming is best effort; the real run reports errors
            continue
        warm_up(get_model(spec["model"]), spec["model_params"], data, spec["task"])


def run_plan(
    specs: list[dict],
    out,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    quiet: bool = False,
    retry_failed: bool = False,
) -> dict:
    """Execute the runs not yet in ``out/results.sqlite`` (``retry_failed``: and those that
    failed); returns counts."""
    out = prepare_output(out)
    store = ResultStore(out / "results.sqlite")
    recorded = (
        store.completed() if not retry_failed else {r["run_id"] for r in store.runs(status="done")}
    )
    pending = [spec for spec in specs if run_id(spec) not in recorded]
    counts = {"planned": len(specs), "skipped": len(specs) - len(pending), "done": 0, "failed": 0}
    if not quiet:
        print(f"{counts['skipped']} already recorded, {len(pending)} to run (results in {out})")
    if not pending:
        store.close()
        return counts
    if not quiet and workers <= 1 and not scheduler:
        pending = [spec | {"progress": True} for spec in pending]  # each run's own bar, inside
    with Progress(len(pending), not quiet, desc="runs", unit="run") as report:
        for result in _results(pending, workers, scheduler):
            store.record(result)
            counts[result["status"]] += 1
            report.update(1)
            if result["status"] == "failed" and not quiet:
                print(
                    f"failed: {result['task']}/{result['model']} seed {result['seed']}: {result['error']}"
                )
    store.close()
    return counts


def prepare_output(out) -> Path:
    """The output folder, created; a path that is a file or cannot be written is a usage
    error (HarnessError), not a traceback."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise HarnessError(f"--out {out}: is a file, not a folder; choose another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".neurodyn-write-test"
        probe.touch()
        probe.unlink()
    except OSError as error:
        reason = error.strerror or str(error)
        raise HarnessError(
            f"--out {out}: cannot write there ({reason}); choose another --out"
        ) from None
    return out


def _results(pending: list[dict], workers: int, scheduler: str | None):
    """Run the specifications (here, in local processes, or on a Dask cluster) and
    yield results as they finish; only this process writes the database."""
    if scheduler:
        yield from _dask_results(pending, scheduler)
        return
    if workers <= 1:
        for spec in pending:
            yield execute(spec)
        return
    _warm_compile_cache(pending)
    import multiprocessing

    threads = max(1, (os.cpu_count() or 1) // workers)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_worker_init, initargs=(threads,)
    ) as pool:
        futures = [pool.submit(execute, spec) for spec in pending]
        for future in as_completed(futures):
            try:
                result = future.result()
            except BrokenProcessPool as error:
                raise HarnessError(
                    f"a worker process died ({error}); the runs finished so far are "
                    "saved: run the same command again to continue"
                ) from None
            yield result


def _dask_results(pending: list[dict], scheduler: str):
    try:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed
    except ImportError:
        raise HarnessError(
            "--scheduler needs dask.distributed (pip install 'dask[distributed]')"
        ) from None
    try:
        client = Client(scheduler, timeout="20s")
    except OSError as error:
        raise HarnessError(
            f"--scheduler {scheduler}: cannot reach the Dask scheduler ({error})"
        ) from None
    try:
        futures = client.map(execute, pending, pure=False)
        for future in dask_completed(futures):
            yield future.result()
    finally:
        client.close()
