"""Linear readouts: offline ridge regression and online recursive least squares.

Both map features X (T, d) to outputs Y (T, n_out) as ``Y ≈ X @ coef_.T + intercept_``.
They belong to no family: an echo state network's readout and a liquid state
machine's (ridge regression over spiking states) are the same. ``reservoir``
re-exports them as ``reservoir.Ridge`` and ``reservoir.RLS``.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
import scipy.linalg
from scipy.linalg import blas, lapack

from neurodyn import _kernels, io
from neurodyn._validation import as_float_array, as_sequences, check_float, check_int
from neurodyn.errors import NotFittedError, SimulationError

__all__ = ["RLS", "RLSState", "Ridge"]


def _pairs(X, Y, owner: str, washout: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Matching (features, targets) sequences with ``washout`` leading rows dropped."""
    kind_x, xs = as_sequences(X, "X", owner=owner)
    kind_y, ys = as_sequences(Y, "Y", owner=owner)
    if kind_x == "batch":
        xs = list(xs)
    if kind_y == "batch":
        ys = list(ys)
    if len(xs) != len(ys):
        raise ValueError(f"{owner}: X has {len(xs)} sequences but Y has {len(ys)}")
    pairs = []
    for k, (x, y) in enumerate(zip(xs, ys, strict=True)):
        if x.shape[0] != y.shape[0]:
            raise ValueError(
                f"{owner}: sequence {k} has {x.shape[0]} steps in X but {y.shape[0]} in Y"
            )
        if washout >= x.shape[0]:
            raise ValueError(
                f"{owner}.washout: {washout} steps leave nothing of sequence {k} ({x.shape[0]} steps)"
            )
        pairs.append((x[washout:], y[washout:]))
    return pairs


class _LinearReadout(io.Saveable):
    """Shared prediction, checks and saving of the fitted linear readouts."""

    coef_: np.ndarray
    intercept_: np.ndarray

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError(f"{type(self).__name__}: call fit() before predict()")

    @property
    def n_features(self) -> int:
        self._check_fitted()
        return self.coef_.shape[1]

    def predict(self, X) -> np.ndarray:
        """Outputs for features X (T, d) → (T, n_out); a list gives a list."""
        self._check_fitted()
        kind, xs = as_sequences(X, "X", n_features=self.coef_.shape[1], owner=type(self).__name__)
        if kind == "batch":
            return xs @ self.coef_.T + self.intercept_
        outputs = [x @ self.coef_.T + self.intercept_ for x in xs]
        return outputs[0] if kind == "single" else outputs


