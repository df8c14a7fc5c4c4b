"""Run saved neurodyn networks in NEST, in a process of their own.

    python nest_worker.py OUT.npz DURATION [--precise] NET1.npz [NET2.npz ...]

NEST bundles its own libgomp; in a process where Numba's OpenMP threading layer has
already run (the rest of the test suite), NEST's threads crash. So the parity tests
save their networks, and this script loads each, builds it with ``snn.to_nest``,
simulates, and writes every recorder's spikes and traces to OUT.npz.
"""

import sys

import numpy as np

import snn


def main() -> None:
    out, duration, paths = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    precise = "--precise" in paths
    paths = [p for p in paths if p != "--precise"]
    results = {}
    for k, path in enumerate(paths):
        net = snn.Network.load(path)
        handle = net.to_nest(precise=precise)
        handle.run(duration)
        for r, recorder in enumerate(net.recorders):
            if isinstance(recorder, snn.SpikeRecorder):
                times, indices = handle.spikes(r)
                results[f"{k}.{r}.times"], results[f"{k}.{r}.indices"] = times, indices
            elif isinstance(recorder, snn.StateRecorder):
                times, values = handle.trace(r)
                results[f"{k}.{r}.times"], results[f"{k}.{r}.values"] = times, values
    np.savez(out, **results)


if __name__ == "__main__":
    main()
