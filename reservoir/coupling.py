"""Which streams drive which: a reservoir-based cross-stream score (our extension, not from
Scholtes 2017, whose method is :class:`neurodyn.temporal.MultiOrderModel`).

For a target stream j, an echo state network predicts x_j(t + 1) from the past of x_j
alone, and another from the pasts of x_j and x_i; the score of the edge i → j is how much
the second improves on the first on held-out data::

    score(i → j) = 1 - NRMSE(x_j | x_j, x_i) / NRMSE(x_j | x_j)

(a Granger-style test with a nonlinear, fading-memory model instead of a linear
autoregression). Scores near 0 mean no information flow; positive ones, that the past of
i helps predict j.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from neurodyn._validation import as_float_array, check_float, check_int
from reservoir.esn import ESN

__all__ = ["coupling_graph", "coupling_scores"]


def coupling_scores(
    streams,
    *,
    n_units: int = 300,
    spectral_radius: float = 0.9,
    ridge: float = 1e-6,
    washout: int = 50,
    train_fraction: float = 0.7,
    seed: int = 0,
) -> np.ndarray:
    """Scores (n, n), entry [i, j] for the edge i → j (diagonal 0), of ``streams`` (T, n),
    each rescaled to [-1, 1]. The first ``train_fraction`` of the steps fits the readouts,
    the rest measures the errors."""
    owner = "coupling_scores"
    x = as_float_array(streams, "streams", ndim=2, owner=owner)
    n_steps, n = x.shape
    train_fraction = check_float(train_fraction, "train_fraction", low=0.1, high=0.9, owner=owner)
    split = int(train_fraction * n_steps)
    if split - washout < 20 or n_steps - split < 20 or n < 2:
        raise ValueError(
            f"{owner}.streams: need at least 2 streams and enough steps (got {x.shape})"
        )
    low, high = x.min(axis=0), x.max(axis=0)
    x = 2.0 * (x - low) / np.where(high > low, high - low, 1.0) - 1.0
    n_units = check_int(n_units, "n_units", low=1, owner=owner)

    def error(inputs: np.ndarray, target: np.ndarray) -> float:
        esn = ESN(n_units, spectral_radius=spectral_radius, input_scaling=1.0,
                  leak_rate=1.0, ridge=ridge, washout=washout, seed=seed)  # fmt: skip
        esn.fit(inputs[: split - 1], target[1:split])
        esn.reset()
        predicted = esn.predict(inputs[split - 1 : -1])[:, 0]
        actual = target[split:, 0]
        return float(np.sqrt(np.mean((predicted - actual) ** 2)) / np.std(actual))

    scores = np.zeros((n, n))
    for j in range(n):
        alone = error(x[:, [j]], x[:, [j]])
        for i in range(n):
            if i != j:
                scores[i, j] = 1.0 - error(x[:, [j, i]], x[:, [j]]) / alone
    return scores


def coupling_graph(streams, *, names=None, threshold: float | None = None, **options) -> nx.DiGraph:
    """The scores of :func:`coupling_scores` as a weighted networkx DiGraph: an edge i → j
    with ``weight`` = score for every pair (or for those above ``threshold``), nodes named
    by ``names`` (default 0..n-1). Draw it with ``nx.draw``."""
    scores = coupling_scores(streams, **options)
    n = scores.shape[0]
    labels = list(range(n)) if names is None else list(names)
    if len(labels) != n:
        raise ValueError(f"coupling_graph.names: expected {n} names (got {len(labels)})")
    graph = nx.DiGraph()
    graph.add_nodes_from(labels)
    for i in range(n):
        for j in range(n):
            if i != j and (threshold is None or scores[i, j] > threshold):
                graph.add_edge(labels[i], labels[j], weight=float(scores[i, j]))
    return graph
