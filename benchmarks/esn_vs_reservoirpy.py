"""Echo state networks: neurodyn against reservoirpy, in one process.

Both libraries run the *same* matrices: reservoirpy generates W (normal,
rc_connectivity 0.1, rescaled to the spectral radius), W_in (±1, input
connectivity 0.1) and the bias (0, its default), and neurodyn's Reservoir is
built from those arrays, so the states can be checked against each other
before they are timed. Times are the best of a few repeats (the machines are
shared); compile time is reported separately.

    python benchmarks/esn_vs_reservoirpy.py            # full sizes (a few minutes)
    python benchmarks/esn_vs_reservoirpy.py --quick    # small sizes, a smoke run
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

from neurodyn import metrics, tasks
from reservoir import Reservoir, Ridge

try:
    import reservoirpy
    from reservoirpy.nodes import Reservoir as PeerReservoir
    from reservoirpy.nodes import Ridge as PeerRidge
except ImportError as error:  # pragma: no cover - the benchmark needs the peer
    raise SystemExit(
        f"this benchmark needs reservoirpy (pip install -e '.[peers]'): {error}"
    ) from None


def best_time(function, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def peer_reservoir(n_units: int, n_inputs: int, seed: int) -> PeerReservoir:
    peer = PeerReservoir(
        n_units, lr=0.3, sr=0.9, input_connectivity=0.1, rc_connectivity=0.1, seed=seed
    )
    peer.initialize(np.zeros((1, n_inputs)))
    return peer


def ours_from(peer: PeerReservoir, **options) -> Reservoir:
    bias = np.broadcast_to(np.asarray(peer.bias, dtype=float), (peer.units,))
    return Reservoir(W=peer.W, W_in=peer.Win.toarray(), bias=bias, leak_rate=0.3, **options)


def harvest(n_units: int, n_steps: int, rng) -> None:
    inputs = rng.uniform(-1, 1, (n_steps, 1))
    peer = peer_reservoir(n_units, 1, seed=1)
    peer_time = best_time(
        lambda: (peer.reset(), peer.run(inputs)), repeats=1 if n_units >= 5000 else 3
    )
    peer.reset()
    expected = peer.run(inputs[:500])
    print(f"\nstate harvesting, N={n_units}, {peer.W.nnz} weights, {n_steps} steps, one sequence")
    print(f"  reservoirpy {reservoirpy.__version__}: {peer_time / n_steps * 1e6:8.2f} µs/step")
    for label, threads, dtype in (
        ("float64, 1 thread ", 1, np.float64),
        ("float64, 2 threads", 2, np.float64),
        ("float32, 2 threads", 2, np.float32),
    ):
        numba.set_num_threads(threads)
        ours = ours_from(peer, dtype=dtype)  # parallel rows only where they pay off (the default)
        start = time.perf_counter()
        states = ours.run(inputs[:500], reset=True, progress=False)
        first = time.perf_counter() - start
        error = np.max(np.abs(states - expected))
        seconds = best_time(
            lambda ours=ours: ours.run(inputs, reset=True, progress=False),
            repeats=1 if n_units >= 5000 else 3,
        )
        print(
            f"  neurodyn {label}: {seconds / n_steps * 1e6:8.2f} µs/step   ratio {peer_time / seconds:5.1f}x"
            f"   (first call {first:.2f} s incl. compile; max |Δstate| vs reservoirpy {error:.1e})"
        )
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)


def batch(n_units: int, n_sequences: int, n_steps: int, rng) -> None:
    inputs = rng.uniform(-1, 1, (n_sequences, n_steps, 1))
    peer = peer_reservoir(n_units, 1, seed=2)
    sequences = list(inputs)
    peer_time = best_time(lambda: (peer.reset(), peer.run(sequences)), repeats=2)
    print(f"\nbatch of {n_sequences} sequences × {n_steps} steps, N={n_units}")
    print(f"  reservoirpy (list of sequences): {peer_time:7.3f} s")
    for label, threads, dtype in (
        ("float64, 1 thread ", 1, np.float64),
        ("float64, 2 threads", 2, np.float64),
        ("float32, 2 threads", 2, np.float32),
    ):
        numba.set_num_threads(threads)
        ours = ours_from(peer, dtype=dtype)
        ours.run(inputs[:, :5], reset=True, progress=False)
        seconds = best_time(
            lambda ours=ours: ours.run(inputs, reset=True, progress=False), repeats=2
        )
        print(
            f"  neurodyn {label} (one batch): {seconds:7.3f} s   ratio {peer_time / seconds:5.1f}x"
        )
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)


def ridge_fit(n_units: int, n_steps: int, rng) -> None:
    states = np.tanh(rng.normal(size=(n_steps, n_units)))
    targets = states[:, :3] @ rng.normal(size=(3, 1)) + 0.01 * rng.normal(size=(n_steps, 1))
    peer_time = best_time(lambda: PeerRidge(ridge=1e-6).fit(states, targets), repeats=1)
    peer = PeerRidge(ridge=1e-6).fit(states, targets)
    ours_time = best_time(lambda: Ridge(1e-6).fit(states, targets), repeats=2)
    ours = Ridge(1e-6).fit(states, targets)
    difference = np.max(np.abs(ours.coef_.T - peer.Wout))
    print(f"\nridge fit, {n_steps} steps × {n_units} features")
    print(
        f"  reservoirpy: {peer_time:6.2f} s   neurodyn: {ours_time:6.2f} s   ratio {peer_time / ours_time:5.1f}x"
        f"   (max |ΔW_out| {difference:.1e})"
    )


def mackey_glass_accuracy(n_units: int, seeds) -> None:
    series = tasks.normalize(tasks.mackey_glass(8100, seed=0))
    X, Y = tasks.to_forecasting(series)
    train, test = slice(0, 6000), slice(6000, None)
    print(
        f"\nMackey-Glass one-step NRMSE, N={n_units}, same matrices in both (reservoirpy's generators)"
    )
    for seed in seeds:
        peer = peer_reservoir(n_units, 1, seed=seed)
        peer_states = peer.run(X[train])
        peer_readout = PeerRidge(ridge=1e-8).fit(peer_states[100:], Y[train][100:])
        peer_error = metrics.nrmse(Y[test], peer_readout.run(peer.run(X[test])))
        ours = ours_from(peer)
        readout = Ridge(1e-8).fit(ours.run(X[train])[100:], Y[train][100:])
        error = metrics.nrmse(Y[test], readout.predict(ours.run(X[test])))
        print(f"  seed {seed}: reservoirpy {peer_error:.2e}   neurodyn {error:.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(
        f"numba {numba.__version__}, {numba.config.NUMBA_NUM_THREADS} threads available; "
        "neurodyn spreads rows over threads only when a step has >= 80,000 weights × sequences"
    )
    if args.quick:
        harvest(100, 2000, rng)
        batch(100, 8, 200, rng)
        ridge_fit(300, 1000, rng)
        mackey_glass_accuracy(200, [1])
        print(f"\nthreading layer: {numba.threading_layer()}")
        return
    harvest(100, 20_000, rng)
    harvest(1000, 20_000, rng)
    harvest(5000, 2_000, rng)
    batch(100, 64, 2000, rng)
    batch(1000, 64, 500, rng)
    ridge_fit(5000, 6000, rng)
    mackey_glass_accuracy(1000, [1, 2, 3])
    print(f"\nthreading layer: {numba.threading_layer()}")


if __name__ == "__main__":
    main()
