"""Linear readouts: offline ridge regression and online recursive least squares.

Both map features X (T, d) to outputs Y (T, n_out) as ``Y ≈ X @ coef_.T + intercept_``.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg
from scipy.linalg import blas

from neurodyn import io
from neurodyn._validation import as_float_array, as_sequences, check_float, check_int
from neurodyn.errors import NotFittedError, SimulationError
from reservoir import _kernels

__all__ = ["RLS", "Ridge"]


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


def _gram(centered: np.ndarray) -> np.ndarray:
    """XᵀX of a (T, d) array with one symmetric rank-k update (BLAS syrk)."""
    upper = blas.dsyrk(1.0, centered.T, trans=0)  # centered.T is Fortran-ordered: no copy
    return np.triu(upper) + np.triu(upper, 1).T


class _LinearReadout:
    """Shared prediction and checks of the fitted linear readouts."""

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


@io.register("reservoir.Ridge")
class Ridge(_LinearReadout):
    """Ridge (Tikhonov) regression readout, fitted as a map/reduce over sequences.

    Minimises ``Σ_t ||y_t - W x_t - b||² + ridge ||W||²`` (the bias ``b`` is not
    penalised). Each sequence contributes its centred Gram matrix XᵀX (one BLAS
    ``syrk``) and XᵀY; the sums are merged with Chan's update, so sequences can
    be accumulated separately (even in other processes, see :meth:`merge`) and
    no precision is lost to large means. The solve is a Cholesky factorisation
    of XᵀX + ridge·I.

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
        self._mean_x = self._mean_y = self._xx = self._xy = None
        return self

    def accumulate(self, X, Y) -> Ridge:
        """Add one sequence's sums: X (T, d) features, Y (T, n_out) targets."""
        ((x, y),) = _pairs(X, Y, "Ridge")
        if self._xx is not None and (
            x.shape[1] != self._xx.shape[0] or y.shape[1] != self._xy.shape[1]
        ):
            raise ValueError(
                f"Ridge.accumulate: expected {self._xx.shape[0]} features and {self._xy.shape[1]} "
                f"targets (got {x.shape[1]} and {y.shape[1]})"
            )
        count = x.shape[0]
        if self.fit_bias:
            mean_x, mean_y = x.mean(axis=0), y.mean(axis=0)
            centered_x = x - mean_x
            xx, xy = _gram(centered_x), centered_x.T @ (y - mean_y)
        else:
            mean_x, mean_y = np.zeros(x.shape[1]), np.zeros(y.shape[1])
            xx, xy = _gram(np.asarray(x, dtype=np.float64)), x.T @ y
        self._merge(count, mean_x, mean_y, xx, xy)
        return self

    def _merge(self, count, mean_x, mean_y, xx, xy) -> None:
        if self._xx is None:
            self._count, self._mean_x, self._mean_y, self._xx, self._xy = (
                count,
                mean_x,
                mean_y,
                xx,
                xy,
            )
            return
        total = self._count + count
        if self.fit_bias:
            delta_x, delta_y = mean_x - self._mean_x, mean_y - self._mean_y
            weight = self._count * count / total
            self._xx = self._xx + xx + weight * np.outer(delta_x, delta_x)
            self._xy = self._xy + xy + weight * np.outer(delta_x, delta_y)
            self._mean_x = self._mean_x + delta_x * count / total
            self._mean_y = self._mean_y + delta_y * count / total
        else:
            self._xx = self._xx + xx
            self._xy = self._xy + xy
        self._count = total

    def merge(self, other: Ridge) -> Ridge:
        """Add another Ridge's accumulated sums to this one's (the reduce step)."""
        if other._xx is not None:
            self._merge(other._count, other._mean_x, other._mean_y, other._xx, other._xy)
        return self

    def solve(self) -> Ridge:
        """Compute ``coef_`` (n_out, d) and ``intercept_`` (n_out,) from the sums."""
        if self._xx is None:
            raise ValueError("Ridge.solve: nothing accumulated")
        system = self._xx + self.ridge * np.eye(self._xx.shape[0])
        try:
            factor = scipy.linalg.cho_factor(system, lower=False, check_finite=False)
            weights = scipy.linalg.cho_solve(factor, self._xy, check_finite=False)
        except np.linalg.LinAlgError:
            warnings.warn(
                "Ridge: XᵀX + ridge·I is not positive definite (ridge too small for collinear "
                "features); falling back to a least-squares solve",
                RuntimeWarning,
                stacklevel=2,
            )
            weights = scipy.linalg.lstsq(system, self._xy)[0]
        if not np.all(np.isfinite(weights)):
            raise SimulationError("Ridge: the solution is not finite; increase ridge")
        self.coef_ = np.ascontiguousarray(weights.T)
        self.intercept_ = self._mean_y - self.coef_ @ self._mean_x
        return self

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
        readout.coef_, readout.intercept_ = arrays["coef"], arrays["intercept"]
        return readout


