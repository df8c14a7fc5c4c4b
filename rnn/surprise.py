"""Surprise rules of the neural history compressor: when a level passes an input upward.

A rule is a callable ``rule(probabilities, actual) -> surprised``: the level's
predicted distributions over the next symbol, (n, V), the symbols that actually
came, (n,) int, and a boolean (n,) answer. Any callable of that form works; the
two below can also be saved with the model. Whatever the rule, the compressor
also passes up every input that differs from the level's most probable
prediction, so the inputs passed up always determine the whole stream (the
paper's "unambiguous reduced description").
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from neurodyn._validation import check_float

__all__ = [
    "NotArgmax",
    "ProbabilityBelow",
    "SurpriseRule",
    "as_rule",
    "rule_config",
    "rule_from_config",
]

SurpriseRule = Callable[[np.ndarray, np.ndarray], np.ndarray]


class ProbabilityBelow:
    """Surprised when the predicted probability of the actual symbol is below ``threshold``
    (Schmidhuber 1992's criterion; the third-party reconstruction uses 0.95)."""

    def __init__(self, threshold: float = 0.95) -> None:
        self.threshold = check_float(
            threshold, "threshold", low=0.0, high=1.0, low_open=True, owner="ProbabilityBelow"
        )

    def __call__(self, probabilities: np.ndarray, actual: np.ndarray) -> np.ndarray:
        return probabilities[np.arange(actual.shape[0]), actual] < self.threshold

    def __repr__(self) -> str:
        return f"ProbabilityBelow({self.threshold})"


class NotArgmax:
    """Surprised when the actual symbol is not the most probable one."""

    def __call__(self, probabilities: np.ndarray, actual: np.ndarray) -> np.ndarray:
        return np.argmax(probabilities, axis=1) != actual

    def __repr__(self) -> str:
        return "NotArgmax()"


def as_rule(surprise, owner: str) -> SurpriseRule:
    """A rule from ``surprise``: a rule, any callable of the rule's form, or a number θ
    (short for ``ProbabilityBelow(θ)``)."""
    if isinstance(surprise, numbers.Real) and not isinstance(surprise, bool):
        try:
            return ProbabilityBelow(surprise)
        except ValueError as error:
            raise ValueError(f"{owner}.surprise: {error}") from None
    if callable(surprise):
        return surprise
    raise TypeError(
        f"{owner}.surprise: expected a threshold in (0, 1] or a callable "
        f"rule(probabilities, actual) -> bool array (got {surprise!r})"
    )


def rule_config(rule: SurpriseRule) -> dict:
    """The JSON form of a saveable rule; other callables cannot be saved."""
    if isinstance(rule, ProbabilityBelow):
        return {"rule": "probability_below", "threshold": rule.threshold}
    if isinstance(rule, NotArgmax):
        return {"rule": "not_argmax"}
    raise TypeError(
        f"surprise: a custom rule ({rule!r}) cannot be saved; use ProbabilityBelow or NotArgmax"
    )


def rule_from_config(config: dict) -> SurpriseRule:
    if config.get("rule") == "probability_below":
        return ProbabilityBelow(config["threshold"])
    if config.get("rule") == "not_argmax":
        return NotArgmax()
    raise ValueError(f"surprise: unknown saved rule {config!r}")
