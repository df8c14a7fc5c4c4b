"""The neural history compressor as a harness model: next-symbol prediction on the
symbol-sequence tasks (``reber``, ``text``), with how many symbols reached each level."""

from __future__ import annotations

import numpy as np

from neurodyn.harness.models import ModelAdapter
from neurodyn.harness.registry import HarnessError, register_model

__all__ = ["NHCAdapter"]

UPPER_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)  # candidates, chosen on the validation split


def _symbols(X: np.ndarray) -> np.ndarray:
    """One-hot inputs (N, T, V) as symbol sequences (N, T)."""
    return np.argmax(np.asarray(X), axis=-1)


@register_model("nhc")
class NHCAdapter(ModelAdapter):
    """``rnn.NeuralHistoryCompressor`` predicting each next symbol: where level 0 is sure
    to be surprised, the level above's prediction is mixed in, with the weight that
    predicts the validation split best (see its ``predict_proba``)."""

    family = "gradient"
    description = (
        "neural history compressor (Schmidhuber 1992): stacked next-symbol predictors, "
        "each passing up only what it failed to predict"
    )
    defaults = {
        "levels": 2,
        "n_hidden": 32,
        "epochs": 10,
        "lr": 1e-3,
        "truncate": 3,
        "threshold": 0.95,
        "clip": 1.0,
    }
    task_defaults = {"text": {"lr": 3e-3, "epochs": 5}}  # measured on the shipped corpus
    parameter_docs = {
        "levels": "predictors in the stack",
        "n_hidden": "hidden units per level",
        "epochs": "passes over the training sequences per level",
        "lr": "Adam's learning rate (online: one update per symbol)",
        "truncate": "steps the error flows back through at each update",
        "threshold": "a symbol goes up when its predicted probability is below this",
        "clip": "gradient norm clipping (0: none)",
    }

    def __init__(self, params, seed, data, task_name=""):
        super().__init__(params, seed, data, task_name)
        if (
            data.kind != "sequences"
            or data.output != "classification"
            or np.ndim(data.train.X) != 3
            or data.n_in != data.n_classes
        ):
            raise HarnessError(
                f"model 'nhc': needs a next-symbol task (one-hot inputs, the next symbol as "
                f"label), such as reber or text (got {task_name or 'another task'})"
            )
        from rnn import NeuralHistoryCompressor

        p = self.params
        try:
            self.model = NeuralHistoryCompressor(
                data.n_classes, levels=p["levels"], n_hidden=p["n_hidden"], surprise=p["threshold"],
                truncate=p["truncate"], lr=p["lr"], clip=p["clip"] or None, epochs=p["epochs"],
                seed=seed,
            )  # fmt: skip
        except ValueError as error:
            raise HarnessError(f"model 'nhc': {error}") from None

    def fit(self) -> None:
        train = self.data.train
        inputs, labels = _symbols(train.X), np.asarray(train.Y)
        sequences = list(np.concatenate([inputs, labels[:, -1:]], axis=1))  # with the last target
        self.model.fit(sequences, progress=self.progress)
        self.curve = self.model.history_[0]["loss"]
        self.upper_weight = self._choose_upper_weight()

    def _choose_upper_weight(self) -> float:
        """The weight of the level above where level 0 must be surprised (see
        ``predict_proba``) with the least validation log loss."""
        val = self.data.val
        sequences, labels = list(_symbols(val.X)), np.asarray(val.Y)

        def log_loss(weight: float) -> float:
            probs = np.stack(self.model.predict_proba(sequences, upper_weight=weight))
            chosen = np.take_along_axis(probs, labels[..., None], axis=-1)
            return float(-np.mean(np.log(np.maximum(chosen, 1e-12))))

        return min(UPPER_WEIGHTS, key=log_loss)

    def predict(self, split) -> np.ndarray:
        sequences = list(_symbols(split.X))
        return np.stack(self.model.predict_proba(sequences, upper_weight=self.upper_weight))

    def extra_metrics(self, split) -> dict:
        counts = self.model.input_counts(list(_symbols(split.X)))
        shares = {f"level{k}_share": counts[k] / counts[0] for k in range(1, len(counts))}
        return shares | {"upper_weight": self.upper_weight}

    @property
    def n_parameters(self) -> int:
        return int(sum(theta.size for theta in self.model.thetas_))
