"""Tables and figures from the results database: ``report.md``, ``results.csv`` and PNGs."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np

from neurodyn.harness.store import ResultStore

__all__ = ["summarise", "write_report"]

# One line per metric, printed under the table.
METRIC_NOTES = {
    "nrmse": "root-mean-square error over the target's standard deviation (0: perfect; 1: "
    "no better than predicting the mean)",
    "mse": "mean squared error",
    "nrmse84": "Jaeger & Haas's closed-loop test: the model runs on its own output for 84 "
    "steps; NRMSE at the 84th (about 1 or more: generation failed)",
    "bits_per_char": "text: the average of -log2 p(next character) over the held-out text "
    "(a unigram model pays the text's letter entropy, about 4.2 bits for the corpus)",
    "mc": "memory capacity: the sum over delays k of the squared correlation between u(t - k) "
    "and its reconstruction (at most the number of units)",
    "accuracy": "fraction of test items classified correctly (reber: strings whose every "
    "next symbol is predicted among the legal ones)",
    "auroc": "anomaly: area under the ROC curve of the forecast error as a score of the "
    "anomalous steps (0.5: chance; 1: every anomalous step scores above every normal one)",
    "precision": "anomaly: fraction of anomalous steps among the k steps of largest error, k "
    "the number of anomalous steps (chance: their fraction, 0.136 by default)",
    "levelK_share": "nhc: fraction of the test symbols that reached level K of the history "
    "compressor (level 1: those level 0 failed to predict; each sequence's first symbol "
    "always goes up)",
    "upper_weight": "nhc: weight of the level above's prediction where level 0 must be "
    "surprised, chosen on the validation split (1: the level above alone; 0: level 0 alone)",
    "remembered": "reber: fraction of strings whose symbol before the last E, remembered from "
    "the second, is predicted (chance 0.5)",
}


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
                "compile_seconds": max(
                    (g.get("compile_seconds") or 0.0 for g in group), default=0.0
                ),
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
        "JIT warm-up",
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
                f"{row['compile_seconds']:.1f} s",
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
    notes = sorted(
        {k for row in table for k in [row["metric"]] + [m[:-5] for m in row if m.endswith("_mean")]}
    )
    text.append("")
    for name in notes:  # a numbered family (level1_share, level2_share) shares one note
        note = METRIC_NOTES.get(name) or METRIC_NOTES.get(re.sub(r"\d+", "K", name))
        if note:
            text.append(f"- {name}: {note}")
    text.append(
        "- train time: the fit alone (mean over seeds); JIT warm-up: a tiny fit run first "
        "(the largest over seeds: Numba's compilation on a cold cache, its loading after)"
    )
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
    lines += _written_samples(runs)
    (out / "report.md").write_text("\n".join(lines) + "\n")
    if not quiet:
        print(text)
    return text


def _written_samples(runs: list[dict]) -> list[str]:
    """Text each model wrote (its lowest seed), for language tasks."""
    lines, seen = [], set()
    for run in sorted(runs, key=lambda run: (run["task"], run["model"], run["seed"])):
        text = run["status"] == "done" and run["sample"].get("text")
        if not text or (run["task"], run["model"]) in seen:
            continue
        seen.add((run["task"], run["model"]))
        if not lines:
            lines = ["", "## Text the models wrote (one character at a time, sampled)", ""]
        lines += [f"**{run['model']}** ({run['task']}, seed {run['seed']}):", "", "```",
                  text, "```", ""]  # fmt: skip
    return lines


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

        names.append(_pareto(plt, out, task, rows, done, colors))
        first_seed = {}
        for run in sorted(done, key=lambda run: run["seed"]):  # the lowest seed of each model
            first_seed.setdefault(run["model"], run)
        samples = {m: r for m, r in first_seed.items() if r["sample"].get("target")}
        if samples:
            names.append(_predictions(plt, out, task, samples, colors))
        curves = {m: r for m, r in first_seed.items() if r["curve"]}
        if curves:
            fig, ax = plt.subplots(figsize=(6, 3.5))
            for model, run in curves.items():
                curve = run["curve"]
                ax.semilogy(np.arange(1, len(curve) + 1), curve, color=colors[model],
                            label=f"{model} (seed {run['seed']})")  # fmt: skip
            ax.set_xlabel("epoch")
            ax.set_ylabel("training loss")
            ax.set_title(f"{task}: learning curves of the gradient-trained models")
            ax.legend(frameon=False, fontsize=8)
            names.append(_save(fig, out, f"{task}_learning_curves.png"))
    return names


def _pareto(plt, out: Path, task: str, rows: list[dict], done: list[dict], colors) -> str:
    """Test metric against training time: each seed a faint dot, each model one marker at
    its means with error bars (std over seeds) in both directions, labelled there."""
    metric = rows[0]["metric"]
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for row in rows:
        runs = [r for r in done if r["model"] == row["model"]]
        times = np.array([r["train_seconds"] for r in runs])
        values = np.array([r["metrics"][metric] for r in runs])
        color = colors[row["model"]]
        ax.scatter(times, values, color=color, s=12, alpha=0.35)
        ax.errorbar(times.mean(), values.mean(), xerr=times.std(), yerr=values.std(), fmt="o",
                    color=color, capsize=3, label=row["model"])  # fmt: skip
        ax.annotate(row["model"], (times.mean(), values.mean()), fontsize=8, xytext=(5, 5),
                    textcoords="offset points", color=color)  # fmt: skip
    ax.set_xscale("log")
    if rows[0]["lower_is_better"] and all(r["metrics"][metric] > 0 for r in done):
        ax.set_yscale("log")
    better = "lower" if rows[0]["lower_is_better"] else "higher"
    ax.set_xlabel("training time (s, without JIT compilation)")
    ax.set_ylabel(f"test {metric} ({better} is better)")
    ax.set_title(f"{task}: {metric} against training time\n(markers: mean ± std over seeds)")
    ax.legend(frameon=False, fontsize=8)
    return _save(fig, out, f"{task}_pareto.png")


def _predictions(plt, out: Path, task: str, samples: dict, colors) -> str:
    """One panel per model: its predictions (lowest seed) over the target."""
    fig, axes = plt.subplots(len(samples), 1, figsize=(8, 1.6 * len(samples) + 0.8),
                             sharex=True, squeeze=False)  # fmt: skip
    for ax, (model, run) in zip(axes[:, 0], samples.items(), strict=True):
        ax.plot(run["sample"]["target"], color="black", lw=1.2)
        ax.plot(run["sample"]["prediction"], color=colors[model], lw=1.0, ls="--")
        ax.set_title(f"{model} (seed {run['seed']}): dashed; target: black", fontsize=8,
                     loc="left")  # fmt: skip
        ax.set_ylabel("value")
    axes[-1, 0].set_xlabel("test step (or sequence)")
    fig.suptitle(f"{task}: predictions against the target, one panel per model")
    return _save(fig, out, f"{task}_predictions.png")


def _save(fig, out: Path, name: str) -> str:
    fig.tight_layout()
    fig.savefig(out / name, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return name
