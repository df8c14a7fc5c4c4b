"""Memory in paths: how many observed paths the multi-order model needs to find a planted
memory of order 1, 2 or 3 (Scholtes 2017; ``neurodyn.temporal.MultiOrderModel``).

Paths walk a random graph of 8 nodes (2-3 successors each); the next node is, with
probability 0.8, one preferred for the last k nodes (k = the planted order), else any
successor. For each number of paths, 20 data sets are drawn and the order is estimated
with likelihood-ratio tests at alpha = 0.01; the figure shows how often it is right.

    python examples/temporal_order.py --out out            # 20 data sets per point
    python examples/temporal_order.py --out out --quick    # 5
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from neurodyn.tasks import planted_memory_paths
from neurodyn.temporal import MultiOrderModel

SIZES = (25, 50, 100, 200, 400, 800, 1600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--quick", action="store_true", help="5 data sets per point")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    repeats = 5 if args.quick else 20
    sizes = SIZES[:5] if args.quick else SIZES
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for order, color in zip((1, 2, 3), ("tab:gray", "tab:blue", "tab:orange"), strict=True):
        right = []
        for size in sizes:
            rng = np.random.default_rng(1000 * order + size)
            found = [MultiOrderModel(planted_memory_paths(order, size, seed=rng), 4).estimate_order(0.01)
                     for _ in range(repeats)]  # fmt: skip
            right.append(np.mean(np.array(found) == order))
            print(f"order {order}, {size:5d} paths: right {right[-1]:.2f} (found {found})")
        ax.plot(sizes, right, "o-", color=color, label=f"planted order {order}")
    ax.set_xscale("log")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("observed paths (8 steps each)")
    ax.set_ylabel(f"fraction of {repeats} data sets with the order found")
    ax.set_title("Multi-order model: finding a planted memory (alpha = 0.01)")
    ax.legend(frameon=False)
    fig.tight_layout()
    path = args.out / "temporal_order.png"
    fig.savefig(path, dpi=120)
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
