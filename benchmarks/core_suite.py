"""The kernels every family rests on, each against its peer, in one process.

One line per case, as JSON (``--json``) or as a table: run time (best of a few
repeats, the first call — compilation included — reported apart) and the
ratio against the peer measured in the same run. The script uses public
calls only, so the same file measures two checkouts one after the other::

    python benchmarks/core_suite.py                       # this checkout
    PYTHONPATH=/path/to/other/checkout python benchmarks/core_suite.py --json

Cases: ESN state harvesting at N = 100 and 1000 (one sequence), a batch of
64 sequences (N = 1000, 1 % density, float32), a ridge fit (5000 features),
asynchronous Hopfield recall (N = 10,000, dense and diluted) and one RNN
training step (LSTM and GRU, hidden 64, batch 32 × 1000 steps, float32).
Peers: reservoirpy, a NumPy loop (Hopfield) and PyTorch; a case whose peer is
missing prints its own time only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

# benchmarks/hopfield.py is named like the package; keep this folder off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numba  # noqa: E402
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402


def best_of(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def first_call(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def optional(name: str):
    try:
        return __import__(name)
    except ImportError:
        return None


# --- echo state networks --------------------------------------------------------------------
def _peer_reservoir(n_units: int, density: float, seed: int):
    from reservoirpy.nodes import Reservoir as PeerReservoir

    peer = PeerReservoir(
        n_units, lr=0.3, sr=0.9, input_connectivity=0.1, rc_connectivity=density, seed=seed
    )
    peer.initialize(np.zeros((1, 1)))
    return peer


def _ours_from(peer, dtype):
    from reservoir import Reservoir

    bias = np.broadcast_to(np.asarray(peer.bias, dtype=float), (peer.units,))
    return Reservoir(W=peer.W, W_in=peer.Win.toarray(), bias=bias, leak_rate=0.3, dtype=dtype)


def esn_run(n_units: int, n_steps: int, repeats: int) -> dict:
    inputs = np.random.default_rng(0).uniform(-1, 1, (n_steps, 1))
    peer = _peer_reservoir(n_units, 0.1, seed=1)
    ours = _ours_from(peer, np.float64)
    compile_s = first_call(lambda: ours.run(inputs[:10], reset=True, progress=False))
    ours_s = best_of(lambda: ours.run(inputs, reset=True, progress=False), repeats)
    peer_s = best_of(lambda: (peer.reset(), peer.run(inputs)), repeats)
    peer.reset()
    error = float(np.max(np.abs(ours.run(inputs[:300], reset=True) - peer.run(inputs[:300]))))
    return {
        "case": f"ESN run N={n_units} (one sequence, 10% density, float64)",
        "ours_us_per_step": ours_s / n_steps * 1e6,
        "peer_us_per_step": peer_s / n_steps * 1e6,
        "ratio": peer_s / ours_s,
        "first_call_s": compile_s,
        "max_state_difference": error,
    }


def esn_batch(n_units: int, n_sequences: int, n_steps: int, repeats: int) -> dict:
    inputs = np.random.default_rng(1).uniform(-1, 1, (n_sequences, n_steps, 1))
    peer = _peer_reservoir(n_units, 0.01, seed=2)
    ours = _ours_from(peer, np.float32)
    compile_s = first_call(lambda: ours.run(inputs[:, :5], reset=True, progress=False))
    ours_s = best_of(lambda: ours.run(inputs, reset=True, progress=False), repeats)
    sequences = list(inputs)
    peer_s = best_of(lambda: (peer.reset(), peer.run(sequences)), max(1, repeats - 1))
    peer.reset()
    expected = peer.run(inputs[0, :200])
    error = float(np.max(np.abs(ours.run(inputs[:, :200], reset=True)[0] - expected)))
    return {
        "case": f"ESN batch {n_sequences}x{n_steps}, N={n_units}, 1% density, float32",
        "ours_s": ours_s,
        "peer_s": peer_s,
        "ratio": peer_s / ours_s,
        "first_call_s": compile_s,
        "max_state_difference": error,
    }


def ridge_fit(n_features: int, n_steps: int, repeats: int) -> dict:
    from reservoirpy.nodes import Ridge as PeerRidge

    from reservoir import Ridge

    rng = np.random.default_rng(2)
    states = np.tanh(rng.normal(size=(n_steps, n_features)))
    targets = states[:, :3] @ rng.normal(size=(3, 1)) + 0.01 * rng.normal(size=(n_steps, 1))
    ours_s = best_of(lambda: Ridge(1e-6).fit(states, targets), repeats)
    peer_s = best_of(lambda: PeerRidge(ridge=1e-6).fit(states, targets), max(1, repeats - 1))
    difference = np.max(
        np.abs(
            Ridge(1e-6).fit(states, targets).coef_.T
            - PeerRidge(ridge=1e-6).fit(states, targets).Wout
        )
    )
    return {
        "case": f"ridge fit {n_steps} steps x {n_features} features",
        "ours_s": ours_s,
        "peer_s": peer_s,
        "ratio": peer_s / ours_s,
        "max_weight_difference": float(difference),
    }


# --- Hopfield ---------------------------------------------------------------------------------
def _numpy_recall(weights, state, max_sweeps=50):
    s = state.astype(np.int64).copy()
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
        if changed == 0:
            break
    return s


def hopfield_async(n: int, diluted: bool, repeats: int) -> dict:
    from hopfield import Hopfield, flip, random_patterns
    from neurodyn import graph

    patterns = random_patterns(n // 20, n, seed=0)
    probe = flip(patterns[0], 0.1, seed=1)
    topology = graph.erdos_renyi(n, 100 / n, seed=2) if diluted else None
    net = Hopfield(n, graph=topology).store(patterns)
    compile_s = first_call(lambda: net.recall(probe, order="fixed", max_sweeps=50))
    ours_s = best_of(lambda: net.recall(probe, order="fixed", max_sweeps=50), repeats)
    effective = net.weights
    if sp.issparse(effective):
        integer = sp.csr_array(effective * n)
        integer.data = np.rint(integer.data).astype(np.int64)
    else:
        integer = np.rint(effective * n).astype(np.int64)
    start = time.perf_counter()
    expected = _numpy_recall(integer, probe)
    peer_s = time.perf_counter() - start
    same = bool(np.array_equal(net.recall(probe, order="fixed", max_sweeps=50), expected))
    return {
        "case": f"Hopfield async N={n} {'diluted (degree ~200)' if diluted else 'dense'}",
        "ours_s": ours_s,
        "peer_s": peer_s,
        "ratio": peer_s / ours_s,
        "first_call_s": compile_s,
        "same_trajectory": same,
    }


# --- RNN baselines ------------------------------------------------------------------------------
def rnn_step(name: str, n_hidden: int, batch: int, n_steps: int, repeats: int) -> dict:
    from threadpoolctl import threadpool_limits

    import rnn

    rng = np.random.default_rng(3)
    X = rng.normal(size=(batch, n_steps, 1)).astype(np.float32)
    Y = rng.normal(size=(batch, n_steps, 1)).astype(np.float32)
    model = getattr(rnn, name)(1, n_hidden, 1, dtype=np.float32, seed=0)

    def ours_step():
        model.fit(X, Y, epochs=1, lr=1e-3, batch_size=batch, shuffle=False, progress=False)

    row = {
        "case": f"{name} train step, hidden {n_hidden}, batch {batch}x{n_steps}, float32, 1 thread"
    }
    with threadpool_limits(1):
        row["first_call_s"] = first_call(ours_step)
        row["ours_s"] = best_of(ours_step, repeats)
        torch = optional("torch")
        if torch is not None:
            torch.set_num_threads(1)
            layer = getattr(torch.nn, name)(1, n_hidden, batch_first=True)
            readout = torch.nn.Linear(n_hidden, 1)
            optimizer = torch.optim.Adam([*layer.parameters(), *readout.parameters()], lr=1e-3)
            x, y = torch.from_numpy(X), torch.from_numpy(Y)

            def torch_step():
                optimizer.zero_grad()
                output, _ = layer(x)
                loss = torch.nn.functional.mse_loss(readout(output), y)
                loss.backward()
                optimizer.step()

            torch_step()
            row["peer_s"] = best_of(torch_step, repeats)
            row["ratio"] = row["peer_s"] / row["ours_s"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument(
        "--only", default="", help="comma-separated case prefixes: esn,batch,ridge,hopfield,rnn"
    )
    args = parser.parse_args()
    repeats = 2 if args.quick else 5
    scale = 10 if args.quick else 1
    have_peers = optional("reservoirpy") is not None
    cases = []
    if have_peers:
        cases += [
            ("esn", lambda: esn_run(100, 20_000 // scale, repeats)),
            ("esn", lambda: esn_run(1000, 20_000 // scale, repeats)),
            ("batch", lambda: esn_batch(1000, 64, 2000 // scale, repeats)),
            ("ridge", lambda: ridge_fit(5000 // scale, 6000 // scale, 3)),
        ]
    cases += [
        ("hopfield", lambda: hopfield_async(10_000 // scale, False, repeats)),
        ("hopfield", lambda: hopfield_async(10_000 // scale, True, repeats)),
        ("rnn", lambda: rnn_step("LSTM", 64, 32, 1000 // scale, repeats)),
        ("rnn", lambda: rnn_step("GRU", 64, 32, 1000 // scale, repeats)),
    ]
    wanted = [w for w in args.only.split(",") if w]
    import neurodyn

    print(
        f"# neurodyn from {Path(neurodyn.__file__).parent.parent}, numba {numba.__version__}, "
        f"{numba.config.NUMBA_NUM_THREADS} threads",
        file=sys.stderr,
    )
    for prefix, case in cases:
        if wanted and prefix not in wanted:
            continue
        row = case()
        if args.json:
            print(json.dumps(row), flush=True)
            continue
        details = "  ".join(
            f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
            for key, value in row.items()
            if key != "case"
        )
        print(f"{row['case']:<72s} {details}", flush=True)


if __name__ == "__main__":
    main()
