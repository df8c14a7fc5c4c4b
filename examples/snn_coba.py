"""The COBA benchmark network (Vogels & Abbott 2005; Brette et al. 2007): raster and rates.

4000 conductance-based LIF neurons (80 % excitatory, 2 % connectivity) are started
by 50 ms of Poisson input and then sustain asynchronous irregular activity on their
own. The figure shows a raster of 200 neurons, the population rates, and one
neuron's membrane potential and conductances.

    python examples/snn_coba.py --out out            # 4000 neurons, 1 s
    python examples/snn_coba.py --out out --quick    # 1000 neurons, 300 ms
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from neurodyn.plot import plot_raster
from snn.networks import vogels_abbott


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    n, duration = (1000, 300.0) if args.quick else (4000, 1000.0)

    start = time.perf_counter()
    # at 1000 neurons the same in-degree needs 4x the connection probability
    net, pops = vogels_abbott(n, seed=args.seed, p=0.02 * 4000 / n)
    exc, inh = pops["exc"], pops["inh"]
    spikes = {name: net.record_spikes(pop) for name, pop in (("exc", exc), ("inh", inh))}
    rates = {name: net.record_rate(pop) for name, pop in (("exc", exc), ("inh", inh))}
    traces = {v: net.record_state(exc, v, indices=[0]) for v in ("V_m", "g_ex", "g_in")}
    net.run(duration)
    elapsed = time.perf_counter() - start

    fig, axes = plt.subplots(
        3, 1, figsize=(9, 8), sharex=True, gridspec_kw={"height_ratios": [3, 1.2, 1.6]}
    )
    shown = 160
    exc_record, inh_record = spikes["exc"].record(), spikes["inh"].record()
    keep = exc_record.indices < shown
    plot_raster(exc_record, ax=axes[0], color="tab:red", s=1.5)
    keep_inh = inh_record.indices < shown // 4
    axes[0].scatter(inh_record.times[keep_inh], inh_record.indices[keep_inh] + shown, s=1.5,
                    marker="|", color="tab:blue")  # fmt: skip
    axes[0].set_ylim(-0.5, shown * 1.25 - 0.5)
    axes[0].set_ylabel("neuron (first 160 exc., 40 inh.)")
    axes[0].set_title(
        f"COBA network, {n} neurons: excitatory {exc_record.rates().mean():.1f} Hz, "
        f"inhibitory {inh_record.rates().mean():.1f} Hz (stimulus: first 50 ms)"
    )
    del keep
    for name, color in (("exc", "tab:red"), ("inh", "tab:blue")):
        recorder = rates[name]
        axes[1].plot(recorder.times, recorder.smoothed(5.0), color=color, lw=1, label=name)
    axes[1].set_ylabel("population rate (Hz)\n5 ms window")
    axes[1].legend(loc="upper right", frameon=False)
    axes[0].set_xlabel("")
    (v_line,) = axes[2].plot(
        traces["V_m"].times, traces["V_m"].values[:, 0], color="black", lw=0.8, label="V_m"
    )
    axes[2].set_ylabel("V_m of neuron 0 (mV)")
    twin = axes[2].twinx()
    twin.plot(
        traces["g_ex"].times, traces["g_ex"].values[:, 0], color="tab:red", lw=0.6, label="g_ex"
    )
    twin.plot(
        traces["g_in"].times, traces["g_in"].values[:, 0], color="tab:blue", lw=0.6, label="g_in"
    )
    twin.set_ylabel("conductance (nS)")
    lines = [v_line, *twin.get_lines()]
    twin.legend(
        lines, [line.get_label() for line in lines], loc="upper right", frameon=False, ncol=3
    )
    axes[2].set_xlabel("time (ms)")
    axes[2].set_xlim(0, duration)
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "snn_coba.png"
    fig.savefig(path, dpi=120)
    print(
        f"{n} neurons, {sum(len(p) for p in net.projections)} synapses, {duration:g} ms "
        f"in {elapsed:.1f} s (compilation included); CV of exc. ISIs "
        f"{np.nanmean([np.std(np.diff(t)) / np.mean(np.diff(t)) for t in exc_record.spike_trains() if len(t) > 3]):.2f}"
    )
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