@io.register("reservoir.RLS")
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
    """

    def __init__(self, alpha: float = 1.0, forgetting: float = 1.0, fit_bias: bool = True) -> None:
        self.alpha = check_float(alpha, "alpha", low=0.0, low_open=True, owner="RLS")
        self.forgetting = check_float(
            forgetting, "forgetting", low=0.0, high=1.0, low_open=True, owner="RLS"
        )
        self.fit_bias = bool(fit_bias)
        self.P_: np.ndarray | None = None
        self.weights_: np.ndarray | None = None

    def reset(self) -> RLS:
        """Forget everything learned."""
        self.P_ = self.weights_ = None
        for name in ("coef_", "intercept_"):
            self.__dict__.pop(name, None)
        return self

    def _start(self, n_features: int, n_outputs: int) -> None:
        d = n_features + int(self.fit_bias)
        self.P_ = np.eye(d) / self.alpha
        self.weights_ = np.zeros((n_outputs, d))

    def _publish(self) -> None:
        n = self.weights_.shape[1] - int(self.fit_bias)
        self.coef_ = self.weights_[:, :n]
        self.intercept_ = self.weights_[:, n] if self.fit_bias else np.zeros(self.weights_.shape[0])

    def features(self, x: np.ndarray) -> np.ndarray:
        """[x, 1] rows (T, d + 1) when fitting a bias, else x."""
        if not self.fit_bias:
            return np.ascontiguousarray(x, dtype=np.float64)
        return np.hstack([x, np.ones((x.shape[0], 1))])

    def partial_fit(self, X, Y) -> RLS:
        """Update on the samples of X (T, d) and Y (T, n_out), in order."""
        for x, y in _pairs(X, Y, "RLS"):
            if self.weights_ is None:
                self._start(x.shape[1], y.shape[1])
            expected = self.weights_.shape[1] - int(self.fit_bias)
            if x.shape[1] != expected or y.shape[1] != self.weights_.shape[0]:
                raise ValueError(
                    f"RLS.partial_fit: expected {expected} features and {self.weights_.shape[0]} "
                    f"targets (got {x.shape[1]} and {y.shape[1]})"
                )
            bad = _kernels.rls_fit(self.P_, self.weights_, self.features(x), y, self.forgetting)
            if bad >= 0:
                raise SimulationError(
                    f"RLS: the weights became non-finite at sample {bad}; raise alpha"
                )
        self._publish()
        return self

    def fit(self, X, Y, *, washout: int = 0) -> RLS:
        """Reset, then learn from each sequence in turn (``washout`` steps dropped)."""
        washout = check_int(washout, "washout", low=0, owner="RLS")
        self.reset()
        pairs = _pairs(X, Y, "RLS", washout)
        return self.partial_fit([x for x, _ in pairs], [y for _, y in pairs])

    def _io_state(self):
        self._check_fitted()
        return (
            {"P": self.P_, "weights": self.weights_},
            {"alpha": self.alpha, "forgetting": self.forgetting, "fit_bias": self.fit_bias},
        )

    @classmethod
    def _from_io_state(cls, arrays, config) -> RLS:
        readout = cls(
            alpha=config["alpha"], forgetting=config["forgetting"], fit_bias=config["fit_bias"]
        )
        readout.P_ = as_float_array(arrays["P"], "P", ndim=2)
        readout.weights_ = as_float_array(arrays["weights"], "weights", ndim=2)
        readout._publish()
        return readout