@io.register("neurodyn.Ridge", aliases=("reservoir.Ridge",))
class Ridge(_LinearReadout):
    """Ridge (Tikhonov) regression readout, fitted as a map/reduce over sequences.

    Minimises ``Σ_t ||y_t - W x_t - b||² + ridge ||W||²`` (the bias ``b`` is not
    penalised). Each sequence adds its sums Σx, Σy, XᵀY and XᵀX to running
    totals — XᵀX with one in-place BLAS symmetric rank-k update (``dsyrk``),
    which fills only the upper triangle. Sequences can therefore be accumulated
    separately, even in other processes (see :meth:`merge`). The solve centres
    the sums (which is what leaves the bias unpenalised) and factors
    XᵀX + ridge·I with LAPACK's Cholesky (``dpotrf``), reading only that
    triangle.

    Parameters
    ----------
    ridge : float >= 0
        Regularisation λ (not scaled by the number of samples).
    fit_bias : bool
        Learn an intercept.
    """

    def __init__(self, ridge: float = 1e-6, fit_bias: bool = True) -> None:
        self.ridge = check_float(ridge, "ridge", low=0.0, owner="Ridge")
        self.fit_bias = bool(fit_bias)
        self.reset()

    def reset(self) -> Ridge:
        """Forget the accumulated sums (not the fitted weights)."""
        self._count = 0
        self._sum_x = self._sum_y = self._xx = self._xy = None
        return self

    def accumulate(self, X, Y) -> Ridge:
        """Add one sequence's sums: X (T, d) features, Y (T, n_out) targets."""
        ((x, y),) = _pairs(X, Y, "Ridge")
        if self._xx is None:
            d, m = x.shape[1], y.shape[1]
            self._xx = np.zeros((d, d), order="F")
            self._xy, self._sum_x, self._sum_y = np.zeros((d, m)), np.zeros(d), np.zeros(m)
        elif x.shape[1] != self._xx.shape[0] or y.shape[1] != self._xy.shape[1]:
            raise ValueError(
                f"Ridge.accumulate: expected {self._xx.shape[0]} features and {self._xy.shape[1]} "
                f"targets (got {x.shape[1]} and {y.shape[1]})"
            )
        # x.T is Fortran-ordered, so BLAS reads x without a copy; c is updated in place
        blas.dsyrk(1.0, x.T, beta=1.0, c=self._xx, trans=0, lower=0, overwrite_c=1)
        self._xy += x.T @ y
        self._sum_x += x.sum(axis=0)
        self._sum_y += y.sum(axis=0)
        self._count += x.shape[0]
        return self

    def merge(self, other: Ridge) -> Ridge:
        """Add another Ridge's accumulated sums to this one's (the reduce step)."""
        if other._xx is None:
            return self
        if self._xx is None:
            self._xx = np.zeros_like(other._xx, order="F")
            self._xy, self._sum_x, self._sum_y = (
                np.zeros_like(a) for a in (other._xy, other._sum_x, other._sum_y)
            )
        self._xx += other._xx
        self._xy += other._xy
        self._sum_x += other._sum_x
        self._sum_y += other._sum_y
        self._count += other._count
        return self

    def solve(self) -> Ridge:
        """Compute ``coef_`` (n_out, d) and ``intercept_`` (n_out,) from the sums."""
        if self._xx is None:
            raise ValueError("Ridge.solve: nothing accumulated")
        d = self._xx.shape[0]
        system = self._xx.copy(order="F")  # upper triangle of XᵀX
        rhs = self._xy.copy()
        mean_x = mean_y = None
        if self.fit_bias:
            mean_x, mean_y = self._sum_x / self._count, self._sum_y / self._count
            system = blas.dsyr(-float(self._count), mean_x, a=system, lower=0, overwrite_a=1)
            rhs -= self._count * np.outer(mean_x, mean_y)
        system[np.diag_indices(d)] += self.ridge
        factor, info = lapack.dpotrf(system, lower=0, clean=0, overwrite_a=1)
        if info == 0:
            weights, info = lapack.dpotrs(factor, rhs, lower=0)
        if info != 0:
            warnings.warn(
                "Ridge: XᵀX + ridge·I is not positive definite (ridge too small for collinear "
                "features); falling back to a least-squares solve",
                RuntimeWarning,
                stacklevel=2,
            )
            weights = self._least_squares(rhs, mean_x)
        if not np.all(np.isfinite(weights)):
            raise SimulationError("Ridge: the solution is not finite; increase ridge")
        self.coef_ = np.ascontiguousarray(weights.T)
        self.intercept_ = mean_y - self.coef_ @ mean_x if self.fit_bias else np.zeros(rhs.shape[1])
        return self

    def _least_squares(self, rhs, mean_x) -> np.ndarray:
        upper = np.triu(self._xx)
        system = upper + np.triu(upper, 1).T
        if mean_x is not None:
            system -= self._count * np.outer(mean_x, mean_x)
        system += self.ridge * np.eye(system.shape[0])
        return scipy.linalg.lstsq(system, rhs)[0]

    def fit(self, X, Y, *, washout: int = 0) -> Ridge:
        """Fit on one sequence or a list of them, dropping ``washout`` leading steps of each."""
        washout = check_int(washout, "washout", low=0, owner="Ridge")
        self.reset()
        for x, y in _pairs(X, Y, "Ridge", washout):
            self.accumulate(x, y)
        return self.solve()

    def _io_state(self):
        self._check_fitted()
        return (
            {"coef": self.coef_, "intercept": self.intercept_},
            {"ridge": self.ridge, "fit_bias": self.fit_bias},
        )

    @classmethod
    def _from_io_state(cls, arrays, config) -> Ridge:
        readout = cls(ridge=config["ridge"], fit_bias=config["fit_bias"])
        coef = as_float_array(arrays["coef"], "coef", ndim=2, owner="Ridge")
        intercept = as_float_array(arrays["intercept"], "intercept", ndim=1, owner="Ridge")
        if intercept.shape != (coef.shape[0],):
            raise ValueError(
                f"Ridge.intercept: expected {coef.shape[0]} values (got {intercept.shape})"
            )
        readout.coef_, readout.intercept_ = coef, intercept
        return readout


class RLSState(NamedTuple):
    """What an RLS readout has learned, as kernels update it in place.

    ``P`` (d, d) is the running inverse correlation matrix and ``weights``
    (n_out, d) the readout, the intercept in the last column when fitting a bias.
    """

    P: np.ndarray
    weights: np.ndarray


