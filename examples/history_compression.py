"""History compression on Schmidhuber's (1992) long-lag task: a stack of two next-symbol
predictors, each trained with BPTT truncated to 3 steps, solves a 20-step lag that the
lower one alone cannot (``rnn.NeuralHistoryCompressor``).

The stream is blocks "a b1..b20" or "x b1..b20" (start drawn at random); at each
block's last symbol a label asks which start it had. Level 0 learns the predictable
b's and passes up only what it fails to predict, soon just the block's start; level 1
(the chunker) then answers the label from its state after its last input, the start. The collapse
stage finally teaches level 0 (the automatizer) to imitate the chunker's state, after
which it answers alone.

    python examples/history_compression.py --out out            # 1,500 training blocks
    python examples/history_compression.py --out out --quick    # 300
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from neurodyn.tasks import long_lag_blocks
from rnn import NeuralHistoryCompressor

BLOCK = 21  # symbols per block: the start and b1..b20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--quick", action="store_true", help="300 training blocks")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    n_blocks = 300 if args.quick else 1500
    symbols, labels = long_lag_blocks(n_blocks, seed=0)
    test_symbols, test_labels = long_lag_blocks(200, seed=1)
    model = NeuralHistoryCompressor(22, n_labels=2, truncate=3, distill=1.0, distill_epochs=2,
                                    seed=0)  # fmt: skip
    model.fit(symbols, labels, progress=False)

    counts = model.input_counts(test_symbols)
    chunker = model.label_accuracy(test_symbols, test_labels)
    automatizer = model.history_[0]["automatizer_label_accuracy"]
    alone_after = model.label_accuracy(test_symbols, test_labels, level=0)
    (description,) = model.describe(test_symbols)
    exact = np.array_equal(model.reconstruct(description), test_symbols)
    print(f"inputs per block on 200 fresh blocks: level 0 {counts[0] / 200:.2f}, "
          f"level 1 {counts[1] / 200:.2f}")  # fmt: skip
    print(f"label accuracy: chunker {chunker:.3f}; automatizer alone before the collapse "
          f"{automatizer[0]:.3f} (training queries), after it {alone_after:.3f}")  # fmt: skip
    print(f"sequence rebuilt from the {len(description.times)} inputs passed up: exact = {exact}")

    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(13, 4))
    passed_up = model.history_[0]["online_surprises"].reshape(n_blocks, BLOCK).sum(axis=1)
    window = 10
    smooth = np.convolve(passed_up, np.ones(window) / window, mode="valid")
    left.plot(np.arange(window, n_blocks + 1), smooth, color="tab:blue")
    left.axhline(1.0, color="gray", ls=":", label="1: only the block's start")
    left.set_yscale("log")
    left.set_xlabel("training block")
    left.set_ylabel(f"inputs passed up per block (mean of {window})")
    left.set_title("While level 0 learns: what reaches level 1")
    left.legend(frameon=False)

    per_block = np.array(counts) / 200
    bars = middle.bar(["level 0\n(every symbol)", "level 1\n(chunker)"], per_block,
                      color=["tab:gray", "tab:blue"])  # fmt: skip
    middle.bar_label(bars, fmt="%.2f")
    middle.set_yscale("log")
    middle.set_ylim(0.5, 60)
    middle.set_ylabel("inputs per 21-symbol block")
    middle.set_title("Inputs per level, 200 fresh blocks")

    names = [
        "chunker\n(level 1)",
        "level 0 alone,\nbefore collapse",
        "level 0 alone,\nafter collapse",
    ]
    values = [chunker, automatizer[0], alone_after]
    bars = right.bar(names, values, color=["tab:blue", "tab:gray", "tab:orange"])
    right.bar_label(bars, fmt="%.3f")
    right.axhline(0.5, color="gray", ls=":", label="chance")
    right.set_ylim(0, 1.1)
    right.set_ylabel("label accuracy (which start, 20 steps back)")
    right.set_title("Long-lag label, BPTT truncated to 3 steps")
    right.legend(frameon=False, loc="lower right")
    fig.suptitle(f"Neural history compressor, {n_blocks} training blocks "
                 "(before-collapse figure on training queries, others on fresh blocks)")  # fmt: skip
    fig.tight_layout()
    path = args.out / "history_compression.png"
    fig.savefig(path, dpi=120)
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
