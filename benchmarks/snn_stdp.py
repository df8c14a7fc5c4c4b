"""STDP on Song, Miller & Abbott's network against Brian2's STDP example: one
conductance-based neuron, 1000 Poisson inputs at 15 Hz through plastic synapses, 100 s
of biological time, additive STDP with hard bounds.

    python benchmarks/snn_stdp.py                          # ours, brian2-cpp, brian2-cython
    python benchmarks/snn_stdp.py --simulators ours,brian2-cpp --duration 20

Every simulator runs in its own process. Reported: ``first result`` (from an empty
compile cache to the end: Numba's JIT, Brian2's code generation and C++ compilation
included), ``run`` (the same simulation again once compiled, so without compilation),
the final weight histogram (w / w_max in tenths) and the output rate over the last 10 s,
to show that both did the same thing. Brian2 integrates with its own choice of method
(exponential Euler here), ours with RK4; Brian2 transmits a spike's weight before its
depression, ours after (NEST's order).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

SIMULATORS = ("ours", "brian2-cpp", "brian2-cython")


def _summary(weights, w_max, spike_times_ms, duration_ms) -> dict:
    import numpy as np

    tenths = np.histogram(np.asarray(weights) / w_max, bins=10, range=(0.0, 1.0))[0]
    last = np.sum(np.asarray(spike_times_ms) > duration_ms - 10_000.0) / 10.0
    return {"tenths": tenths.tolist(), "rate_last_10s": float(last)}


def worker_ours(duration: float) -> dict:
    from snn.networks import SONG_W_MAX, song_abbott

    def simulate():
        net, parts = song_abbott(seed=1)
        spikes = net.record_spikes(parts["neuron"])
        net.run(duration, progress=False)
        return _summary(parts["synapses"].weights, SONG_W_MAX, spikes.times, duration)

    start = time.perf_counter()
    simulate()
    first = time.perf_counter() - start
    start = time.perf_counter()
    result = simulate()
    return {"first result": first, "run": time.perf_counter() - start, **result}


def worker_brian2(duration: float, target: str) -> dict:
    import brian2 as b2

    folder = tempfile.mkdtemp(prefix="song-brian2-")
    if target == "cpp":
        b2.set_device("cpp_standalone", directory=folder, build_on_run=False)
    else:
        b2.prefs.codegen.target = "cython"
        b2.prefs.codegen.runtime.cython.cache_dir = folder  # an empty cache: compile time counted
    start = time.perf_counter()
    result = _brian2_song(b2, duration)
    if target == "cpp":
        b2.device.build(directory=folder, compile=True, run=True)
        first = time.perf_counter() - start
        result = result()
        run = b2.device._last_run_time  # the simulation itself, without compilation
    else:
        result = result()
        first = time.perf_counter() - start
        b2.device.reinit()
        b2.device.activate()
        start = time.perf_counter()
        result = _brian2_song(b2, duration)()
        run = time.perf_counter() - start
    return {"first result": first, "run": run, **result}


def _brian2_song(b2, duration_ms: float):
    """Brian2's STDP example (its units: conductance over the leak's), built and run;
    returns a function reading the results."""
    from brian2 import Hz, NeuronGroup, PoissonGroup, SpikeMonitor, Synapses, ms, mV

    b2.start_scope()
    b2.seed(1)
    taum, tau_e, tau_stdp = 10 * ms, 5 * ms, 20 * ms
    e_ex, v_th, v_reset, e_l = 0 * mV, -54 * mV, -60 * mV, -74 * mV
    g_max = 0.01
    d_pre = 0.01 * g_max
    d_post = -d_pre * 1.05
    neuron = NeuronGroup(
        1,
        "dv/dt = (ge * (e_ex - v) + e_l - v) / taum : volt\ndge/dt = -ge / tau_e : 1",
        threshold="v > v_th", reset="v = v_reset", method="exponential_euler",
        namespace={"e_ex": e_ex, "e_l": e_l, "taum": taum, "tau_e": tau_e, "v_th": v_th,
                   "v_reset": v_reset},
    )  # fmt: skip
    neuron.v = e_l
    inputs = PoissonGroup(1000, rates=15 * Hz)
    synapses = Synapses(
        inputs, neuron,
        "w : 1\ndapre/dt = -apre / tau_stdp : 1 (event-driven)\n"
        "dapost/dt = -apost / tau_stdp : 1 (event-driven)",
        on_pre="ge += w\napre += d_pre\nw = clip(w + apost, 0, g_max)",
        on_post="apost += d_post\nw = clip(w + apre, 0, g_max)",
        namespace={"tau_stdp": tau_stdp, "d_pre": d_pre, "d_post": d_post, "g_max": g_max},
    )  # fmt: skip
    synapses.connect()
    synapses.w = "rand() * g_max"
    spikes = SpikeMonitor(neuron)
    b2.run(duration_ms * ms)

    def read() -> dict:
        return _summary(synapses.w[:], g_max, spikes.t[:] / ms, duration_ms)

    return read


def _run_worker(name: str, seconds: float) -> dict:
    environment = dict(os.environ)
    environment["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="song-numba-")  # a cold cache
    done = subprocess.run(
        [sys.executable, __file__, "--worker", name, "--duration", str(seconds)],
        capture_output=True, text=True, env=environment, timeout=3600,
    )  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(lines[-1][len("RESULT ") :])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--simulators", default=",".join(SIMULATORS))
    parser.add_argument("--duration", type=float, default=100.0, help="biological seconds")
    parser.add_argument("--worker")
    args = parser.parse_args()
    duration = args.duration * 1000.0
    if args.worker:
        if args.worker == "ours":
            result = worker_ours(duration)
        else:
            result = worker_brian2(duration, args.worker.split("-")[1])
        print("RESULT " + json.dumps(result))
        return
    results = {name: _run_worker(name, args.duration) for name in args.simulators.split(",")}
    ours = results.get("ours", {}).get("run")
    print(f"Song, Miller & Abbott, 1000 plastic inputs, {args.duration:g} s biological time")
    print(f"{'simulator':>14} {'first result s':>15} {'run s':>8} {'run / ours':>10} "
          f"{'rate Hz (last 10 s)':>20}  w / w_max in tenths")  # fmt: skip
    for name, r in results.items():
        if "error" in r:
            print(f"{name:>14}  failed: {r['error']}")
            continue
        ratio = f"{r['run'] / ours:10.2f}" if ours else f"{'':>10}"
        print(f"{name:>14} {r['first result']:15.2f} {r['run']:8.2f} {ratio} "
              f"{r['rate_last_10s']:20.1f}  {r['tenths']}")  # fmt: skip


if __name__ == "__main__":
    main()
