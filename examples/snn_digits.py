"""Learning digits without labels, in the style of Diehl & Cook (2015), against
supervised baselines.

scikit-learn's 8x8 digits (1797 images) are shown as Poisson rates to an excitatory
layer with STDP, lateral inhibition and adaptive thresholds (``snn.DiehlCook``); labels
are used only afterwards, to name each neuron by the class it answers. Its accuracy,
3-fold cross-validated for a few layer sizes, is compared with logistic regression on
the raw pixels, the ESN classifier (rows of the image as 8 time steps) and a liquid
state machine (``snn.lsm.LiquidStateMachine``, the same rows as input currents).

Left: the 100-neuron layer's weights (first fold) (its receptive fields), grouped by the label each
neuron received. Right: test accuracy per model (mean and range over the folds).

    python examples/snn_digits.py --out out                  # 3 folds, 50/100/200 neurons (~6 min)
    python examples/snn_digits.py --out out --folds 2 --sizes 50,100
    python examples/snn_digits.py --out out --quick          # 600 digits, 2 folds, 20 neurons
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

import snn
from reservoir.sklearn import ESNClassifier
from snn.lsm import LiquidStateMachine


def supervised(name: str, X_train, y_train, X_test) -> np.ndarray:
    """Predictions of a supervised baseline (images as rows of 64 pixels in [0, 16])."""
    if name == "logistic regression":
        model = LogisticRegression(max_iter=5000).fit(X_train / 16.0, y_train)
        return model.predict(X_test / 16.0)
    rows = (
        (X_train.reshape(-1, 8, 8) / 16.0 - 0.5) * 2.0,
        (X_test.reshape(-1, 8, 8) / 16.0 - 0.5) * 2.0,
    )
    if name == "ESN (300 units)":
        esn = ESNClassifier(300, leak_rate=0.5, input_scaling=0.5, ridge=1e-2, state="mean",
                            random_state=0)  # fmt: skip
        return esn.fit(rows[0], y_train).predict(rows[1])
    lsm = LiquidStateMachine(500, seed=0, progress=False).fit(rows[0], np.eye(10)[y_train])
    return lsm.predict(rows[1]).argmax(axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="600 digits, 2 folds, 20 neurons")
    parser.add_argument("--sizes", default="50,100,200", help="excitatory layer sizes")
    parser.add_argument("--epochs", type=int, default=None,
                        help="passes while learning (default: max(2, neurons / 50))")  # fmt: skip
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    X, y = load_digits(return_X_y=True)
    if args.quick:
        X, y, args.folds, sizes = X[:600], y[:600], 2, [20]
    folds = list(StratifiedKFold(args.folds, shuffle=True, random_state=0).split(X, y))
    names = ["logistic regression", "ESN (300 units)", "LSM (500 neurons)"]
    names += [f"Diehl & Cook, {n} neurons" for n in sizes]
    scores = {name: [] for name in names}
    pictured = 100 if 100 in sizes else sizes[-1]  # its first fold's layer is drawn
    shown = None
    for k, (train, test) in enumerate(folds):
        for name in names[:3]:
            predicted = supervised(name, X[train], y[train], X[test])
            scores[name].append(np.mean(predicted == y[test]))
        for n in sizes:
            started = time.perf_counter()
            layer = snn.DiehlCook(n, epochs=args.epochs, seed=k, progress=True)
            layer.fit(X[train], y[train])
            scores[f"Diehl & Cook, {n} neurons"].append(layer.score(X[test], y[test]))
            print(f"fold {k}: {n} neurons, {time.perf_counter() - started:.0f} s")
            if k == 0 and n == pictured:
                shown = layer
    for name in names:
        values = np.array(scores[name])
        print(f"{name:28s} accuracy {values.mean():.3f} ({values.min():.3f}-{values.max():.3f})")

    fig = plt.figure(figsize=(14, 5.5))
    _receptive_fields(fig, shown)
    axis = fig.add_axes([0.69, 0.12, 0.27, 0.76])
    means = [np.mean(scores[n]) for n in names]
    spans = np.array(
        [[m - np.min(scores[n]), np.max(scores[n]) - m] for n, m in zip(names, means, strict=True)]
    ).T
    colors = ["tab:gray"] * 3 + ["tab:blue"] * len(sizes)
    axis.barh(names, means, xerr=spans, color=colors, capsize=3)
    axis.set(xlim=(0.0, 1.15), xticks=np.linspace(0.0, 1.0, 6),
             xlabel=f"test accuracy ({args.folds}-fold, bars: range)",
             title="Supervised (gray) and unsupervised STDP (blue)")  # fmt: skip
    axis.invert_yaxis()
    for i, m in enumerate(means):
        axis.text(m + 0.02, i, f"{m:.3f}", va="center")
    path = args.out / "snn_digits.png"
    fig.savefig(path, dpi=110)
    print(f"figure: {path}")


def _receptive_fields(fig, layer) -> None:
    """The layer's weights as 8x8 images, ordered by label, each titled with it."""
    order = np.argsort(layer.labels_, kind="stable")
    n = len(order)
    columns = int(np.ceil(np.sqrt(n * 1.2)))
    rows = int(np.ceil(n / columns))
    grid = fig.add_gridspec(rows, columns, left=0.02, right=0.46, top=0.88, bottom=0.02,
                            wspace=0.1, hspace=0.35)  # fmt: skip
    for i, neuron in enumerate(order):
        axis = fig.add_subplot(grid[i // columns, i % columns])
        axis.imshow(layer.weights_[neuron].reshape(8, 8), cmap="hot_r", vmin=0.0)
        label = layer.labels_[neuron]
        axis.set_title("–" if label < 0 else str(label), fontsize=7, pad=1)
        axis.axis("off")
    fig.text(0.24, 0.95, f"Receptive fields of the {n}-neuron layer (input weights, nS), "
             "titled with each neuron's label", ha="center", fontsize=10)  # fmt: skip


if __name__ == "__main__":
    main()
