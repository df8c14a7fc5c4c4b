"""Asynchronous Hopfield recall: neurodyn's event-driven kernel against a
straightforward NumPy implementation, in one process.

The NumPy version recomputes each visited unit's field, h_i = W[i] · s (O(N), or
O(degree) from the CSR row when diluted); neurodyn keeps every field and, on a
flip, adds w_ji δ to the fields of unit i's targets only. Both visit units in
the same fixed order with integer Hebbian weights, so their trajectories must
be identical, which is checked before the times are compared.

    python benchmarks/hopfield.py           # N = 10,000 (dense and diluted)
    python benchmarks/hopfield.py --quick   # N = 2,000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# This file is named like the package it measures; keep its folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

from hopfield import Hopfield, flip, random_patterns  # noqa: E402
from neurodyn import graph  # noqa: E402


def numpy_recall(weights, state, max_sweeps=50):
    """Zero-temperature asynchronous recall, units in order 0..N-1; returns (state, updates, flips)."""
    s = state.astype(np.int64).copy()
    updates = flips = 0
    sparse = sp.issparse(weights)
    for _ in range(max_sweeps):
        changed = 0
        for i in range(s.shape[0]):
            if sparse:
                row = slice(weights.indptr[i], weights.indptr[i + 1])
                field = weights.data[row] @ s[weights.indices[row]]
            else:
                field = weights[i] @ s
            new = 1 if field > 0 else (-1 if field < 0 else s[i])
            changed += new != s[i]
            s[i] = new
        updates += s.shape[0]
        flips += changed
        if changed == 0:
            break
    return s, updates, flips


def run(label: str, net: Hopfield, integer_weights, probes) -> None:
    ours_time, numpy_time, updates_total, flips_total = 0.0, 0.0, 0, 0
    net.recall(probes[0], order="fixed")  # compile before timing
    for probe in probes:
        start = time.perf_counter()
        ours, info = net.recall(probe, order="fixed", return_info=True, max_sweeps=50)
        ours_time += time.perf_counter() - start
        start = time.perf_counter()
        expected, updates, flips = numpy_recall(integer_weights, probe)
        numpy_time += time.perf_counter() - start
        if not np.array_equal(ours, expected) or info.flips != flips:
            raise SystemExit(f"{label}: trajectories differ")
        updates_total += updates
        flips_total += flips
    n = net.n_units
    print(f"\n{label}: N={n}, {len(probes)} probes, {updates_total} updates, {flips_total} flips")
    print(
        f"  NumPy     : {numpy_time:8.3f} s   {updates_total / numpy_time:12,.0f} updates/s   "
        f"{flips_total / numpy_time:10,.0f} flips/s"
    )
    print(
        f"  neurodyn  : {ours_time:8.3f} s   {updates_total / ours_time:12,.0f} updates/s   "
        f"{flips_total / ours_time:10,.0f} flips/s   ratio {numpy_time / ours_time:6.1f}x"
    )
    print(
        "  (neurodyn's time includes computing the N initial fields; the trajectories are identical)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 2000 if args.quick else 10_000
    n_patterns = n // 20  # load 0.05
    patterns = random_patterns(n_patterns, n, seed=0)
    probes = flip(patterns[:3], 0.1, seed=1)

    dense = Hopfield(n).store(patterns)
    integer_weights = np.rint(dense.weights * n).astype(np.int64)  # the Hebbian sums Σ ξξᵀ
    run("dense Hebbian", dense, integer_weights, probes)

    degree = 100
    topology = graph.erdos_renyi(n, degree / n, seed=2)
    diluted = Hopfield(n, graph=topology).store(patterns)
    sums = sp.csr_array(diluted.weights * n)
    sums.data = np.rint(sums.data).astype(np.int64)
    run(f"diluted Hebbian (Erdős–Rényi, mean degree {2 * degree})", diluted, sums, probes)


if __name__ == "__main__":
    main()
