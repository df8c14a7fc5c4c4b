"""An echo state network learns the Mackey-Glass attractor.

It predicts the series one step ahead, then runs in closed loop on its own
output. The closed-loop error follows Jaeger & Haas (2004): from 100 starting
points, read 200 true steps to set the state, generate 84 steps freely and
compare the 84th with the truth (NRMSE over the trials, normalised by the
series' standard deviation).

    python examples/esn_mackey_glass.py --out out          # N = 1000, 6000 training steps
    python examples/esn_mackey_glass.py --out out --quick  # small and fast
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from neurodyn import metrics, plot, tasks
from reservoir import ESN

HORIZON = 84
WARMUP = 200


def closed_loop_nrmse(esn: ESN, series: np.ndarray, n_trials: int) -> float:
    """NRMSE of the value ``HORIZON`` steps past each of ``n_trials`` warm-ups."""
    starts = np.linspace(0, series.shape[0] - WARMUP - HORIZON - 1, n_trials).astype(int)
    errors = []
    for start in starts:
        generated = esn.generate(HORIZON, warmup=series[start : start + WARMUP], reset=True)
        errors.append(generated[-1, 0] - series[start + WARMUP + HORIZON - 1, 0])
    return float(np.sqrt(np.mean(np.square(errors))) / np.std(series))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the figure")
    parser.add_argument("--quick", action="store_true", help="a small network and short series")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    n_units, n_train, n_trials = (200, 2000, 20) if args.quick else (1000, 6000, 100)
    n_test, n_free = 2100, 500
    series = tasks.normalize(tasks.mackey_glass(n_train + n_test + 1 + n_free, tau=17, seed=0))
    X, Y = tasks.to_forecasting(series[: n_train + n_test + 1])  # one step ahead, in [-1, 1]
    X_train, Y_train, X_test, Y_test = X[:n_train], Y[:n_train], X[n_train:], Y[n_train:]
    after_test = series[n_train + n_test + 1 :]  # what follows the last test target

    # tuned on seeds 1 and 2 (closed-loop NRMSE at step 84 of 2e-5 to 3e-5 at N = 1000)
    esn = ESN(
        n_units,
        spectral_radius=1.0,
        leak_rate=0.6,
        input_scaling=0.5,
        bias_scaling=0.2,  # a bias breaks tanh's odd symmetry; it halved the error here
        density=0.05,
        noise=1e-7,  # state noise while training stabilises the closed loop (Jaeger & Haas)
        ridge=1e-10,
        washout=100,
        seed=args.seed,
    )
    start = time.perf_counter()
    esn.fit(X_train, Y_train)
    fit_seconds = time.perf_counter() - start
    one_step = esn.predict(X_test)  # continues from the last training state
    one_step_nrmse = metrics.nrmse(Y_test, one_step)
    free_run = esn.generate(n_free)  # closed loop, continuing after the test data
    horizon_nrmse = closed_loop_nrmse(esn, series[n_train : n_train + n_test + 1], n_trials)

    print(
        f"ESN with {n_units} units, trained on {n_train} steps in {fit_seconds:.2f} s (seed {args.seed})"
    )
    print(f"one-step test NRMSE:            {one_step_nrmse:.2e}")
    print(
        f"closed-loop NRMSE at step {HORIZON}:  {horizon_nrmse:.2e}  "
        f"(log10 = {np.log10(horizon_nrmse):.2f}; {n_trials} trials)"
    )

    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    plot.plot_timeseries(
        Y_test[:400], one_step[:400], ax=axes[0, 0], labels=("Mackey-Glass", "one-step prediction")
    )
    axes[0, 0].set_title(f"one step ahead, NRMSE {one_step_nrmse:.1e}")
    truth = after_test
    plot.plot_timeseries(truth, free_run, ax=axes[0, 1], labels=("Mackey-Glass", "closed loop"))
    axes[0, 1].set_title(f"closed loop; NRMSE at step {HORIZON}: {horizon_nrmse:.1e}")
    lag = 17
    axes[1, 0].plot(truth[lag:, 0], truth[:-lag, 0], color="black", lw=0.8, label="Mackey-Glass")
    axes[1, 0].plot(
        free_run[lag:, 0], free_run[:-lag, 0], color="tab:red", lw=0.8, ls="--", label="generated"
    )
    axes[1, 0].set_xlabel("x(t)")
    axes[1, 0].set_ylabel(f"x(t - {lag})")
    axes[1, 0].set_title("attractor (delay embedding)")
    axes[1, 0].legend(frameon=False)
    states = esn.reservoir.run(X_test[:300], reset=True, with_noise=False)
    plot.plot_states(states, n_units=12, ax=axes[1, 1])
    axes[1, 1].set_title("reservoir states (first 12 units)")
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "esn_mackey_glass.png"
    fig.savefig(path, dpi=120)
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