@io.register("neurodyn.RLS", aliases=("reservoir.RLS",))
class RLS(_LinearReadout):
    """Online readout trained by recursive least squares (the rule FORCE uses).

    For each sample, with features φ = [x; 1] and P the running inverse
    correlation matrix (P₀ = I / alpha)::

        k = P φ / (λ + φᵀ P φ),   W ← W - (W φ - y) kᵀ,   P ← (P - k φᵀ P) / λ

    Parameters
    ----------
    alpha : float > 0
        Initial regularisation: P starts at I / alpha (Sussillo & Abbott's α).
    forgetting : float in (0, 1]
        λ; 1 keeps all past samples, smaller values forget exponentially.
    fit_bias : bool
        Append a constant feature and learn an intercept.

    Attributes
    ----------
    state_ : RLSState or None
        P and the weights, updated in place by every sample (``None`` before the
        first one, or :meth:`begin`). ``coef_`` and ``intercept_`` are views of
        ``state_.weights``.
    """

    def __init__(self, alpha: float = 1.0, forgetting: float = 1.0, fit_bias: bool = True) -> None:
        self.alpha = check_float(alpha, "alpha", low=0.0, low_open=True, owner="RLS")
        self.forgetting = check_float(
            forgetting, "forgetting", low=0.0, high=1.0, low_open=True, owner="RLS"
        )
        self.fit_bias = bool(fit_bias)
        self.state_: RLSState | None = None

    def reset(self) -> RLS:
        """Forget everything learned."""
        self.state_ = None
        return self

    def begin(self, n_features: int, n_outputs: int) -> RLSState:
        """Start learning from nothing: P = I / alpha, zero weights; returns the state."""
        d = n_features + int(self.fit_bias)
        self.state_ = RLSState(np.eye(d) / self.alpha, np.zeros((n_outputs, d)))
        return self.state_

    def _learned(self) -> RLSState:
        if self.state_ is None:
            raise NotFittedError("RLS: call partial_fit() or fit() first")
        return self.state_

    @property
    def coef_(self) -> np.ndarray:
        """(n_out, n_features), a view of the learned weights."""
        weights = self._learned().weights
        return weights[:, : weights.shape[1] - int(self.fit_bias)]

    @property
    def intercept_(self) -> np.ndarray:
        """(n_out,), a view of the learned weights (zeros without a bias)."""
        weights = self._learned().weights
        return weights[:, -1] if self.fit_bias else np.zeros(weights.shape[0])

    @property
    def P_(self) -> np.ndarray:
        return self._learned().P

    @property
    def weights_(self) -> np.ndarray:
        return self._learned().weights

    def features(self, x: np.ndarray) -> np.ndarray:
        """[x, 1] rows (T, d + 1) when fitting a bias, else x."""
        if not self.fit_bias:
            return np.ascontiguousarray(x, dtype=np.float64)
        return np.hstack([x, np.ones((x.shape[0], 1))])

    def partial_fit(self, X, Y) -> RLS:
        """Update on the samples of X (T, d) and Y (T, n_out), in order."""
        for x, y in _pairs(X, Y, "RLS"):
            state = self.state_ if self.state_ is not None else self.begin(x.shape[1], y.shape[1])
            expected = state.weights.shape[1] - int(self.fit_bias)
            if x.shape[1] != expected or y.shape[1] != state.weights.shape[0]:
                raise ValueError(
                    f"RLS.partial_fit: expected {expected} features and {state.weights.shape[0]} "
                    f"targets (got {x.shape[1]} and {y.shape[1]})"
                )
            bad = _kernels.rls_fit(state, self.features(x), y, self.forgetting)
            if bad >= 0:
                raise SimulationError(
                    f"RLS: the weights became non-finite at sample {bad}; raise alpha"
                )
        return self

    def fit(self, X, Y, *, washout: int = 0) -> RLS:
        """Reset, then learn from each sequence in turn (``washout`` steps dropped)."""
        washout = check_int(washout, "washout", low=0, owner="RLS")
        self.reset()
        pairs = _pairs(X, Y, "RLS", washout)
        return self.partial_fit([x for x, _ in pairs], [y for _, y in pairs])

    def _io_state(self):
        state = self._learned()
        return (
            {"P": state.P, "weights": state.weights},
            {"alpha": self.alpha, "forgetting": self.forgetting, "fit_bias": self.fit_bias},
        )

    @classmethod
    def _from_io_state(cls, arrays, config) -> RLS:
        readout = cls(
            alpha=config["alpha"], forgetting=config["forgetting"], fit_bias=config["fit_bias"]
        )
        P = as_float_array(arrays["P"], "P", ndim=2, owner="RLS")
        weights = as_float_array(arrays["weights"], "weights", ndim=2, owner="RLS")
        d = weights.shape[1]
        if P.shape != (d, d) or d < int(readout.fit_bias):
            raise ValueError(f"RLS.P: expected shape ({d}, {d}) for weights {weights.shape}")
        readout.state_ = RLSState(P, weights)
        return readout
