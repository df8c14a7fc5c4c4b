"""The ``neurodyn`` command: compare, sweep, report, tasks [NAME], models [NAME], --version.

Exit status: 0 when the command ran (even if some configurations failed; they
are recorded), 2 for bad usage (unknown names, malformed specification), 1 when
the results database cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    from neurodyn import __version__

    parser = argparse.ArgumentParser(
        prog="neurodyn", description="Compare recurrent networks on shared tasks."
    )
    parser.add_argument("--version", action="version", version=f"neurodyn {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    compare = commands.add_parser("compare", help="run models on one task over seeds and report")
    compare.add_argument("--task", required=True, help="a task name (see `neurodyn tasks`)")
    compare.add_argument(
        "--models", required=True, help="comma-separated model names (see `neurodyn models`)"
    )
    compare.add_argument("--seeds", type=int, default=3, help="number of seeds, 0..N-1 (default 3)")
    compare.add_argument("--out", required=True, help="output folder (database, report, figures)")
    compare.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="MODEL.PARAM=VALUE",
        help="override a parameter, e.g. esn.n_units=1000 or task.length=100",
    )
    compare.add_argument("--workers", type=int, default=1, help="local worker processes")
    compare.add_argument(
        "--retry-failed", action="store_true", help="run failed configurations again"
    )
    compare.add_argument("--quiet", action="store_true", help="no progress bars or table")

    sweep = commands.add_parser(
        "sweep", help="run a resumable grid or random sweep from a TOML file"
    )
    sweep.add_argument("spec", help="the sweep specification (TOML)")
    sweep.add_argument("--out", required=True, help="output folder (database, report, figures)")
    sweep.add_argument("--workers", type=int, default=1, help="local worker processes")
    sweep.add_argument("--scheduler", help="a Dask scheduler address, tcp://HOST:PORT")
    sweep.add_argument(
        "--retry-failed", action="store_true", help="run failed configurations again"
    )
    sweep.add_argument("--quiet", action="store_true", help="no progress bars or table")

    report = commands.add_parser(
        "report", help="rebuild the table and figures from a results folder"
    )
    report.add_argument("out", help="a folder with results.sqlite")

    tasks = commands.add_parser("tasks", help="list the tasks, or one task's parameters")
    tasks.add_argument("name", nargs="?", help="a task: print its parameters")
    models = commands.add_parser("models", help="list the models, or one model's parameters")
    models.add_argument("name", nargs="?", help="a model: print its parameters")
    return parser


def _parameters(defaults: dict, docs: dict) -> None:
    """One line per parameter: name, type, default, meaning."""
    for name, value in defaults.items():
        print(f"  {name:20s} {type(value).__name__:6s} {value!s:12s} {docs.get(name, '')}")


def _list_tasks(registry, name: str | None) -> None:
    from neurodyn.harness.tasks import COMMON_DOCS

    if name is None:
        for task_name in registry.task_names():
            task = registry.get_task(task_name)
            print(f"{task_name:16s} {task.description} [metric: {task.metric}]")
        return
    task = registry.get_task(name)
    direction = "lower" if task.lower_is_better else "higher"
    print(f"{name}: {task.description}\nmetric: {task.metric} ({direction} is better)")
    print("parameters (--set task.NAME=VALUE):")
    _parameters(task.defaults, COMMON_DOCS | task.parameter_docs)


def _list_models(registry, name: str | None) -> None:
    if name is None:
        for model_name in registry.model_names(available_only=False):
            model = registry.get_model(model_name)
            missing = "" if model.available() else "  [unavailable: needs PyTorch]"
            print(f"{model_name:12s} {model.description} ({model.family}){missing}")
        return
    model = registry.get_model(name)
    print(f"{name}: {model.description} ({model.family})")
    if not model.available():
        print("unavailable here: it needs PyTorch (pip install torch)")
    print(f"parameters (--set {name}.NAME=VALUE):")
    _parameters(model.defaults, model.parameter_docs)
    for task_name, changes in model.task_defaults.items():
        values = ", ".join(f"{k}={v}" for k, v in changes.items())
        print(f"  on {task_name}: {values}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from neurodyn.harness import registry, report, sweep

    try:
        if args.command == "tasks":
            _list_tasks(registry, args.name)
            return 0
        if args.command == "models":
            _list_models(registry, args.name)
            return 0
        if args.command == "report":
            report.write_report(args.out)
            return 0
        if args.command == "compare":
            models = [m.strip() for m in args.models.split(",") if m.strip()]
            if args.seeds < 1:
                raise registry.HarnessError("--seeds: must be at least 1")
            specs = sweep.plan(
                args.task, models, list(range(args.seeds)), [sweep.parse_assignments(args.set)]
            )
        else:
            specs = sweep.plan(*sweep.load_spec(args.spec))
        counts = sweep.run_plan(
            specs,
            args.out,
            workers=args.workers,
            scheduler=getattr(args, "scheduler", None),  # sweep only
            quiet=args.quiet,
            retry_failed=args.retry_failed,
        )
        report.write_report(args.out, quiet=args.quiet)
        if not args.quiet:
            print(
                f"{counts['planned']} runs planned: {counts['skipped']} already recorded, "
                f"{counts['done']} done, {counts['failed']} failed; report: "
                f"{Path(args.out) / 'report.md'}"
            )
        return 0
    except registry.HarnessError as error:
        lines = str(error).splitlines()
        if len(lines) > 1:
            print(
                f"neurodyn {args.command}: {len(lines)} problems; nothing was run", file=sys.stderr
            )
            for line in lines:
                print(f"  {line}", file=sys.stderr)
        else:
            print(f"neurodyn {args.command}: {error}", file=sys.stderr)
        return 1 if isinstance(error, registry.DatabaseError) else 2


if __name__ == "__main__":
    sys.exit(main())
