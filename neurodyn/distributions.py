"""Values given as a number, an array or a distribution: weights, delays, initial states.

Wherever neurodyn takes a per-element quantity (a weight per edge, a delay per
edge in ms, an initial membrane potential per neuron), it accepts

* a number: every element gets it;
* an array of the right length: used as given;
* a distribution: :class:`Uniform`, :class:`Normal` (optionally truncated) or
  :class:`LogNormal`, or any callable ``f(rng, size) -> array``, drawn from the
  caller's random stream.

:func:`sample` turns any of them into an array and names the argument when the
value does not fit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from neurodyn._validation import as_float_array, check_float

__all__ = ["Distribution", "LogNormal", "Normal", "Uniform", "ValueSpec", "sample"]

_MAX_REDRAWS = 100  # a truncated normal that keeps missing its interval is an error


class Distribution:
    """Base class: a callable ``dist(rng, size) -> ndarray`` of float64."""

    def __call__(self, rng: np.random.Generator, size: int) -> np.ndarray:
        raise NotImplementedError


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform on [low, high)."""

    low: float
    high: float

    def __post_init__(self) -> None:
        check_float(self.low, "low", owner="Uniform")
        check_float(self.high, "high", owner="Uniform")
        if not self.high > self.low:
            raise ValueError(f"Uniform.high: must exceed low = {self.low} (got {self.high})")

    def __call__(self, rng, size):
        return rng.uniform(self.low, self.high, size)


@dataclass(frozen=True)
class Normal(Distribution):
    """Gaussian N(mean, std²); with ``low``/``high``, values outside are drawn again
    (NEST's ``normal_clipped`` redraws the same way)."""

    mean: float
    std: float
    low: float | None = None
    high: float | None = None

    def __post_init__(self) -> None:
        check_float(self.mean, "mean", owner="Normal")
        check_float(self.std, "std", low=0.0, owner="Normal")
        low = -np.inf if self.low is None else check_float(self.low, "low", owner="Normal")
        high = np.inf if self.high is None else check_float(self.high, "high", owner="Normal")
        if not high > low:
            raise ValueError(f"Normal.high: must exceed low = {low} (got {high})")

    def __call__(self, rng, size):
        values = rng.normal(self.mean, self.std, size)
        low = -np.inf if self.low is None else self.low
        high = np.inf if self.high is None else self.high
        for _ in range(_MAX_REDRAWS):
            outside = (values < low) | (values > high)
            count = int(np.count_nonzero(outside))
            if count == 0:
                return values
            values[outside] = rng.normal(self.mean, self.std, count)
        raise ValueError(
            f"Normal(mean={self.mean}, std={self.std}): [{low}, {high}] is too far in the "
            f"tail; {_MAX_REDRAWS} redraws did not fill it"
        )


@dataclass(frozen=True)
class LogNormal(Distribution):
    """exp(N(mu, sigma²)): positive values, e.g. heavy-tailed synaptic weights."""

    mu: float
    sigma: float

    def __post_init__(self) -> None:
        check_float(self.mu, "mu", owner="LogNormal")
        check_float(self.sigma, "sigma", low=0.0, owner="LogNormal")

    def __call__(self, rng, size):
        return rng.lognormal(self.mu, self.sigma, size)


ValueSpec = float | np.ndarray | Callable[[np.random.Generator, int], np.ndarray]


def sample(value: ValueSpec, size: int, rng: np.random.Generator, name: str) -> np.ndarray:
    """``size`` float64 values from a number, an array of length ``size`` or a distribution.

    Raises ``ValueError``/``TypeError`` naming ``name`` when the value is not
    finite or has the wrong length.
    """
    if callable(value):
        values = as_float_array(value(rng, size), name)
        if values.shape != (size,):
            raise ValueError(
                f"{name}: the distribution returned shape {values.shape}, expected ({size},)"
            )
        return values
    values = as_float_array(value, name, ndim=(0, 1))
    if values.ndim == 0:
        return np.full(size, float(values))
    if values.shape != (size,):
        raise ValueError(f"{name}: expected a number or {size} values (got shape {values.shape})")
    return values.copy()
