"""Rate-based Hebbian learning: Hebb's rule, Oja's rule, Sanger's generalised Hebbian
algorithm and BCM, for a layer of rate units y = W x.

    from neurodyn.hebbian import HebbianLayer
    layer = HebbianLayer(n_in=5, n_out=1, rule="oja", eta=0.002, seed=0)
    layer.fit(X, epochs=20)           # X (T, n_in), centred for the PCA rules
    layer.weights                     # (n_out, n_in): here the first principal component

| rule | update of row i (one sample x, y = W x) | what it learns |
|---|---|---|
| ``"hebb"`` | eta y_i x | grows without bound along the first principal component |
| ``"oja"`` | eta y_i (x - W^T y) | Oja (1982): unit-norm first principal component; with several outputs an orthonormal basis of the leading subspace |
| ``"sanger"`` | eta y_i (x - sum_{k<=i} y_k W_k) | Sanger (1989): the leading principal components, in order |
| ``"bcm"`` | eta y_i (y_i - theta_i) x, theta_i -> <y_i^2> over tau_theta samples | Bienenstock, Cooper & Munro (1982): selectivity to one input pattern (outputs rectified) |

Divergence (Hebb's rule always diverges, the others with too large an ``eta``) raises
:class:`~neurodyn.errors.SimulationError` naming the epoch and sample. The kernel is
:func:`neurodyn._kernels.hebbian_epoch`.
"""

from __future__ import annotations

import numpy as np

from neurodyn import _kernels
from neurodyn._validation import as_float_array, check_choice, check_float, check_int
from neurodyn.errors import SimulationError
from neurodyn.progress import Progress
from neurodyn.random import SeedLike, root_sequence

__all__ = ["RULES", "HebbianLayer"]

RULES = {"hebb": _kernels.HEBB, "oja": _kernels.OJA, "sanger": _kernels.SANGER,
         "bcm": _kernels.BCM}  # fmt: skip


class HebbianLayer:
    """``n_out`` rate units y = W x (rectified for ``"bcm"``) whose weights W (n_out, n_in)
    learn by ``rule`` with learning rate ``eta`` per sample; ``tau_theta`` (samples) is
    BCM's averaging time of y^2. Weights start small and random (``seed``) unless
    ``weights`` is given."""

    def __init__(
        self,
        n_in: int,
        n_out: int = 1,
        *,
        rule: str = "oja",
        eta: float = 0.01,
        tau_theta: float = 100.0,
        weights=None,
        seed: SeedLike = None,
    ) -> None:
        self.n_in = check_int(n_in, "n_in", low=1, owner="HebbianLayer")
        self.n_out = check_int(n_out, "n_out", low=1, owner="HebbianLayer")
        self.rule = check_choice(rule, "rule", tuple(RULES), owner="HebbianLayer")
        self.eta = check_float(eta, "eta", low=0.0, low_open=True, owner="HebbianLayer")
        self.tau_theta = check_float(tau_theta, "tau_theta", low=1.0, owner="HebbianLayer")
        self._rng = np.random.default_rng(root_sequence(seed, "seed"))
        if weights is None:
            weights = self._rng.normal(0.0, 0.1 / np.sqrt(self.n_in), (self.n_out, self.n_in))
        weights = as_float_array(weights, "weights", ndim=(2,), owner="HebbianLayer")
        if weights.shape != (self.n_out, self.n_in):
            raise ValueError(
                f"HebbianLayer.weights: expected shape ({self.n_out}, {self.n_in}), "
                f"got {weights.shape}"
            )
        self.weights = np.ascontiguousarray(weights, np.float64).copy()
        self.theta = np.zeros(self.n_out)  # BCM's sliding thresholds
        self.epochs_done = 0

    def fit(self, X, *, epochs: int = 1, shuffle: bool = True, progress=None) -> HebbianLayer:
        """Present the samples X (T, n_in) ``epochs`` times (in a new random order each time
        when ``shuffle``), updating the weights after every sample; continues from the
        current weights."""
        X = as_float_array(X, "X", ndim=(2,), owner="HebbianLayer.fit")
        if X.shape[1] != self.n_in:
            raise ValueError(f"HebbianLayer.fit.X: expected {self.n_in} columns, got {X.shape[1]}")
        if not np.all(np.isfinite(X)):
            raise ValueError("HebbianLayer.fit.X: contains NaN or infinite values")
        epochs = check_int(epochs, "epochs", low=1, owner="HebbianLayer.fit")
        X = np.ascontiguousarray(X, np.float64)
        y, residual = np.zeros(self.n_out), np.zeros(self.n_in)
        with Progress(epochs, progress, desc=f"{self.rule} epochs", unit="epoch", auto=True) as bar:
            for _ in range(epochs):
                order = self._rng.permutation(X.shape[0]) if shuffle else np.arange(X.shape[0])
                bad = _kernels.hebbian_epoch(
                    self.weights, X, order.astype(np.int64), RULES[self.rule], self.eta,
                    self.theta, self.tau_theta, y, residual,
                )  # fmt: skip
                self.epochs_done += 1
                if bad >= 0:
                    raise SimulationError(
                        f"HebbianLayer({self.rule!r}): the weights stopped being finite in epoch "
                        f"{self.epochs_done}, sample {bad} (eta = {self.eta:g}; Hebb's rule "
                        "always diverges, the others need a smaller eta)"
                    )
                bar.update(1)
        return self

    def transform(self, X) -> np.ndarray:
        """The outputs y = W x for every row of X (T, n_in): shape (T, n_out)."""
        X = as_float_array(X, "X", ndim=(2,), owner="HebbianLayer.transform")
        out = X @ self.weights.T
        return np.maximum(out, 0.0) if self.rule == "bcm" else out

    def __repr__(self) -> str:
        return (
            f"HebbianLayer(n_in={self.n_in}, n_out={self.n_out}, rule={self.rule!r}, "
            f"eta={self.eta:g}, epochs_done={self.epochs_done})"
        )
