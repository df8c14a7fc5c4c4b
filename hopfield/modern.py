"""Modern Hopfield networks: the dense associative memory of Krotov & Hopfield
(2016) and the continuous softmax Hopfield network of Ramsauer et al. (2020)."""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp, softmax

from hopfield import _kernels
from hopfield._kernels import FLIPS, SETTLED, SWEEPS, Interaction, RecallOptions
from hopfield.classical import RecallInfo
from hopfield.patterns import check_bipolar
from neurodyn._validation import as_float_array, check_choice, check_float, check_int
from neurodyn.random import SeedLike, as_generator

__all__ = ["DenseAssociativeMemory", "ModernHopfield"]

INTERACTIONS = {
    "polynomial": _kernels.POLYNOMIAL,
    "rectified": _kernels.RECTIFIED,
    "exponential": _kernels.EXPONENTIAL,
}


class DenseAssociativeMemory:
    """Dense associative memory of ±1 units (Krotov & Hopfield 2016).

    Energy E(σ) = -Σ_μ F(ξ^μ · σ) with

    * ``polynomial``: F(x) = x^n;
    * ``rectified``: F(x) = x^n for x > 0, else 0 (Krotov & Hopfield's choice);
    * ``exponential``: F(x) = exp(β x) (Demircigil et al. 2017).

    Unit l updates to sgn[Σ_μ F(ξ^μ_l + a_μ) - F(-ξ^μ_l + a_μ)], a_μ = Σ_{j≠l} ξ^μ_j σ_j,
    which lowers E. With n = 2 this is the classical Hebbian network; larger n
    and the exponential store far more than 0.14 N patterns (about N^{n-1} and
    2^{N/2}). Updates are asynchronous; each costs O(P) thanks to overlaps
    kept up to date on every flip.

    Parameters
    ----------
    n_units : int
    interaction : {"polynomial", "rectified", "exponential"}
    degree : int >= 2
        n of the polynomial interactions.
    beta : float > 0
        Inverse temperature of the exponential interaction.
    """

    def __init__(
        self, n_units: int, interaction: str = "rectified", *, degree: int = 3, beta: float = 1.0
    ) -> None:
        owner = "DenseAssociativeMemory"
        self.n_units = check_int(n_units, "n_units", low=1, owner=owner)
        self.interaction = check_choice(
            interaction, "interaction", tuple(INTERACTIONS), owner=owner
        )
        self.degree = check_int(degree, "degree", low=2, owner=owner)
        self.beta = check_float(beta, "beta", low=0.0, low_open=True, owner=owner)
        self.patterns = np.zeros((0, self.n_units), dtype=np.int8)

    def store(self, patterns) -> DenseAssociativeMemory:
        """Add ±1 patterns (P, N) or (N,)."""
        new = np.atleast_2d(check_bipolar(patterns, n_units=self.n_units))
        self.patterns = np.vstack([self.patterns, new])
        return self

    def _interaction(self, x: np.ndarray) -> np.ndarray:
        if self.interaction == "exponential":
            return np.exp(self.beta * x)
        powered = x.astype(np.float64) ** self.degree
        return powered if self.interaction == "polynomial" else np.where(x > 0, powered, 0.0)

    def energy(self, states) -> float | np.ndarray:
        """E(σ) = -Σ_μ F(ξ^μ·σ) for one state (N,) or many (Q, N).

        For the exponential interaction this is -exp(β lse), which overflows for
        large N; :meth:`log_energy` gives log(-E) instead.
        """
        s = check_bipolar(states, "states", n_units=self.n_units).astype(np.float64)
        overlaps = np.atleast_2d(s) @ self.patterns.T.astype(np.float64)
        energies = -self._interaction(overlaps).sum(axis=1)
        return float(energies[0]) if s.ndim == 1 else energies

    def log_energy(self, states) -> float | np.ndarray:
        """log(-E) = logsumexp_μ(β ξ^μ·σ) of the exponential interaction."""
        if self.interaction != "exponential":
            raise ValueError(
                "DenseAssociativeMemory.log_energy: only for the exponential interaction"
            )
        s = check_bipolar(states, "states", n_units=self.n_units).astype(np.float64)
        values = logsumexp(self.beta * np.atleast_2d(s) @ self.patterns.T, axis=1)
        return float(values[0]) if s.ndim == 1 else values

    def recall(
        self,
        probe,
        *,
        seed: SeedLike = None,
        order="random",
        max_sweeps: int = 20,
        return_info: bool = False,
    ):
        """Asynchronous recall from ``probe`` (N,) or (Q, N); stops at a fixed point.

        ``order``: "random" (a new permutation each sweep, from ``seed``) or "fixed".
        Returns ±1 int64 states shaped like ``probe`` (and a :class:`RecallInfo`
        without energies if ``return_info``).
        """
        if self.patterns.shape[0] == 0:
            raise ValueError("DenseAssociativeMemory.recall: store patterns first")
        states = check_bipolar(probe, "probe", n_units=self.n_units)
        single = states.ndim == 1
        states = np.atleast_2d(states).copy()
        check_choice(order, "order", ("random", "fixed"), owner="DenseAssociativeMemory")
        max_sweeps = check_int(max_sweeps, "max_sweeps", low=1, owner="DenseAssociativeMemory")
        n_probes = states.shape[0]
        streams = as_generator(seed).integers(1, 2**63, size=n_probes, dtype=np.uint64)
        counts = np.zeros((n_probes, 3), dtype=np.int64)
        mode = _kernels.ORDER_RANDOM if order == "random" else _kernels.ORDER_GIVEN
        options = RecallOptions(0.0, mode, np.arange(self.n_units, dtype=np.int64), max_sweeps)
        interaction = Interaction(INTERACTIONS[self.interaction], self.degree, self.beta)
        _kernels.dense_memory_recall(
            np.ascontiguousarray(self.patterns.T), interaction, options, states, streams, counts
        )
        result = states.astype(np.int64)
        info = RecallInfo(
            np.full((n_probes, 1), np.nan),
            counts[:, SWEEPS],
            counts[:, FLIPS],
            counts[:, SETTLED].astype(bool),
            np.zeros(n_probes, dtype=bool),
        )
        if single:
            result = result[0]
            info = RecallInfo(*(getattr(info, name)[0] for name in RecallInfo.__dataclass_fields__))
        return (result, info) if return_info else result


