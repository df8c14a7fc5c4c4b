"""Spike times of the event driver against the clock driver as dt shrinks.

200 LIF neurons, half with delta synapses (NEST's iaf_psc_delta), half with
exponential currents (iaf_psc_exp), each driven 1 mV above threshold by a constant current
and by 40 of 400 given Poisson spike trains (excitatory and inhibitory). Nothing is
recurrent, so a timing error cannot grow into chaos: the event driver's spike times
(exact to rounding) are the reference, and the clock driver is run at dt from 0.1 to
0.005 ms on the very same input (its spike times fall on the grid).

Top: the network of ``benchmarks/snn_event.py`` (2000 neurons here) run by both
drivers; they agree at first and drift apart, as any chaotic network does under a
perturbation of 0.1 ms. Bottom left: the mean timing error of the clock driver's spikes
on the given input against dt, with the fraction of spikes it misses or adds. Bottom
right: the signed errors at dt = 0.1 ms.

    python examples/snn_event_vs_clock.py --out out            # 2 s, dt from 0.1 to 0.005 ms
    python examples/snn_event_vs_clock.py --out out --quick    # 0.3 s, dt 0.1 to 0.02 ms
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import snn

N_SOURCES, N_PER_MODEL = 400, 100
STEPS = (0.1, 0.05, 0.02, 0.01, 0.005)  # ms
RASTER = 300.0  # ms


def _input_spikes(seed: int, duration: float):
    """Poisson trains at 8 Hz on the 0.1 ms grid, so every dt below sees the same input."""
    rng = np.random.default_rng(seed)
    count = rng.poisson(8.0 * duration / 1000.0 * N_SOURCES)
    ticks = np.unique(rng.integers(1, int(duration * 10), count) * N_SOURCES
                      + rng.integers(0, N_SOURCES, count))  # fmt: skip
    return (ticks // N_SOURCES) / 10.0, ticks % N_SOURCES


def simulate(driver: str, dt: float, seed: int, duration: float):
    """Spike trains (a list per neuron, ms) of both populations."""
    net = snn.Network(dt=dt, seed=seed)
    common = {
        "E_L": -70.0,
        "V_th": -55.0,
        "V_reset": -70.0,
        "t_ref": 2.0,
        "tau_m": 20.0,
        "C_m": 250.0,
        "I_e": 200.0,
    }  # fmt: skip  (V_inf = -54 mV: 1 mV above threshold)
    delta = net.add_population(N_PER_MODEL, snn.LIF(synapse="delta", **common), name="delta")
    exp = net.add_population(N_PER_MODEL, snn.LIF(synapse="exp", **common), name="exp")
    times, indices = _input_spikes(seed, duration)
    n_exc = N_SOURCES * 4 // 5
    is_exc = indices < n_exc
    excitatory = net.add_spike_source(times[is_exc], indices[is_exc], n=n_exc, name="exc")
    inhibitory = net.add_spike_source(
        times[~is_exc], indices[~is_exc] - n_exc, n=N_SOURCES - n_exc, name="inh"
    )
    for pop, scale in ((delta, 1.0), (exp, 160.0)):  # exp: pA whose PSP peaks near delta's mV
        net.connect(excitatory, pop, indegree=32, weight=1.0 * scale, delay=1.0)
        net.connect(inhibitory, pop, indegree=8, weight=-2.0 * scale, delay=1.0)
    recorders = [net.record_spikes(pop) for pop in (delta, exp)]
    net.run(duration, driver=driver, progress=False)
    return [r.record().spike_trains() for r in recorders]


def recurrent_raster(driver: str, seed: int):
    """(times, indices) of the first 100 neurons of benchmarks/snn_event.py's network
    (2000 neurons here): inhibition-dominated, K = 100, delta synapses, a few Hz;
    and the mean rate (Hz)."""
    net = snn.Network(dt=0.1, seed=seed)
    model = snn.LIF(
        E_L=0.0, V_th=20.0, V_reset=10.0, tau_m=10.0, t_ref=2.0, C_m=250.0, I_e=625.0
    )  # fmt: skip  (R I_e = 25 mV)
    pop = net.add_population(2000, model, V_m=snn.Uniform(0.0, 20.0))
    net.connect(pop, pop, indegree=100, weight=-4.0, delay=1.5)
    spikes = net.record_spikes(pop)
    net.run(RASTER, driver=driver, progress=False)
    rate = spikes.times.size / 2000 / (RASTER / 1000.0)
    shown = spikes.indices < 100
    return spikes.times[shown], spikes.indices[shown], rate


def timing_error(reference, trains, tolerance=1.0):
    """(signed errors of matched spikes in ms, the fraction of spikes missed or added):
    a spike matches the nearest one of the same neuron within ``tolerance`` ms."""
    errors, unmatched, total = [], 0, 0
    for ref, got in zip(reference, trains, strict=True):
        total += len(ref)
        if len(got) == 0:
            unmatched += len(ref)
            continue
        if len(ref) == 0:
            unmatched += len(got)
            continue
        difference = got[None, :] - ref[:, None]
        nearest = difference[np.arange(len(ref)), np.abs(difference).argmin(axis=1)]
        errors.extend(nearest[np.abs(nearest) <= tolerance])
        unmatched += int(np.sum(np.abs(nearest) > tolerance)) + abs(len(got) - len(ref))
    return np.array(errors), unmatched / max(total, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="0.3 s of input, three steps")
    args = parser.parse_args()
    duration, steps = (300.0, STEPS[:3]) if args.quick else (2000.0, STEPS)  # ms, ms
    reference = simulate("event", 0.1, args.seed, duration)
    clock = {dt: simulate("clock", dt, args.seed, duration) for dt in steps}

    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    for ax, driver in zip(axes[0], ("event", "clock"), strict=True):
        times, indices, rate = recurrent_raster(driver, args.seed)
        ax.scatter(times, indices, s=25, marker="|", color="black")
        label = "clock driver, dt = 0.1 ms" if driver == "clock" else "event driver"
        ax.set_title(f"{label}: 2000 LIF neurons, K = 100, {rate:.1f} Hz")
        ax.set_xlabel("time (ms)")
        ax.set_xlim(0.0, RASTER)
    axes[0, 0].set_ylabel("neuron (first 100)")
    left, right = axes[1]
    for k, (name, color) in enumerate(
        (("delta synapses", "tab:blue"), ("exp synapses", "tab:red"))
    ):
        n_ref = sum(len(t) for t in reference[k])
        medians, lost = [], []
        for dt in steps:
            errors, fraction = timing_error(reference[k], clock[dt][k])
            medians.append(np.mean(np.abs(errors)))
            lost.append(fraction)
            print(f"{name:15} dt = {dt:6.3f} ms: mean error {medians[-1]:.4f} ms, "
                  f"{100 * fraction:.2f} % of {n_ref} spikes missed or added")  # fmt: skip
        left.loglog(steps, medians, "o-", color=color, label=f"{name}: mean |error|")
        for dt, m, f in zip(steps, medians, lost, strict=True):
            left.annotate(f"{100 * f:.1f}%", (dt, m), textcoords="offset points",
                          xytext=(4, -12 if k else 6), fontsize=7, color=color)  # fmt: skip
    left.loglog(steps, np.array(steps) / 2, "k--", lw=0.8, label="dt / 2")
    left.set_xlabel("clock driver's time step dt (ms)")
    left.set_ylabel("spike-time error against the event driver (ms)")
    left.set_title(
        f"{2 * N_PER_MODEL} neurons on given input, {duration / 1000:g} s: the clock\n"
        "driver's spike-time error (labels: % of spikes missed or added)"
    )
    left.legend(fontsize=8)

    bins = np.linspace(-0.1, 0.4, 51)
    for k, (name, color) in enumerate(
        (("delta synapses", "tab:blue"), ("exp synapses", "tab:red"))
    ):
        errors, _ = timing_error(reference[k], clock[0.1][k])
        right.hist(errors, bins=bins, histtype="step", color=color, lw=1.5, label=name)
    right.axvline(0.1, color="black", lw=0.8, ls="--", label="one step (0.1 ms)")
    right.set_yscale("log")
    right.set_xlabel("clock spike time - event spike time (ms)")
    right.set_ylabel("matched spikes")
    right.set_title("signed error at dt = 0.1 ms: the clock driver fires late")
    right.legend(fontsize=8)
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "snn_event_vs_clock.png"
    fig.savefig(path, dpi=110)
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
