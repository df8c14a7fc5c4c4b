"""Hopfield networks recall corrupted digit images.

Ten templates (the mean of each class of scikit-learn's 8×8 digits, enlarged
to 16×16 and thresholded: 256 ±1 units) are stored with the Hebbian, Storkey
and pseudo-inverse rules. The templates are strongly correlated, which is hard
for the Hebbian rule; the pseudo-inverse rule stores them exactly. Each
template is corrupted (20 % of its pixels flipped) and recalled
asynchronously; the figure shows the images and the energy falling sweep by
sweep.

    python examples/hopfield_digits.py --out out
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from hopfield import Hopfield, flip, image_to_pattern, overlap, pattern_to_image

RULES = ("hebbian", "storkey", "pseudoinverse")


def digit_templates(size: int = 16) -> np.ndarray:
    """(10, size * size) ±1 patterns: each class mean, enlarged, thresholded at its mean."""
    digits = load_digits()
    factor = size // 8
    templates = []
    for label in range(10):
        mean_image = digits.images[digits.target == label].mean(axis=0)
        templates.append(image_to_pattern(np.kron(mean_image, np.ones((factor, factor)))))
    return np.array(templates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--quick", action="store_true", help="(the example is already quick)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    size = 16
    templates = digit_templates(size)
    corrupted = flip(templates, 0.2, seed=args.seed)
    recalled, traces = {}, {}
    for rule in RULES:
        net = Hopfield(size * size, rule).store(templates)
        recalled[rule], info = net.recall(corrupted, seed=args.seed, return_info=True)
        traces[rule] = info
        overlaps = np.einsum("pn,pn->p", recalled[rule], templates) / templates.shape[1]
        exact = int(np.sum(overlaps == 1.0))
        print(f"{rule:>13}: {exact}/10 digits recalled exactly, mean overlap {overlaps.mean():.3f}")

    rows = ["template", "corrupted", *RULES]
    fig = plt.figure(figsize=(14, 7))
    grid = fig.add_gridspec(len(rows), 15, wspace=0.15)
    images = {"template": templates, "corrupted": corrupted, **recalled}
    for r, name in enumerate(rows):
        for digit in range(10):
            ax = fig.add_subplot(grid[r, digit])
            ax.imshow(pattern_to_image(images[name][digit], (size, size)), cmap="gray_r")
            ax.set_xticks([])
            ax.set_yticks([])
            if digit == 0:
                ax.set_ylabel(name, rotation=0, ha="right", va="center")
    energy_ax = fig.add_subplot(grid[1:4, 11:])
    for rule, color in zip(RULES, ("tab:red", "tab:blue", "tab:green"), strict=True):
        info = traces[rule]
        for k in range(10):
            trace = info.energies[k, : info.steps[k] + 1]
            energy_ax.plot(trace, color=color, lw=0.8, label=rule if k == 0 else None)
    energy_ax.set_xlabel("sweep")
    energy_ax.set_ylabel("energy")
    energy_ax.set_title("energy descent")
    energy_ax.legend(frameon=False, fontsize=8)
    similarity = overlap(templates, templates.T)
    off_diagonal = similarity[~np.eye(10, dtype=bool)]
    fig.suptitle(
        f"10 digit templates in 256 units (mean overlap between templates {off_diagonal.mean():.2f})"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "hopfield_digits.png"
    fig.savefig(path, dpi=110)
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