class ModernHopfield:
    """Continuous modern Hopfield network (Ramsauer et al. 2020).

    With the stored patterns as the columns of X (d × P):

        ξ_new = X softmax(β Xᵀ ξ)
        E(ξ) = -lse(β, Xᵀξ) + ½ ξᵀξ + β⁻¹ log P + ½ M²,   M = max_μ ||x_μ||

    The update is the concave–convex procedure on E, so E never increases.
    Large β retrieves a stored pattern in one update; small β converges to
    averages of several patterns (metastable states) or of all of them.

    Parameters
    ----------
    beta : float > 0
        Inverse temperature.
    """

    def __init__(self, beta: float = 1.0) -> None:
        self.beta = check_float(beta, "beta", low=0.0, low_open=True, owner="ModernHopfield")
        self.patterns: np.ndarray | None = None

    def store(self, patterns) -> ModernHopfield:
        """Store real-valued patterns, shape (P, d) (replacing earlier ones)."""
        array = as_float_array(patterns, "patterns", ndim=2, owner="ModernHopfield")
        if array.shape[0] == 0:
            raise ValueError("ModernHopfield.patterns: no patterns given")
        self.patterns = array
        return self

    def _queries(self, query) -> tuple[np.ndarray, bool]:
        if self.patterns is None:
            raise ValueError("ModernHopfield: store patterns first")
        array = as_float_array(query, "query", ndim=(1, 2), owner="ModernHopfield")
        if array.shape[-1] != self.patterns.shape[1]:
            raise ValueError(
                f"ModernHopfield.query: expected dimension {self.patterns.shape[1]} (got {array.shape[-1]})"
            )
        return np.atleast_2d(array), array.ndim == 1

    def probabilities(self, query) -> np.ndarray:
        """softmax(β Xᵀξ): how much each stored pattern contributes, (P,) or (Q, P)."""
        queries, single = self._queries(query)
        weights = softmax(self.beta * queries @ self.patterns.T, axis=1)
        return weights[0] if single else weights

    def recall(self, query, *, n_steps: int = 1, tol: float | None = None) -> np.ndarray:
        """Apply the update ``n_steps`` times (or until the largest change is below ``tol``).

        ``query`` is one state (d,) or many (Q, d); the result has the same shape.
        """
        n_steps = check_int(n_steps, "n_steps", low=1, owner="ModernHopfield")
        states, single = self._queries(query)
        for _ in range(n_steps):
            updated = softmax(self.beta * states @ self.patterns.T, axis=1) @ self.patterns
            change = np.max(np.abs(updated - states))
            states = updated
            if tol is not None and change <= tol:
                break
        return states[0] if single else states

    def energy(self, query) -> float | np.ndarray:
        """E(ξ) for one state (d,) or many (Q, d)."""
        states, single = self._queries(query)
        n_patterns = self.patterns.shape[0]
        largest = np.max(np.einsum("pd,pd->p", self.patterns, self.patterns))
        energies = (
            -logsumexp(self.beta * states @ self.patterns.T, axis=1) / self.beta
            + 0.5 * np.einsum("qd,qd->q", states, states)
            + np.log(n_patterns) / self.beta
            + 0.5 * largest
        )
        return float(energies[0]) if single else energies
