"""A neuron zoo: the firing patterns of the Izhikevich and AdEx models under a current step.

Left: Izhikevich (2003) presets (regular spiking, intrinsic bursting, chattering,
fast spiking, low-threshold spiking) at 10 pA-equivalent input, NEST's integration.
Right: AdEx (aeif_cond_exp) parameter sets of Naud et al. (2008), Table 1 (tonic,
adapting, initial burst, regular bursting, delayed accelerating, delayed regular
bursting, transient, irregular), integrated with the adaptive RKF45 scheme NEST uses.
Every neuron is one population of one network, so they all run together.

    python examples/snn_neuron_zoo.py --out out
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt

import snn

# Naud et al. (2008), Table 1: C (pF), g_L (nS), E_L, V_T (mV), a (nS), tau_w (ms), b (pA),
# V_r (mV), I (pA); Delta_T = 2 mV throughout
NAUD = {
    "tonic": (200, 10, -70, -50, 2, 30, 0, -58, 500),
    "adapting": (200, 12, -70, -50, 2, 300, 60, -58, 500),
    "initial burst": (130, 18, -58, -50, 4, 150, 120, -50, 400),
    "regular bursting": (200, 10, -58, -50, 2, 120, 100, -46, 210),
    "delayed accelerating": (200, 12, -70, -50, -10, 300, 0, -58, 300),
    "delayed regular bursting": (100, 10, -65, -50, -10, 90, 30, -47, 110),
    "transient": (100, 10, -65, -50, 10, 90, 100, -47, 180),
    "irregular": (100, 12, -60, -50, -11, 130, 30, -48, 160),
}
STEP_ON, STEP_OFF = 20.0, 520.0  # ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    duration = 300.0 if args.quick else 600.0

    net = snn.Network(dt=0.1)
    traces = {}
    for name in snn.Izhikevich.PRESETS:
        neuron = net.add_population(1, snn.Izhikevich.preset(name), name=name)
        net.add_current(neuron, 10.0, start=STEP_ON, stop=STEP_OFF)
        traces[("izh", name)] = net.record_state(neuron, "V_m")
    for name, (c, g, e_l, v_t, a, tau_w, b, v_r, current) in NAUD.items():
        model = snn.AdEx(C_m=c, g_L=g, E_L=e_l, V_th=v_t, Delta_T=2.0, a=a, tau_w=tau_w, b=b,
                         V_reset=v_r, V_peak=0.0)  # fmt: skip
        neuron = net.add_population(1, model, name=f"adex {name}", V_m=e_l)
        net.add_current(neuron, current, start=STEP_ON, stop=STEP_OFF)
        traces[("adex", name)] = net.record_state(neuron, "V_m")
    spikes = {key: net.record_spikes(recorder.population) for key, recorder in traces.items()}
    net.run(duration)

    fig, axes = plt.subplots(8, 2, figsize=(11, 12), sharex=True)
    for column, family in enumerate(("izh", "adex")):
        keys = [key for key in traces if key[0] == family]
        for row, key in enumerate(keys):
            ax = axes[row, column]
            recorder = traces[key]
            ax.plot(recorder.times, recorder.values[:, 0], lw=0.7, color="black")
            ax.vlines(
                spikes[key].times, -40, 30, color="tab:red", lw=0.6
            )  # spikes (reset hides the peak)
            ax.set_title(f"{key[1]}: {len(spikes[key])} spikes", fontsize=9, loc="left")
            ax.set_ylabel("V_m (mV)", fontsize=8)
        for row in range(len(keys), 8):
            axes[row, column].axis("off")
    axes[0, 0].annotate("Izhikevich (2003), I = 10", xy=(0.5, 1.35), xycoords="axes fraction",
                        ha="center", fontsize=11)  # fmt: skip
    axes[0, 1].annotate("AdEx, Naud et al. (2008)", xy=(0.5, 1.35), xycoords="axes fraction",
                        ha="center", fontsize=11)  # fmt: skip
    for ax in axes[-1]:
        ax.set_xlabel("time (ms)")
    axes[4, 0].set_xlabel("time (ms)")
    axes[4, 0].xaxis.set_tick_params(labelbottom=True)
    fig.suptitle(f"Firing patterns under a current step from {STEP_ON:g} ms (red: spikes)")
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "snn_neuron_zoo.png"
    fig.savefig(path, dpi=110)
    for key, recorder in spikes.items():
        print(f"{key[0]:5} {key[1]:26} {len(recorder):3d} spikes")
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
