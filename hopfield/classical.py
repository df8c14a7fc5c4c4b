"""The classical Hopfield network: Hebbian, Storkey and pseudo-inverse learning;
synchronous and event-driven asynchronous recall."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

from hopfield import _kernels
from hopfield._kernels import FLIPS, SETTLED, SWEEPS, HopfieldBundle, RecallOptions
from hopfield.patterns import check_bipolar
from neurodyn import graph as graphs
from neurodyn import io
from neurodyn._validation import as_float_array, check_choice, check_float, check_int
from neurodyn.compiled import (
    Compilable,
    SourceView,
    dense_weight_matrix,
    frozen,
    source_view,
    weight_matrix,
)
from neurodyn.random import SeedLike, as_generator
from neurodyn.record import StateRecord

__all__ = ["Hopfield", "RecallInfo"]

RULES = ("hebbian", "storkey", "pseudoinverse")


@dataclass(frozen=True)
class RecallInfo:
    """What happened during a recall (one entry per probe).

    Attributes
    ----------
    energies : ndarray (Q, steps + 1)
        Energy at the start and after each sweep (async) or step (sync); NaN
        after the probe stopped.
    steps : ndarray (Q,)
        Sweeps (async) or synchronous steps taken.
    flips : ndarray (Q,)
        Units changed in total.
    converged : ndarray of bool (Q,)
        Reached a fixed point (always False at a positive temperature).
    cycle : ndarray of bool (Q,)
        Synchronous recall ended in a 2-cycle.
    """

    energies: np.ndarray
    steps: np.ndarray
    flips: np.ndarray
    converged: np.ndarray
    cycle: np.ndarray

    def energy_record(self, probe: int = 0) -> StateRecord:
        """The energy of one probe at the start and after every sweep (or step) it
        took, as a :class:`~neurodyn.record.StateRecord` (times in steps)."""
        energies = np.atleast_2d(self.energies)[probe]
        taken = int(np.atleast_1d(self.steps)[probe])
        return StateRecord(np.arange(taken + 1.0), energies[: taken + 1], "energy", "", "step")


@io.register("hopfield.Hopfield")
class Hopfield(Compilable, io.Saveable):
    """Classical Hopfield network of ±1 units with symmetric weights.

    Local field h_i = Σ_j w_ij s_j; energy E(s) = -½ Σ_ij w_ij s_i s_j + Σ_i θ_i s_i.
    A unit updates to sgn(h_i - θ_i) and keeps its state on a tie.

    Parameters
    ----------
    n_units : int
        N.
    rule : {"hebbian", "storkey", "pseudoinverse"}
        Learning rule of :meth:`store`:

        * ``hebbian``: W = (1/N) Σ_μ ξ^μ ξ^μᵀ. Stored exactly, as the integer
          sums Σ_μ ξ^μ ξ^μᵀ, so recall runs in integer arithmetic.
        * ``storkey``: Storkey (1997), incremental and local,
          w_ij += (1/N)[ξ_i ξ_j - ξ_i h_ji - h_ij ξ_j], h_ij = Σ_{k≠i,j} w_ik ξ_k.
          The rule itself leaves a non-zero diagonal; ``zero_diagonal`` removes
          it after learning (the raw matrix is kept for later patterns).
        * ``pseudoinverse``: the projection W = Ξ Ξ⁺ (Personnaz et al. 1985),
          recomputed from all stored patterns; every stored pattern is a fixed
          point while the patterns are linearly independent.
    zero_diagonal : bool
        Set w_ii = 0 (the default; required for the energy to be a Lyapunov
        function of asynchronous updates together with symmetry).
    graph : networkx graph or CSRGraph, optional
        Dilution: only the edges of this graph (made symmetric) carry weights.
        Weights are then stored in CSR and an asynchronous flip costs O(degree).
    threshold : float or array (N,)
        θ.
    """

    def __init__(
        self,
        n_units: int,
        rule: str = "hebbian",
        *,
        zero_diagonal: bool = True,
        graph=None,
        threshold=0.0,
    ) -> None:
        self.n_units = check_int(n_units, "n_units", low=1, owner="Hopfield")
        self.rule = check_choice(rule, "rule", RULES, owner="Hopfield")
        self.zero_diagonal = bool(zero_diagonal)
        threshold = as_float_array(threshold, "threshold", ndim=(0, 1), owner="Hopfield")
        if threshold.ndim == 1 and threshold.shape != (self.n_units,):
            raise ValueError(f"Hopfield.threshold: expected a float or {self.n_units} values")
        self.threshold = np.broadcast_to(threshold, (self.n_units,)).astype(np.float64)
        self.mask = None if graph is None else self._mask(graph)
        self.patterns = np.zeros((0, self.n_units), dtype=np.int8)
        self._learned = np.zeros((self.n_units, self.n_units), dtype=self._dtype())
        self._symmetric = True

    # --- construction -------------------------------------------------------------------
    def _dtype(self):
        exact = self.rule == "hebbian" and not np.any(self.threshold)
        return np.int32 if exact else np.float64  # |Σ_μ ξ_i ξ_j| <= P

    def _mask(self, graph) -> sp.csr_array:
        if isinstance(graph, nx.Graph):
            structure = graphs.from_networkx(graph, weight=None)
        elif isinstance(graph, graphs.CSRGraph):
            structure = graph
        else:
            raise TypeError(
                f"Hopfield.graph: expected a networkx graph or CSRGraph (got {type(graph).__name__})"
            )
        if structure.shape != (self.n_units, self.n_units):
            raise ValueError(
                f"Hopfield.graph: expected {self.n_units} nodes (got {structure.shape[0]})"
            )
        adjacency = structure.to_scipy()
        adjacency.data[:] = 1.0
        symmetric = ((adjacency + adjacency.T) > 0).astype(np.int8)
        symmetric.setdiag(0 if self.zero_diagonal else 1)
        symmetric.eliminate_zeros()
        return sp.csr_array(symmetric)

    @property
    def scale(self) -> float:
        """Factor from stored to effective weights (1/N for the integer Hebbian sums)."""
        return 1.0 / self.n_units if np.issubdtype(self._learned.dtype, np.integer) else 1.0

    def _effective_stored(self) -> np.ndarray:
        """The learned matrix with the diagonal rule applied, in stored units."""
        matrix = self._learned.copy()
        if self.zero_diagonal:
            np.fill_diagonal(matrix, 0)
        return matrix

    def _kept(self) -> graphs.CSRGraph:
        """The diluted weights (stored units) on the mask's edges, as CSR."""
        stored = self._effective_stored()
        kept = (
            self.mask.multiply(stored).tocsr()
            if stored.any()
            else sp.csr_array(self.mask.shape, dtype=stored.dtype)
        )
        kept = sp.csr_array(kept)
        kept.sort_indices()
        return graphs.as_csr(kept)

    def _compile(self) -> HopfieldBundle:
        """Dense (N, N) or CSR weights (rows = targets) in stored units, and what pushes read."""
        stored = self._effective_stored()
        dtype = stored.dtype
        diagonal = frozen(np.diagonal(stored), np.float64)
        no_view = SourceView(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int64))
        no_transpose = np.zeros((0, 0), dtype)
        thresholds = frozen(self.threshold)
        if self.mask is None:
            dense_t = no_transpose if self._symmetric else frozen(stored.T)
            return HopfieldBundle(
                dense_weight_matrix(stored),
                no_view,
                dense_t,
                self._symmetric,
                diagonal,
                thresholds,
                self.scale,
            )
        kept = self._kept()
        view = no_view if self._symmetric else source_view(kept)
        W = weight_matrix(kept, dense=False, dtype=dtype)
        return HopfieldBundle(
            W, view, no_transpose, self._symmetric, diagonal, thresholds, self.scale
        )

    # --- learning -------------------------------------------------------------------------
    def store(self, patterns) -> Hopfield:
        """Learn ±1 patterns, shape (P, N) (or one pattern (N,)), added to those stored before."""
        new = np.atleast_2d(check_bipolar(patterns, n_units=self.n_units))
        self.patterns = np.vstack([self.patterns, new])
        if self.rule == "hebbian":
            xi = new.astype(np.float64)  # BLAS; exact, the sums are integers below 2^53
            sums = xi.T @ xi
            if np.issubdtype(self._learned.dtype, np.integer):
                self._learned += sums.astype(self._learned.dtype)  # stored unscaled (scale = 1/N)
            else:
                self._learned += sums / self.n_units
        elif self.rule == "storkey":
            for pattern in new.astype(np.float64):
                self._learned += _storkey_increment(self._learned, pattern)
        else:
            columns = self.patterns.T.astype(np.float64)  # Ξ, N × P
            self._learned = columns @ np.linalg.pinv(columns)
        self._symmetric = bool(np.allclose(self._learned, self._learned.T, rtol=0, atol=1e-12))
        self.invalidate()
        return self

    def set_weights(self, weights) -> Hopfield:
        """Use your own (N, N) weights (effective units). Asymmetric weights are
        accepted with a warning: energy descent no longer holds."""
        matrix = as_float_array(weights, "weights", ndim=2, owner="Hopfield")
        if matrix.shape != (self.n_units, self.n_units):
            raise ValueError(
                f"Hopfield.weights: expected shape ({self.n_units}, {self.n_units}) (got {matrix.shape})"
            )
        self._symmetric = bool(np.allclose(matrix, matrix.T, rtol=0, atol=1e-12))
        if not self._symmetric:
            warnings.warn(
                "Hopfield.set_weights: the weights are not symmetric, so the energy is no longer "
                "guaranteed to decrease and recall may cycle",
                RuntimeWarning,
                stacklevel=2,
            )
        self._learned = matrix.copy()
        self.invalidate()
        return self

    @property
    def weights(self) -> np.ndarray | sp.csr_array:
        """Effective weights W (dense, or CSR with dilution), float64."""
        W = self.compile().W
        if W.is_dense:
            return W.dense.astype(np.float64) * self.scale
        return sp.csr_array(
            (W.values.astype(np.float64) * self.scale, W.indices, W.indptr),
            shape=(self.n_units,) * 2,
        )

    def to_networkx(self) -> nx.DiGraph:
        """The network as a graph: units are nodes, non-zero weights are edges (both directions)."""
        return graphs.as_csr(self.weights).to_networkx()

    # --- recall ------------------------------------------------------------------------------
    def _probes(self, probe) -> tuple[np.ndarray, bool]:
        states = check_bipolar(probe, "probe", n_units=self.n_units)
        return np.atleast_2d(states).copy(), states.ndim == 1

    def energy(self, states) -> float | np.ndarray:
        """E(s) = -½ sᵀWs + θᵀs for one state (N,) or many (Q, N)."""
        array, single = self._probes(states)
        s = array.astype(np.float64)
        fields = self._fields(s)
        energies = -0.5 * np.einsum("qi,qi->q", fields, s) + s @ self.threshold
        return float(energies[0]) if single else energies

    def _fields(self, s: np.ndarray) -> np.ndarray:
        """Effective fields W s for ±1 states (Q, N), as floats, from the stored arrays."""
        W = self.compile().W
        if not W.is_dense:
            matrix = sp.csr_array((W.values, W.indices, W.indptr), shape=(self.n_units,) * 2)
            return (matrix @ s.T.astype(W.values.dtype)).T * self.scale
        if np.issubdtype(W.dense.dtype, np.integer):
            # exact integer products; converting W to float would copy all N² weights
            return (s.astype(np.int32) @ W.dense.T).astype(np.float64) * self.scale
        return s @ W.dense.T

    def recall(
        self,
        probe,
        *,
        mode: str = "async",
        seed: SeedLike = None,
        order="random",
        max_sweeps: int = 100,
        temperature: float = 0.0,
        return_info: bool = False,
    ):
        """Let the network settle from ``probe`` (N,) or many probes (Q, N).

        Parameters
        ----------
        mode : {"async", "sync"}
            ``async``: one unit at a time, event-driven (only the neighbours'
            fields are updated after a flip). ``sync``: all units at once,
            s ← sgn(W s - θ); it ends at a fixed point or a 2-cycle.
        seed : int or Generator
            For the random update order and Glauber noise. Each probe gets its
            own stream, so a probe's result does not depend on the others.
        order : "random", "fixed" or array of N unit indices
            Async visiting order: a new random permutation every sweep, 0..N-1,
            or the given permutation every sweep.
        max_sweeps : int
            Budget: sweeps of N updates (async) or synchronous steps.
        temperature : float >= 0
            T > 0 gives Glauber dynamics (async only): a unit becomes +1 with
            probability 1 / (1 + exp(-2 (h_i - θ_i) / T)).
        return_info : bool
            Also return a :class:`RecallInfo` with the energy trace.

        Returns
        -------
        states : ndarray of int64, ±1, shaped like ``probe``
        """
        if self.patterns.shape[0] == 0 and not self._learned.any():
            raise ValueError(
                "Hopfield.recall: nothing is stored (every weight is 0, so any probe is a fixed "
                "point); call store(patterns) or set_weights(W) first"
            )
        check_choice(mode, "mode", ("async", "sync"), owner="Hopfield")
        max_sweeps = check_int(max_sweeps, "max_sweeps", low=1, owner="Hopfield")
        temperature = check_float(temperature, "temperature", low=0.0, owner="Hopfield")
        states, single = self._probes(probe)
        if mode == "sync":
            if temperature > 0:
                raise ValueError("Hopfield.temperature: Glauber dynamics needs mode='async'")
            info = self._recall_sync(states, max_sweeps)
        else:
            info = self._recall_async(states, seed, order, max_sweeps, temperature)
        result = states.astype(np.int64)
        if single:
            result = result[0]
            info = RecallInfo(*(getattr(info, name)[0] for name in RecallInfo.__dataclass_fields__))
        return (result, info) if return_info else result

    def _order(self, order) -> tuple[int, np.ndarray]:
        if isinstance(order, str):
            check_choice(order, "order", ("random", "fixed"), owner="Hopfield")
            mode = _kernels.ORDER_RANDOM if order == "random" else _kernels.ORDER_GIVEN
            return mode, np.arange(self.n_units, dtype=np.int64)
        visit = np.asarray(order)
        if visit.shape != (self.n_units,) or not np.array_equal(
            np.sort(visit), np.arange(self.n_units)
        ):
            raise ValueError(
                f"Hopfield.order: expected 'random', 'fixed' or a permutation of 0..{self.n_units - 1}"
            )
        return _kernels.ORDER_GIVEN, visit.astype(np.int64)

    def _recall_async(self, states, seed, order, max_sweeps, temperature) -> RecallInfo:
        order_mode, visit = self._order(order)
        n_probes = states.shape[0]
        streams = as_generator(seed, "Hopfield.seed").integers(
            1, 2**63, size=n_probes, dtype=np.uint64
        )
        energies = np.full((n_probes, max_sweeps + 1), np.nan)
        counts = np.zeros((n_probes, 3), dtype=np.int64)
        bundle = self.compile()
        field_dtype = np.int64 if np.issubdtype(bundle.W.values.dtype, np.integer) else np.float64
        fields = np.zeros(states.shape, dtype=field_dtype)
        _kernels.initial_fields(bundle, states, fields)
        options = RecallOptions(float(temperature), order_mode, visit, max_sweeps)
        _kernels.async_recall(bundle, options, states, fields, streams, energies, counts)
        return RecallInfo(
            energies,
            counts[:, SWEEPS],
            counts[:, FLIPS],
            counts[:, SETTLED].astype(bool),
            np.zeros(n_probes, dtype=bool),
        )

    def _recall_sync(self, states, max_steps) -> RecallInfo:
        n_probes = states.shape[0]
        s = states.astype(np.float64)
        energies = np.full((n_probes, max_steps + 1), np.nan)
        energies[:, 0] = self.energy(states)
        steps = np.zeros(n_probes, dtype=np.int64)
        flips = np.zeros(n_probes, dtype=np.int64)
        converged = np.zeros(n_probes, dtype=bool)
        cycle = np.zeros(n_probes, dtype=bool)
        previous = np.full_like(s, np.nan)
        active = np.ones(n_probes, dtype=bool)
        for step in range(1, max_steps + 1):
            local = self._fields(s[active]) - self.threshold
            updated = np.where(local > 0, 1.0, np.where(local < 0, -1.0, s[active]))
            changed = (updated != s[active]).sum(axis=1)
            rows = np.flatnonzero(active)
            flips[rows] += changed
            steps[rows] = step
            fixed = changed == 0
            two_cycle = ~fixed & np.all(updated == previous[active], axis=1)
            previous[active] = s[active]
            s[active] = updated
            energies[rows, step] = self.energy(updated.astype(np.int8))
            converged[rows[fixed]] = True
            cycle[rows[two_cycle]] = True
            active[rows[fixed | two_cycle]] = False
            if not active.any():
                break
        states[:] = s.astype(np.int8)
        return RecallInfo(energies, steps, flips, converged, cycle)

    # --- saving ----------------------------------------------------------------------------------
    def _io_state(self):
        arrays = {"patterns": self.patterns, "learned": self._learned, "threshold": self.threshold}
        if self.mask is not None:
            arrays |= {"mask_indptr": self.mask.indptr, "mask_indices": self.mask.indices}
        config = {
            "n_units": self.n_units,
            "rule": self.rule,
            "zero_diagonal": self.zero_diagonal,
            "symmetric": self._symmetric,
        }
        return arrays, config

    @classmethod
    def _from_io_state(cls, arrays, config) -> Hopfield:
        n = config["n_units"]
        graph = None
        if "mask_indptr" in arrays:
            indices = arrays["mask_indices"]
            graph = graphs.CSRGraph(
                arrays["mask_indptr"], indices, np.ones(indices.shape[0]), n_sources=n
            )
        net = cls(
            n,
            config["rule"],
            zero_diagonal=config["zero_diagonal"],
            graph=graph,
            threshold=arrays["threshold"],
        )
        net.patterns = arrays["patterns"].astype(np.int8)
        learned = arrays["learned"]
        if learned.shape != (n, n) or not np.issubdtype(learned.dtype, np.number):
            raise ValueError(f"Hopfield.learned: expected a ({n}, {n}) numeric array")
        if net.patterns.ndim != 2 or net.patterns.shape[1] != n:
            raise ValueError(f"Hopfield.patterns: expected shape (P, {n})")
        net._learned = learned
        net._symmetric = config["symmetric"]
        net.invalidate()
        return net

    def __repr__(self) -> str:
        W = self.compile().W
        storage = "dense" if W.is_dense else f"diluted, {W.indices.shape[0]} weights"
        return f"Hopfield(n_units={self.n_units}, rule={self.rule!r}, {self.patterns.shape[0]} patterns, {storage})"


def _storkey_increment(weights: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """Storkey's change of W for one pattern ξ (all arrays float64, N = len(ξ)).

    h_ij = Σ_{k≠i,j} w_ik ξ_k = (W ξ)_i - w_ii ξ_i - w_ij ξ_j (one term fewer when j = i), and
    Δw_ij = (1/N)[ξ_i ξ_j - ξ_i h_ji - h_ij ξ_j].
    """
    n = pattern.shape[0]
    full = weights @ pattern
    self_terms = np.diagonal(weights) * pattern
    local = full[:, None] - self_terms[:, None] - weights * pattern[None, :]
    local[np.diag_indices(n)] += self_terms  # for j = i only one term (k = i) is excluded
    return (np.outer(pattern, pattern) - pattern[:, None] * local.T - local * pattern[None, :]) / n
