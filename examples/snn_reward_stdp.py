"""Reward-modulated STDP: a neuron learns which of two input patterns earns a reward.

One LIF neuron, 100 Poisson inputs in halves A and B; each 500 ms trial one half fires at
20 Hz. After a trial in which the neuron fired, it gets a reward (+0.5) if A was shown
and a punishment (-0.5) if B was. STDP writes into each synapse's eligibility trace
(tau_c = 1 s), which the dopamine of the delayed reward turns into weight changes
(``snn.STDP(..., dopamine=snn.Dopamine())``; ``snn.networks.reward_conditioning``).

Left: mean weight of each half over the trials. Right: the neuron's spikes per trial,
A trials and B trials, averaged over blocks of 20 trials.

    python examples/snn_reward_stdp.py --out out            # 400 trials, 200 s
    python examples/snn_reward_stdp.py --out out --quick    # 150 trials
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from snn.networks import reward_conditioning

BLOCK = 20  # trials per point of the right panel


def block_means(values: np.ndarray, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(trial at each block's middle, mean of ``values`` over the chosen trials of each)."""
    n_blocks = values.size // BLOCK
    middles, means = [], []
    for b in range(n_blocks):
        part = slice(b * BLOCK, (b + 1) * BLOCK)
        if chosen[part].any():
            middles.append(b * BLOCK + BLOCK / 2)
            means.append(values[part][chosen[part]].mean())
    return np.array(middles), np.array(means)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--quick", action="store_true", help="150 trials")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    n_trials = 150 if args.quick else 400
    result = reward_conditioning(n_trials, seed=0, progress=True)
    trials = np.arange(1, n_trials + 1)

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.plot(trials, result["weight_a"], color="tab:green", label="inputs A (rewarded)")
    left.plot(trials, result["weight_b"], color="tab:red", label="inputs B (punished)")
    left.set(xlabel="trial", ylabel="mean weight (pA)", ylim=(0, 100),
             title="Weights: eligibility × delayed dopamine")  # fmt: skip
    left.legend()
    for chosen, color, label in ((result["shown_a"], "tab:green", "A shown"),
                                 (~result["shown_a"], "tab:red", "B shown")):  # fmt: skip
        middles, means = block_means(result["spikes"], chosen)
        right.plot(middles, means, "o-", color=color, label=label)
    right.set(xlabel="trial", ylabel=f"spikes per trial (mean over {BLOCK} trials)",
              title="The neuron's answer to each pattern")  # fmt: skip
    right.legend()
    fig.suptitle("Reward-modulated STDP: one LIF neuron, 100 Poisson inputs, 500 ms trials")
    fig.tight_layout()
    path = args.out / "snn_reward_stdp.png"
    fig.savefig(path, dpi=120)
    first, last = slice(0, 40), slice(n_trials - 40, n_trials)
    a, spikes = result["shown_a"], result["spikes"]
    print(f"weights: A {result['weight_a'][-1]:.1f} pA, B {result['weight_b'][-1]:.1f} pA "
          f"(from 50); spikes per trial, first / last 40 trials: A "
          f"{spikes[first][a[first]].mean():.1f} / {spikes[last][a[last]].mean():.1f}, B "
          f"{spikes[first][~a[first]].mean():.1f} / {spikes[last][~a[last]].mean():.1f}")  # fmt: skip
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
