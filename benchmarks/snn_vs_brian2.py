"""Spiking networks against Brian2 and NEST: COBA (Vogels & Abbott, 4000 neurons) and
Brunel's balanced network (12,500 neurons, 15.6 M synapses), 1 s of biological time.

    python benchmarks/snn_vs_brian2.py                     # everything available, one table
    python benchmarks/snn_vs_brian2.py --cases coba --simulators ours,brian2-cpp

Every measurement runs in its own process (Brian2's standalone device and NEST's
kernel want a fresh one; a cold Numba cache needs one). Reported per simulator:

* ``build``: constructing the network (connectivity included);
* ``first result``: from an empty compile cache to the end of the simulation (Numba's
  JIT, Brian2's code generation and C++ compilation included);
* ``run``: wall-clock per biological second once everything is compiled;
* rates and ISI CVs, to show that the simulators did the same thing.

Integration: ours uses RK4 for COBA's conductance neurons and exact propagators for
Brunel's; Brian2 is run with its own choice (exponential Euler for COBA, exact for
Brunel) and, as ``brian2-cpp-rk4``, with RK4 like ours.

Threads: ``--threads`` for ours and NEST (Brian2's standalone OpenMP threads too).
The ratio column is the peer's run time over ours (>1: ours is faster).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

DURATION = 1000.0  # ms
SIMULATORS = ("ours", "brian2-cpp", "brian2-cpp-euler", "brian2-cpp-rk4", "brian2-cython",
              "brian2-numpy", "nest")  # fmt: skip
# not on Brunel's network, which Brian2 integrates exactly: minutes per biological second
# (numpy) or the same scheme as brian2-cpp
COBA_ONLY = ("brian2-numpy", "brian2-cpp-rk4", "brian2-cpp-euler")


def _network(case: str, seed: int):
    from snn.networks import brunel, vogels_abbott

    return vogels_abbott(seed=seed) if case == "coba" else brunel(g=5.0, eta=2.0, seed=seed)


def _statistics(spikes_by_population, pops, start_ms=100.0):
    from snn_peers import spike_statistics

    out = {}
    for name, (times, indices) in spikes_by_population.items():
        rate, cv = spike_statistics(times, indices, pops[name].n, DURATION, start_ms)
        out[name] = (round(rate, 2), round(cv, 3))
    return out


def worker_ours(case: str, threads: int, seed: int) -> dict:
    import numba

    numba.set_num_threads(threads)
    start = time.perf_counter()
    net, pops = _network(case, seed)
    net.threads = threads
    built = time.perf_counter()
    recorders = {name: net.record_spikes(pops[name]) for name in ("exc", "inh")}
    net.compile()
    compiled = time.perf_counter()
    net.run(DURATION, progress=False)
    first = time.perf_counter()
    net.run(DURATION, progress=False)  # warm: no compilation left
    run = time.perf_counter() - first
    import resource

    return {
        "build": built - start,
        "layout": compiled - built,
        "first result": first - start,
        "run": run,
        "memory MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "stats": _statistics(
            {
                n: (r.times[r.times <= DURATION], r.indices[r.times <= DURATION])
                for n, r in recorders.items()
            },
            pops,
        ),
    }


def worker_brian2(case: str, target: str, threads: int, seed: int, method: str) -> dict:
    import brian2 as b2
    import numpy as np
    from snn_peers import brunel_brian2, coba_brian2

    workdir = tempfile.mkdtemp(prefix="brian2-")
    if target == "cpp":
        b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
    else:
        b2.prefs.codegen.target = target
        b2.prefs.codegen.runtime.cython.cache_dir = workdir  # a cold cache
    start = time.perf_counter()
    net, pops = _network(case, seed)
    if case == "coba":
        run, monitors = coba_brian2(net, pops, DURATION, method=method)
    else:
        run, monitors = brunel_brian2(net, pops, DURATION, g=5.0, eta=2.0)
    built = time.perf_counter()
    run()
    if target == "cpp":
        b2.device.build(directory=workdir, compile=True, run=True)
        run_time = b2.device._last_run_time
    first = time.perf_counter()
    if target != "cpp":
        run_time = first - built  # runtime targets: measure once more, warm
        again = time.perf_counter()
        run()
        run_time = time.perf_counter() - again
    spikes = {}
    for name, monitor in monitors.items():
        times, indices = np.asarray(monitor.t / b2.ms), np.asarray(monitor.i)
        spikes[name] = (times[times <= DURATION], indices[times <= DURATION])  # the first run
    stats = _statistics(spikes, pops)
    return {"build": built - start, "first result": first - start, "run": run_time, "stats": stats}


def worker_nest(case: str, threads: int, seed: int) -> dict:
    start = time.perf_counter()
    net, pops = _network(case, seed)
    for name in ("exc", "inh"):
        net.record_spikes(pops[name])
    handle = net.to_nest(threads=threads)
    built = time.perf_counter()
    handle.run(DURATION)  # nothing to compile: the first run is the run
    first = time.perf_counter()
    run = first - built
    spikes = {}
    for k, name in enumerate(("exc", "inh")):
        times, indices = handle.spikes(k)
        keep = times <= DURATION
        spikes[name] = (times[keep], indices[keep])
    return {
        "build": built - start,
        "first result": first - start,
        "run": run,
        "stats": _statistics(spikes, pops),
    }


def _worker(args) -> None:
    if args.simulator == "ours":
        result = worker_ours(args.case, args.threads, args.seed)
    elif args.simulator.startswith("brian2-"):
        # Brian2's own choice for COBA is exponential Euler; "-rk4" integrates as we do,
        # "-euler" is forward Euler (first order, the cheapest update)
        suffix = args.simulator.split("-")[-1]
        method = suffix if suffix in ("rk4", "euler") else "exponential_euler"
        target = args.simulator.split("-")[1]
        result = worker_brian2(args.case, target, args.threads, args.seed, method)
    else:
        result = worker_nest(args.case, args.threads, args.seed)
    print("RESULT " + json.dumps(result))


def _measure(simulator: str, case: str, threads: int, seed: int) -> dict | None:
    environment = dict(os.environ, NUMBA_CACHE_DIR=tempfile.mkdtemp(prefix="numba-"))
    environment.setdefault("OMP_NUM_THREADS", str(threads))
    command = [sys.executable, __file__, "--worker", simulator, "--case", case,
               "--threads", str(threads), "--seed", str(seed)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=environment)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        print(f"  {simulator} on {case}: failed ({tail[0]})", file=sys.stderr)
        return None
    return json.loads(lines[0][len("RESULT ") :])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="coba,brunel")
    parser.add_argument("--simulators", default=",".join(SIMULATORS))
    parser.add_argument("--threads", default="1", help="comma-separated thread counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker")
    parser.add_argument("--case")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if args.worker:
        args.simulator, args.threads = args.worker, int(args.threads)
        _worker(args)
        return
    rows = []
    for case in args.cases.split(","):
        for threads in map(int, args.threads.split(",")):
            results = {}
            for simulator in args.simulators.split(","):
                if case == "brunel" and simulator in COBA_ONLY:
                    continue
                result = _measure(simulator, case, threads, args.seed)
                if result:
                    results[simulator] = result
            ours = results.get("ours", {}).get("run")
            for simulator, result in results.items():
                ratio = result["run"] / ours if ours else float("nan")
                rows.append((case, threads, simulator, result, ratio))
    print(f"{'case':7} {'thr':>3} {'simulator':14} {'build s':>8} {'first s':>8} {'run s':>8} "
          f"{'peer/ours':>9}  rates Hz (exc, inh) and CVs")  # fmt: skip
    for case, threads, simulator, result, ratio in rows:
        stats = result["stats"]
        summary = ", ".join(
            f"{name} {rate:.1f} Hz CV {cv:.2f}" for name, (rate, cv) in stats.items()
        )
        print(f"{case:7} {threads:>3} {simulator:14} {result['build']:8.2f} "
              f"{result['first result']:8.2f} {result['run']:8.3f} {ratio:9.2f}  {summary}")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
