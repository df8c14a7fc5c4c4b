"""Register your own model with the comparison harness and compare it on NARMA-10.

The harness's registries are open: a model is a small adapter class with
``fit``, ``predict`` and ``n_parameters``. Here: a linear autoregressive
baseline (ridge regression on the last ``lags`` inputs), compared with the
echo state network on the same data splits and seeds.

    python examples/harness_custom_model.py --out out/custom
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from neurodyn.harness import ModelAdapter, plan, register_model, run_plan, write_report
from reservoir import Ridge


@register_model("linear-ar")
class LinearAutoregression(ModelAdapter):
    family = "baseline"
    description = "ridge regression on the last `lags` inputs"
    defaults = {"lags": 10, "ridge": 1e-6}

    def _lagged(self, X: np.ndarray, history: np.ndarray) -> np.ndarray:
        lags = self.params["lags"]
        padded = np.concatenate([history[-(lags - 1) :], X]) if lags > 1 else X
        return np.hstack([padded[k : k + X.shape[0]] for k in range(lags)])

    def fit(self) -> None:
        train = self.data.train
        features = self._lagged(train.X, np.zeros((self.params["lags"], train.X.shape[1])))
        self.readout = Ridge(self.params["ridge"]).fit(features, train.Y)

    def predict(self, split) -> np.ndarray:
        return self.readout.predict(self._lagged(split.X, self.data.val.X))

    @property
    def n_parameters(self) -> int:
        return int(self.readout.coef_.size + self.readout.intercept_.size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/custom"))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    settings = {"task.n_train": 1000, "task.n_test": 500, "esn.n_units": 100} if args.quick else {}
    specs = plan("narma10", ["esn", "linear-ar"], [0, 1] if args.quick else [0, 1, 2], [settings])
    run_plan(specs, args.out, quiet=True)
    write_report(args.out)
    print(f"figure: {args.out / 'narma10_metric.png'}")


if __name__ == "__main__":
    main()
