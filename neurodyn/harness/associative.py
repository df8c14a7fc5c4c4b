"""Associative memories as harness models: they store the training targets (the patterns)
and complete each test probe by their own dynamics, so that they meet the trained
networks on the pattern-completion task."""

from __future__ import annotations

import numpy as np

from neurodyn.harness.models import ModelAdapter
from neurodyn.harness.registry import HarnessError, register_model

__all__ = ["HopfieldAdapter", "ModernHopfieldAdapter"]


def _check_task(adapter: ModelAdapter) -> None:
    data = adapter.data
    if data.kind != "sequences" or np.ndim(data.train.Y) != 2 or data.output != "regression":
        raise HarnessError(
            f"model {adapter.name!r}: needs a pattern task (targets (N, n_units)), "
            "such as pattern-completion"
        )


def _patterns(adapter: ModelAdapter) -> np.ndarray:
    """The distinct training targets: the patterns to store."""
    return np.unique(np.asarray(adapter.data.train.Y), axis=0)


def _probes(split) -> np.ndarray:
    """A probe per test item: its first step."""
    X = np.asarray(split.X)
    return X[:, 0] if X.ndim == 3 else X


@register_model("hopfield")
class HopfieldAdapter(ModelAdapter):
    """Classical Hopfield network (``hopfield.Hopfield``)."""

    family = "associative"
    description = "Hopfield network (Hebbian, Storkey or pseudo-inverse; asynchronous recall)"
    defaults = {"rule": "hebbian", "mode": "async", "max_sweeps": 100}
    parameter_docs = {
        "rule": "'hebbian', 'storkey' or 'pseudoinverse'",
        "mode": "recall: 'async' (one unit at a time) or 'sync'",
        "max_sweeps": "recall budget: sweeps of N updates",
    }

    def __init__(self, params, seed, data, task_name=""):
        super().__init__(params, seed, data, task_name)
        _check_task(self)
        from hopfield import Hopfield

        try:
            self.memory = Hopfield(data.n_out, self.params["rule"])
        except ValueError as error:
            raise HarnessError(f"model 'hopfield': {error}") from None

    def fit(self) -> None:
        patterns = _patterns(self)
        self.memory.store(np.where(patterns >= 0.0, 1, -1))

    def predict(self, split) -> np.ndarray:
        probes = np.where(_probes(split) >= 0.0, 1, -1)
        p = self.params
        states = self.memory.recall(probes, mode=p["mode"], max_sweeps=p["max_sweeps"],
                                    seed=self.seed)  # fmt: skip
        return states.astype(np.float64)

    @property
    def n_parameters(self) -> int:
        n = self.memory.n_units
        return n * (n - 1) // 2  # symmetric weights, no self-coupling


@register_model("modern-hopfield")
class ModernHopfieldAdapter(ModelAdapter):
    """Modern (continuous) Hopfield network (``hopfield.ModernHopfield``, Ramsauer et al.)."""

    family = "associative"
    description = "modern Hopfield network (softmax attention over the stored patterns)"
    defaults = {"beta": 1.0, "n_steps": 1}
    parameter_docs = {"beta": "inverse temperature", "n_steps": "update steps"}

    def __init__(self, params, seed, data, task_name=""):
        super().__init__(params, seed, data, task_name)
        _check_task(self)
        from hopfield import ModernHopfield

        try:
            self.memory = ModernHopfield(self.params["beta"])
        except ValueError as error:
            raise HarnessError(f"model 'modern-hopfield': {error}") from None

    def fit(self) -> None:
        self.memory.store(_patterns(self))

    def predict(self, split) -> np.ndarray:
        return self.memory.recall(_probes(split), n_steps=self.params["n_steps"])

    @property
    def n_parameters(self) -> int:
        return int(self.memory.patterns.size)
