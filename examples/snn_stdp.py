"""Spike-timing-dependent plasticity: the window the simulator measures, and what it
does to a neuron's inputs (Song, Miller & Abbott 2000).

Left: pair STDP measured by both drivers, one post neuron per offset (a pre spike
arriving at the synapse and a teacher spike making the neuron fire Δt later),
against the configured curve A+ exp(-Δt/τ+) / -A- exp(Δt/τ-). Middle: one
conductance-based neuron driven by 1000 Poisson inputs at 15 Hz through plastic
synapses (``snn.networks.song_abbott``): additive STDP drives the weights to the
bounds (histograms over time), multiplicative STDP to one mode. Right: the neuron's
rate in 1 s bins; competition between the synapses regulates it.

    python examples/snn_stdp.py --out out            # 100 s of biological time
    python examples/snn_stdp.py --out out --quick    # 10 s
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import snn
from snn.networks import SONG_TIMING, SONG_W_MAX, song_abbott

OFFSETS = np.arange(-80.0, 80.1, 2.0)  # ms


def measured_window(driver: str) -> np.ndarray:
    """Weight change of one synapse per offset (nS), pairs at 201 ms."""
    n = OFFSETS.size
    net = snn.Network(dt=0.1)
    lif = snn.LIF(E_L=0.0, V_th=15.0, V_reset=0.0, t_ref=2.0)
    post = net.add_population(n, lif, V_m=0.0)
    pre = net.add_spike_source(np.full(n, 200.0), np.arange(n), n=n)
    teacher = net.add_spike_source(200.0 + OFFSETS, np.arange(n), n=n)
    net.connect(teacher, post, rule="one_to_one", weight=30.0, delay=1.0)
    rule = snn.STDP(SONG_TIMING, snn.Additive(0.0, 1.0))
    synapses = net.connect(pre, post, rule="one_to_one", weight=0.5, delay=1.0, plasticity=rule)
    net.run(400.0, driver=driver, progress=False)
    return synapses.weights - 0.5


def song(weight, duration: float, snapshots):
    """Weight histograms (w / w_max in tenths) at ``snapshots`` ms and spike times."""
    net, parts = song_abbott(weight, seed=0)
    spikes = net.record_spikes(parts["neuron"])
    histograms, t = {0.0: _tenths(parts["synapses"].weights)}, 0.0
    for when in snapshots:
        net.run(when - t, progress=False)
        histograms[when], t = _tenths(parts["synapses"].weights), when
    return histograms, spikes.times


def _tenths(weights: np.ndarray) -> np.ndarray:
    return np.histogram(weights / SONG_W_MAX, bins=10, range=(0.0, 1.0))[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--quick", action="store_true", help="10 s instead of 100 s")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    duration = 10_000.0 if args.quick else 100_000.0
    snapshots = [duration / 10, duration / 2, duration]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))

    ax = axes[0]
    curve = np.where(OFFSETS >= 0, SONG_TIMING.A_plus * np.exp(-OFFSETS / SONG_TIMING.tau_plus),
                     -SONG_TIMING.A_minus * np.exp(OFFSETS / SONG_TIMING.tau_minus))  # fmt: skip
    fine = np.linspace(OFFSETS[0], OFFSETS[-1], 801)
    ax.plot(fine, np.where(fine >= 0, SONG_TIMING.A_plus * np.exp(-fine / 20.0),
                           -SONG_TIMING.A_minus * np.exp(fine / 20.0)) * 1e3,
            color="0.6", lw=3, label="configured")  # fmt: skip
    for driver, marker in (("clock", "o"), ("event", "x")):
        changes = measured_window(driver)
        error = np.abs(changes - curve).max()
        ax.plot(OFFSETS, changes * 1e3, marker, ms=4, mfc="none",
                label=f"{driver} driver (max error {error:.0e} nS)")  # fmt: skip
    ax.axhline(0, color="k", lw=0.5)
    ax.set(xlabel="Δt = t_post − t_pre arrival (ms)", ylabel="weight change (pS)",
           title="Pair STDP window, one pair per neuron")  # fmt: skip
    ax.legend(fontsize=8, loc="upper left")

    rates = {}
    ax = axes[1]
    centres = np.arange(0.05, 1.0, 0.1)
    additive, rates["additive"] = song(None, duration, snapshots)
    for when, histogram in additive.items():
        ax.plot(centres, histogram, "o-", label=f"additive, t = {when / 1000:g} s")
    multiplicative, rates["multiplicative"] = song(
        snn.Multiplicative(0.0, SONG_W_MAX), duration, [duration]
    )
    ax.plot(centres, multiplicative[duration], "s--", color="k",
            label=f"multiplicative, t = {duration / 1000:g} s")  # fmt: skip
    ax.set(xlabel="w / w_max", ylabel="synapses per tenth",
           title="Song, Miller & Abbott: 1000 plastic inputs")  # fmt: skip
    ax.legend(fontsize=8)

    ax = axes[2]
    edges = np.arange(0.0, duration + 1.0, 1000.0)
    for name, times in rates.items():
        ax.plot(edges[1:] / 1000, np.histogram(times, edges)[0], label=name)
    ax.set(xlabel="time (s)", ylabel="output rate (Hz, 1 s bins)",
           title="The neuron's rate as its inputs compete")  # fmt: skip
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = args.out / "snn_stdp.png"
    fig.savefig(path, dpi=120)
    print(f"additive at {duration / 1000:g} s: {additive[duration].tolist()}")
    print(f"multiplicative at {duration / 1000:g} s: {multiplicative[duration].tolist()}")
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
