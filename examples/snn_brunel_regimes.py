"""Brunel's (2000) four regimes of a sparse balanced network, Fig. 8.

12,500 delta-synapse LIF neurons, 15.6 M synapses, driven by independent external
Poisson input; the relative inhibition g and the external drive eta select the
state: synchronous regular (SR, g = 3, eta = 2), asynchronous irregular (AI, 5, 2),
synchronous irregular with fast (SI fast, 6, 4) and slow oscillations (SI slow,
4.5, 0.9). Each panel: 50 excitatory neurons over 200 ms and the population rate.

    python examples/snn_brunel_regimes.py --out out            # 12,500 neurons, 1.2 s each
    python examples/snn_brunel_regimes.py --out out --quick    # 1,250 neurons, 200 ms
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from snn.networks import BRUNEL_REGIMES, brunel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    n_exc, duration, window = (1000, 200.0, 100.0) if args.quick else (10_000, 1200.0, 200.0)

    fig, axes = plt.subplots(
        2, 4, figsize=(14, 6), sharex="col", gridspec_kw={"height_ratios": [3, 1]}
    )
    for column, (regime, (g, eta)) in enumerate(BRUNEL_REGIMES.items()):
        start = time.perf_counter()
        net, pops = brunel(g=g, eta=eta, n_exc=n_exc, seed=args.seed)
        spikes = net.record_spikes(pops["exc"])
        rate = net.record_rate(pops["exc"])
        net.run(duration)
        record = spikes.record()
        shown = (record.indices < 50) & (record.times > duration - window)
        axes[0, column].scatter(
            record.times[shown], record.indices[shown], s=2, marker="|", color="black"
        )
        axes[0, column].set_title(
            f"{regime}: g = {g:g}, η = {eta:g}\n{record.rates().mean():.1f} Hz mean rate"
        )
        late = rate.times > duration - window
        axes[1, column].plot(rate.times[late], rate.smoothed(0.5)[late], color="tab:red", lw=0.7)
        axes[1, column].set_xlabel("time (ms)")
        axes[1, column].set_xlim(duration - window, duration)
        cvs = [
            np.std(np.diff(t)) / np.mean(np.diff(t)) for t in record.spike_trains() if len(t) > 3
        ]
        print(
            f"{regime:8} g={g:<4} eta={eta:<4} rate {record.rates().mean():6.1f} Hz, "
            f"ISI CV {np.mean(cvs) if cvs else float('nan'):.2f}, {time.perf_counter() - start:.1f} s"
        )
    axes[0, 0].set_ylabel("excitatory neuron")
    axes[1, 0].set_ylabel("population rate (Hz)")
    fig.suptitle(
        f"Brunel (2000), Fig. 8: {n_exc + n_exc // 4} neurons, last {window:g} ms of {duration:g} ms"
    )
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "snn_brunel_regimes.png"
    fig.savefig(path, dpi=110)
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
