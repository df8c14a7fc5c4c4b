"""Training-step time of neurodyn's RNN baselines against PyTorch on the CPU.

One training step = forward over a batch of 32 sequences of 1000 steps, loss
(MSE, many-to-many), backpropagation through time and an Adam update. Both
run in float32 on one thread (torch.set_num_threads(1); BLAS limited to one
thread for neurodyn), in one process; each timing is an epoch of 4 steps
divided by 4, best of a few repeats. Before timing, both models get the same
weights and their first losses are compared.

    python benchmarks/rnn_vs_torch.py            # hidden 64 and 256
    python benchmarks/rnn_vs_torch.py --quick    # hidden 32, 200 steps
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from rnn import GRU, LSTM, Elman

try:
    import torch
except ImportError as error:  # pragma: no cover - the benchmark needs the peer
    raise SystemExit(f"this benchmark needs PyTorch (pip install torch==2.13.0): {error}") from None

MODELS = {"Elman": (Elman, torch.nn.RNN), "LSTM": (LSTM, torch.nn.LSTM), "GRU": (GRU, torch.nn.GRU)}


def best_of(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


STEPS_PER_EPOCH = 4


def compare(name: str, n_hidden: int, batch: int, n_steps: int, repeats: int) -> None:
    ours_cls, torch_cls = MODELS[name]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(batch * STEPS_PER_EPOCH, n_steps, 1)).astype(np.float32)
    Y = rng.normal(size=(batch * STEPS_PER_EPOCH, n_steps, 1)).astype(np.float32)
    options = {"nonlinearity": "tanh"} if name == "Elman" else {}
    ours = ours_cls(1, n_hidden, 1, dtype=np.float32, seed=0, **options)
    recurrent = torch_cls(1, n_hidden, batch_first=True)
    readout = torch.nn.Linear(n_hidden, 1)
    with torch.no_grad():
        for key, parameter in recurrent.named_parameters():
            parameter.copy_(torch.from_numpy(ours.params[key]))
        readout.weight.copy_(torch.from_numpy(ours.params["weight_out"]))
        readout.bias.copy_(torch.from_numpy(ours.params["bias_out"]))
    optimizer = torch.optim.Adam([*recurrent.parameters(), *readout.parameters()], lr=1e-3)
    batches = [
        (torch.from_numpy(X[k : k + batch]), torch.from_numpy(Y[k : k + batch]))
        for k in range(0, X.shape[0], batch)
    ]

    def torch_epoch():
        losses = []
        for x, y in batches:
            optimizer.zero_grad()
            output, _ = recurrent(x)
            loss = torch.nn.functional.mse_loss(readout(output), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses[0]

    def ours_epoch():
        history = ours.fit(X, Y, epochs=1, lr=1e-3, batch_size=batch, shuffle=False, progress=False)
        return history.loss[0]

    first_ours = ours.loss_and_gradients(X[:batch], Y[:batch])[0]  # same weights: same loss
    first_torch = torch_epoch()
    torch_time = best_of(torch_epoch, repeats) / STEPS_PER_EPOCH
    ours_time = best_of(ours_epoch, repeats) / STEPS_PER_EPOCH
    print(
        f"{name:5s} hidden {n_hidden:3d}: torch {torch_time * 1e3:8.1f} ms   neurodyn {ours_time * 1e3:8.1f} ms"
        f"   ratio {ours_time / torch_time:5.2f}   (first loss {first_torch:.6f} vs {first_ours:.6f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    sizes, n_steps, repeats = ((32,), 200, 2) if args.quick else ((64, 256), 1000, 3)
    print(
        f"torch {torch.__version__}, float32, one thread, batch 32, {n_steps} steps; "
        "ratio = neurodyn time / torch time (below 1: neurodyn faster)"
    )
    with threadpool_limits(1):
        for n_hidden in sizes:
            for name in MODELS:
                compare(name, n_hidden, 32, n_steps, repeats)


if __name__ == "__main__":
    main()
