"""Which stream drives which: the reservoir cross-stream score on coupled logistic maps
(our extension; ``reservoir.coupling``).

Eight chaotic maps are coupled along ten random directed edges (lags of 1-2 steps). For
every ordered pair, an echo state network predicts the target from its own past, and
another from its own and the source's past; the score is the relative improvement. Left:
the true coupling graph. Right: the ten highest-scoring edges (green: true, red: false).

    python examples/coupling_discovery.py --out out            # 3000 steps
    python examples/coupling_discovery.py --out out --quick    # 1500 steps, 100 units
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np

from neurodyn import metrics, tasks
from reservoir.coupling import coupling_graph


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--quick", action="store_true", help="1500 steps, 100 units")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    edges = []
    while len(edges) < 10:
        i, j = (int(v) for v in rng.choice(8, 2, replace=False))
        if all((i, j) != (a, b) for a, b, _ in edges):
            edges.append((i, j, int(rng.integers(1, 3))))
    steps, units = (1500, 100) if args.quick else (3000, 300)
    streams = tasks.coupled_logistic_maps(8, steps, edges, coupling=0.2, seed=1)
    found = coupling_graph(streams, n_units=units)
    true = nx.DiGraph([(i, j) for i, j, _ in edges])
    true.add_nodes_from(range(8))
    pairs = [(i, j) for i in range(8) for j in range(8) if i != j]
    auroc = metrics.auroc(
        [true.has_edge(*p) for p in pairs], [found.edges[p]["weight"] for p in pairs]
    )
    best = sorted(found.edges(data="weight"), key=lambda e: -e[2])[:10]
    layout = nx.circular_layout(true)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 5))
    nx.draw_networkx(true, layout, ax=left, node_color="lightgray", arrowsize=15)
    left.set_title("True coupling (10 directed edges)")
    shown = nx.DiGraph()
    shown.add_nodes_from(range(8))
    shown.add_weighted_edges_from(best)
    colors = ["tab:green" if true.has_edge(i, j) else "tab:red" for i, j in shown.edges]
    widths = [1 + 6 * shown.edges[e]["weight"] / best[0][2] for e in shown.edges]
    nx.draw_networkx(shown, layout, ax=right, node_color="lightgray", edge_color=colors,
                     width=widths, arrowsize=15)  # fmt: skip
    right.set_title(f"Ten highest scores (green true, red false); AUROC {auroc:.3f}")
    for axis in (left, right):
        axis.axis("off")
    fig.suptitle(f"Reservoir cross-stream score, 8 coupled logistic maps, {steps} steps")
    fig.tight_layout()
    path = args.out / "coupling_discovery.png"
    fig.savefig(path, dpi=110)
    correct = sum(true.has_edge(i, j) for i, j, _ in best)
    print(f"AUROC {auroc:.3f}; {correct} of the 10 best-scoring edges are true")
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
