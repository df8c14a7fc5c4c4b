"""Tables and figures from the results database: ``report.md``, ``results.csv`` and PNGs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from neurodyn.harness.store import ResultStore

__all__ = ["summarise", "write_report"]


def _settings_label(params: dict, varying: list[tuple[str, str]]) -> str:
    return ", ".join(f"{owner}.{key}={params[owner][key]}" for owner, key in varying)


def summarise(runs: list[dict]) -> list[dict]:
    """One row per task, model and configuration: the primary metric's mean and std over
    seeds, and costs. Configurations of one model that differ (a sweep) are labelled
    by the parameters that vary."""
    groups = {}
    for run in runs:
        if run["status"] != "done":
            continue
        configuration = json.dumps(run["params"], sort_keys=True)
        groups.setdefault((run["task"], run["model"], configuration), []).append(run)
    varying = {}
    for task, model in {(t, m) for t, m, _ in groups}:
        settings = [json.loads(c) for t, m, c in groups if (t, m) == (task, model)]
        keys = {(owner, key) for params in settings for owner in params for key in params[owner]}
        varying[(task, model)] = sorted(
            (owner, key)
            for owner, key in keys
            if len({json.dumps(params[owner].get(key)) for params in settings}) > 1
        )
    table = []
    for (task, model, configuration), group in sorted(groups.items()):
        metric = group[0]["metric"]
        values = np.array([g["metrics"][metric] for g in group])
        extra = sorted({k for g in group for k in g["metrics"]} - {metric})
        table.append(
            {
                "task": task,
                "model": model,
                "settings": _settings_label(json.loads(configuration), varying[(task, model)]),
                "family": group[0]["family"],
                "metric": metric,
                "lower_is_better": bool(group[0]["lower_is_better"]),
                "mean": float(values.mean()),
                "std": float(values.std()),
                "seeds": len({g["seed"] for g in group}),
                "n_parameters": int(np.mean([g["n_parameters"] for g in group])),
                "train_seconds": float(np.mean([g["train_seconds"] for g in group])),
                "infer_us_per_step": float(np.mean([g["infer_us_per_step"] for g in group])),
                "peak_mb": float(np.mean([g["peak_mb"] for g in group])),
                **{
                    f"{k}_mean": float(
                        np.mean([g["metrics"][k] for g in group if k in g["metrics"]])
                    )
                    for k in extra
                },
            }
        )
    return table


def format_table(table: list[dict], failed: int = 0) -> str:
    """The summary as an aligned text table (also valid Markdown)."""
    header = [
        "task",
        "model",
        "test metric (mean ± std)",
        "seeds",
        "parameters",
        "train time",
        "inference / step",
        "peak memory",
    ]
    lines = []
    for row in table:
        extra = ", ".join(f"{k[:-5]} {row[k]:.3g}" for k in row if k.endswith("_mean"))
        metric = f"{row['metric']} {row['mean']:.4g} ± {row['std']:.2g}" + (
            f" ({extra})" if extra else ""
        )
        model = row["model"] + (f" ({row['settings']})" if row["settings"] else "")
        lines.append(
            [
                row["task"],
                model,
                metric,
                str(row["seeds"]),
                f"{row['n_parameters']:,}",
                f"{row['train_seconds']:.2f} s",
                f"{row['infer_us_per_step']:.2f} µs",
                f"{row['peak_mb']:.1f} MB",
            ]
        )
    widths = [
        max(len(h), *(len(line[i]) for line in lines)) if lines else len(h)
        for i, h in enumerate(header)
    ]

    def render(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    text = [
        render(header),
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
        *map(render, lines),
    ]
    if failed:
        text.append(f"\n{failed} run(s) failed; see the `error` column of the database.")
    return "\n".join(text)


def write_report(out, *, quiet: bool = False) -> str:
    """Rebuild ``report.md``, ``results.csv`` and the figures in ``out`` from its database;
    returns the text table."""
    out = Path(out)
    store = ResultStore(out / "results.sqlite", readonly=True)
    runs = store.runs()
    store.close()
    table = summarise(runs)
    failed = sum(run["status"] == "failed" for run in runs)
    text = format_table(table, failed)
    _write_csv(out / "results.csv", runs)
    figures = _figures(out, runs, table)
    lines = ["# neurodyn comparison", "", text, ""]
    lines += [f"![{name}]({name})" for name in figures]
    (out / "report.md").write_text("\n".join(lines) + "\n")
    if not quiet:
        print(text)
    return text


def _write_csv(path: Path, runs: list[dict]) -> None:
    metric_names = sorted({k for run in runs for k in run["metrics"]})
    fields = [
        "run_id",
        "task",
        "model",
        "seed",
        "status",
        "n_parameters",
        "train_seconds",
        "infer_us_per_step",
        "peak_mb",
        *metric_names,
        "error",
    ]
    with open(path, "w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for run in runs:
            writer.writerow({**run, **run["metrics"]})


def _figures(out: Path, runs: list[dict], table: list[dict]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    if not table:
        return names
    for task in sorted({row["task"] for row in table}):
        rows = [row for row in table if row["task"] == task]
        done = [run for run in runs if run["task"] == task and run["status"] == "done"]
        metric = rows[0]["metric"]
        colors = {row["model"]: plt.cm.tab10(i % 10) for i, row in enumerate(rows)}

        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.bar(
            [r["model"] for r in rows],
            [r["mean"] for r in rows],
            yerr=[r["std"] for r in rows],
            color=[colors[r["model"]] for r in rows],
            capsize=4,
        )
        if rows[0]["lower_is_better"] and all(r["mean"] > 0 for r in rows):
            ax.set_yscale("log")
        ax.set_ylabel(
            f"test {metric} ({'lower' if rows[0]['lower_is_better'] else 'higher'} is better)"
        )
        ax.set_title(f"{task}: {metric} per model (mean ± std over seeds)")
        names.append(_save(fig, out, f"{task}_metric.png"))

        fig, ax = plt.subplots(figsize=(6, 4))
        for run in done:
            ax.scatter(
                run["train_seconds"], run["metrics"][metric], color=colors[run["model"]], s=25
            )
        for row in rows:
            ax.annotate(
                row["model"],
                (row["train_seconds"], row["mean"]),
                fontsize=8,
                xytext=(4, 4),
                textcoords="offset points",
            )
        ax.set_xscale("log")
        if rows[0]["lower_is_better"] and all(run["metrics"][metric] > 0 for run in done):
            ax.set_yscale("log")
        ax.set_xlabel("training time (s)")
        ax.set_ylabel(f"test {metric}")
        ax.set_title(f"{task}: error against training time")
        names.append(_save(fig, out, f"{task}_pareto.png"))

        samples = {}
        for run in sorted(done, key=lambda run: run["seed"]):  # the lowest seed of each model
            if run["sample"]:
                samples.setdefault(run["model"], run["sample"])
        if samples:
            fig, ax = plt.subplots(figsize=(8, 3.5))
            first = next(iter(samples.values()))
            ax.plot(first["target"], color="black", lw=1.5, label="target")
            for model, sample in samples.items():
                ax.plot(sample["prediction"], lw=0.9, ls="--", color=colors[model], label=model)
            ax.set_xlabel("test step (or sequence)")
            ax.set_ylabel("value")
            ax.set_title(f"{task}: predictions against the target (first seed)")
            ax.legend(frameon=False, fontsize=8, ncol=3)
            names.append(_save(fig, out, f"{task}_predictions.png"))

        curves = {}
        for run in sorted(done, key=lambda run: run["seed"]):
            if run["curve"]:
                curves.setdefault(run["model"], run["curve"])
        if curves:
            fig, ax = plt.subplots(figsize=(6, 3.5))
            for model, curve in curves.items():
                ax.semilogy(np.arange(1, len(curve) + 1), curve, color=colors[model], label=model)
            ax.set_xlabel("epoch")
            ax.set_ylabel("training loss")
            ax.set_title(f"{task}: learning curves (gradient-trained models)")
            ax.legend(frameon=False, fontsize=8)
            names.append(_save(fig, out, f"{task}_learning_curves.png"))
    return names


def _save(fig, out: Path, name: str) -> str:
    fig.tight_layout()
    fig.savefig(out / name, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return name
