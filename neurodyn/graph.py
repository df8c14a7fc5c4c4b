"""Graphs: networkx ⇄ CSR conversion and seeded topology generators.

Every neurodyn network is a directed graph. networkx is the interchange format;
compiled CSR arrays run the kernels. Orientation is fixed throughout the
package: an edge ``u → v`` with weight ``w`` is stored at **row v, column u**
(rows are targets), so ``x_new = W @ x`` pulls each unit's inputs. The
transpose, :meth:`CSRGraph.by_source`, serves spike delivery.

The generators (:func:`erdos_renyi`, :func:`fixed_in_degree`,
:func:`watts_strogatz`, :func:`barabasi_albert`, :func:`ring`, :func:`lattice`)
write straight into CSR arrays without building a networkx graph, so graphs
with millions of edges take seconds. Each takes ``seed``; structure, weights
and delays are drawn from separate child streams, so changing the weight
distribution never changes which edges exist. Weights and delays take a number,
an array (one per edge) or a distribution (:mod:`neurodyn.distributions`);
delays are in ms, and :func:`delay_steps` turns them into whole time steps.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

from neurodyn._validation import as_float_array, check_float
from neurodyn.distributions import ValueSpec, sample
from neurodyn.random import SeedLike, as_generator, spawn

__all__ = [
    "CSRGraph",
    "as_csr",
    "delay_steps",
    "from_edges",
    "from_networkx",
    "spectral_radius",
    "to_networkx",
]

WeightSpec = ValueSpec  # a number, an array (one per edge) or a distribution
_GENERATORS = (
    "barabasi_albert",
    "erdos_renyi",
    "fixed_in_degree",
    "lattice",
    "ring",
    "watts_strogatz",
)


def __getattr__(name: str):
    # the generators live in neurodyn.topology, which builds on this module
    if name in _GENERATORS:
        from neurodyn import topology

        return getattr(topology, name)
    raise AttributeError(f"module 'neurodyn.graph' has no attribute {name!r}")


__all__ += _GENERATORS


@dataclass(frozen=True, eq=False)
class CSRGraph:
    """A directed weighted graph in compressed sparse rows, rows being targets.

    Attributes
    ----------
    indptr : ndarray of int64, shape (n_targets + 1,)
        Edges into target ``v`` are ``indptr[v]:indptr[v + 1]``.
    indices : ndarray of int32, shape (n_edges,)
        Source of each edge, sorted within each row.
    weights : ndarray of float64, shape (n_edges,)
        Weight of each edge.
    delays : ndarray of float64, shape (n_edges,), or None
        Transmission delay of each edge in ms (spiking networks).
    n_sources : int
        Number of source nodes (columns); equals the number of targets for a
        graph on one node set.
    labels : tuple or None
        ``labels[i]`` is the original node label of index ``i`` (from networkx);
        ``None`` means the labels are ``0..n-1``.
    """

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    delays: np.ndarray | None = None
    n_sources: int | None = None
    labels: tuple | None = None

    def __post_init__(self) -> None:
        indptr = np.ascontiguousarray(self.indptr, dtype=np.int64)
        indices = np.ascontiguousarray(self.indices, dtype=np.int32)
        weights = np.ascontiguousarray(self.weights, dtype=np.float64)
        n_targets = indptr.shape[0] - 1
        n_sources = n_targets if self.n_sources is None else int(self.n_sources)
        if indptr.ndim != 1 or n_targets < 0 or indptr[0] != 0:
            raise ValueError("CSRGraph.indptr: expected a 1-d array starting at 0")
        if np.any(np.diff(indptr) < 0):
            raise ValueError("CSRGraph.indptr: must be non-decreasing")
        n_edges = int(indptr[-1])
        if indices.shape != (n_edges,) or weights.shape != (n_edges,):
            raise ValueError(
                f"CSRGraph: indptr[-1] = {n_edges} edges, but indices has shape "
                f"{indices.shape} and weights {weights.shape}"
            )
        if n_edges and (indices.min() < 0 or indices.max() >= n_sources):
            raise ValueError(f"CSRGraph.indices: sources must lie in [0, {n_sources})")
        if not np.all(np.isfinite(weights)):
            raise ValueError("CSRGraph.weights: contains NaN or infinite values")
        delays = self.delays
        if delays is not None:
            delays = np.ascontiguousarray(delays, dtype=np.float64)
            if delays.shape != (n_edges,):
                raise ValueError(
                    f"CSRGraph.delays: expected shape ({n_edges},), got {delays.shape}"
                )
            if not np.all(np.isfinite(delays)) or np.any(delays < 0):
                raise ValueError("CSRGraph.delays: must be finite and >= 0 (ms)")
        if self.labels is not None and len(self.labels) != n_targets:
            raise ValueError(
                f"CSRGraph.labels: expected {n_targets} labels, got {len(self.labels)}"
            )
        for name, value in (
            ("indptr", indptr),
            ("indices", indices),
            ("weights", weights),
            ("delays", delays),
            ("n_sources", n_sources),
        ):
            object.__setattr__(self, name, value)

    # --- shape and degrees -------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """``(n_targets, n_sources)``."""
        return (self.indptr.shape[0] - 1, self.n_sources)

    @property
    def n_nodes(self) -> int:
        """Number of nodes of a square graph."""
        n_targets, n_sources = self.shape
        if n_targets != n_sources:
            raise ValueError(f"CSRGraph.n_nodes: graph is rectangular {self.shape}")
        return n_targets

    @property
    def n_edges(self) -> int:
        return int(self.indptr[-1])

    @property
    def density(self) -> float:
        """Fraction of the ``n_targets * n_sources`` possible edges present."""
        n_targets, n_sources = self.shape
        return self.n_edges / max(n_targets * n_sources, 1)

    def in_degree(self) -> np.ndarray:
        """Number of incoming edges of each target, shape (n_targets,)."""
        return np.diff(self.indptr)

    def out_degree(self) -> np.ndarray:
        """Number of outgoing edges of each source, shape (n_sources,)."""
        return np.bincount(self.indices, minlength=self.n_sources)

    def targets(self) -> np.ndarray:
        """Target (row) of each edge, shape (n_edges,)."""
        return np.repeat(np.arange(self.shape[0], dtype=np.int32), self.in_degree())

    # --- conversions --------------------------------------------------------
    def to_scipy(self) -> sp.csr_array:
        """The weight matrix as a ``scipy.sparse.csr_array`` of shape (n_targets, n_sources)."""
        return sp.csr_array((self.weights, self.indices, self.indptr), shape=self.shape)

    def to_dense(self) -> np.ndarray:
        """The weight matrix as a dense array; parallel edges are summed."""
        return self.to_scipy().toarray()

    def to_networkx(self, weight: str = "weight", delay: str = "delay") -> nx.DiGraph:
        """Export as an ``nx.DiGraph`` (see :func:`to_networkx`)."""
        return to_networkx(self, weight=weight, delay=delay)

    def with_weights(self, weights) -> CSRGraph:
        """A graph with the same edges and new weights (shape (n_edges,))."""
        return CSRGraph(
            self.indptr, self.indices, weights, self.delays, self.n_sources, self.labels
        )

    def with_delays(self, delays) -> CSRGraph:
        """A graph with the same edges and weights and new delays in ms (shape (n_edges,))."""
        return CSRGraph(
            self.indptr, self.indices, self.weights, delays, self.n_sources, self.labels
        )

    def by_source(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The transpose view used for spike delivery (computed once, then cached).

        Returns
        -------
        indptr : ndarray of int64, shape (n_sources + 1,)
        targets : ndarray of int32, shape (n_edges,)
            Edges out of source ``u`` go to ``targets[indptr[u]:indptr[u + 1]]``.
        edge_ids : ndarray of int64, shape (n_edges,)
            Position of each of those edges in this graph's arrays: the view
            indexes the canonical weights and delays, it never copies them, so a
            rule that writes ``weights`` in place is seen through it.

        The three arrays are read-only.
        """
        cached = self.__dict__.get("_by_source")
        if cached is None:
            order = np.argsort(self.indices, kind="stable")
            counts = np.bincount(self.indices, minlength=self.n_sources)
            indptr = np.zeros(self.n_sources + 1, dtype=np.int64)
            np.cumsum(counts, out=indptr[1:])
            cached = (indptr, self.targets()[order], order.astype(np.int64))
            for array in cached:
                array.setflags(write=False)
            object.__setattr__(self, "_by_source", cached)  # frozen dataclass: a private cache
        return cached

    def has_self_loops(self) -> bool:
        return bool(self.shape[0] == self.shape[1] and np.any(self.targets() == self.indices))

    def __repr__(self) -> str:
        return f"CSRGraph(shape={self.shape}, n_edges={self.n_edges})"


# --- building ------------------------------------------------------------------
def _values(value, size: int, rng_or_seed, name: str) -> np.ndarray:
    """Per-edge values from a number, an array or a distribution (see neurodyn.distributions)."""
    rng = rng_or_seed if isinstance(rng_or_seed, np.random.Generator) else as_generator(rng_or_seed)
    return sample(value, size, rng, name)


def from_edges(
    targets,
    sources,
    weights=None,
    *,
    shape: tuple[int, int],
    delay: ValueSpec | None = None,
    labels: tuple | None = None,
    seed: SeedLike = None,
) -> CSRGraph:
    """Build a :class:`CSRGraph` from edge lists (edge ``sources[k] → targets[k]``).

    ``weights`` (a number, one value per edge, or a distribution; ``None`` gives
    weight 1) and ``delay`` (ms, likewise; ``None`` for no delays) follow the
    edge lists' order; ``seed`` feeds the distributions. Edges are sorted by
    target, then source; parallel edges are kept.
    """
    targets = np.asarray(targets, dtype=np.int64)
    sources = np.asarray(sources, dtype=np.int64)
    n_targets, n_sources = shape
    if targets.shape != sources.shape or targets.ndim != 1:
        raise ValueError("from_edges: targets and sources must be 1-d arrays of equal length")
    if targets.size and (targets.min() < 0 or targets.max() >= n_targets):
        raise ValueError(f"from_edges.targets: must lie in [0, {n_targets})")
    if sources.size and (sources.min() < 0 or sources.max() >= n_sources):
        raise ValueError(f"from_edges.sources: must lie in [0, {n_sources})")
    weight_rng, delay_rng = spawn(seed, 2, "from_edges.seed")
    n_edges = targets.size
    weights = _values(
        1.0 if weights is None else weights, n_edges, weight_rng, "from_edges.weights"
    )
    delays = None if delay is None else _values(delay, n_edges, delay_rng, "from_edges.delay")
    order = np.lexsort((sources, targets))
    indptr = np.zeros(n_targets + 1, dtype=np.int64)
    np.cumsum(np.bincount(targets, minlength=n_targets), out=indptr[1:])
    return CSRGraph(
        indptr,
        sources[order],
        weights[order],
        None if delays is None else delays[order],
        n_sources,
        labels,
    )


def from_networkx(
    graph: nx.Graph,
    *,
    weight: str | None = "weight",
    delay: str | ValueSpec | None = None,
    nodelist: Sequence[Hashable] | None = None,
    default_weight: float | None = None,
    allow_self_loops: bool = True,
    seed: SeedLike = None,
) -> CSRGraph:
    """Convert a networkx graph to a :class:`CSRGraph`.

    Parameters
    ----------
    graph : nx.DiGraph or nx.Graph
        An undirected graph gives both directions of every edge.
    weight : str or None
        Edge attribute holding the weight; ``None`` gives every edge weight 1.
    delay : str, number, array, distribution or None
        The name of the edge attribute holding the delay in ms, or the delays
        themselves (a number, one per edge in ``graph.edges`` order, or a
        distribution drawn with ``seed``); ``None`` for no delays.
    nodelist : sequence, optional
        Node order (index ``i`` is ``nodelist[i]``); default ``list(graph)``.
        The mapping is kept in ``CSRGraph.labels``.
    default_weight : float, optional
        Weight of edges that lack the ``weight`` attribute; by default such an
        edge is an error.
    allow_self_loops : bool
        If False, a self-loop is an error.
    """
    if not isinstance(graph, nx.Graph):
        raise TypeError(f"graph: expected a networkx graph (got {type(graph).__name__})")
    if graph.is_multigraph():
        raise TypeError("graph: multigraphs are not supported; merge parallel edges first")
    nodes = list(graph.nodes) if nodelist is None else list(nodelist)
    if not nodes:
        raise ValueError("graph: has no nodes")
    index = {node: i for i, node in enumerate(nodes)}
    if len(index) != len(nodes) or (nodelist is not None and set(index) != set(graph.nodes)):
        raise ValueError("nodelist: must list every node of the graph exactly once")
    edges = list(graph.edges(data=True))
    if not graph.is_directed():
        edges += [(v, u, data) for u, v, data in edges if u != v]
    sources = np.empty(len(edges), dtype=np.int64)
    targets = np.empty(len(edges), dtype=np.int64)
    weights = np.ones(len(edges))
    delay_attribute = delay if isinstance(delay, str) else None
    delays = None if delay_attribute is None else np.empty(len(edges))
    for k, (u, v, data) in enumerate(edges):
        if u == v and not allow_self_loops:
            raise ValueError(f"graph: self-loop on node {u!r} but allow_self_loops=False")
        sources[k], targets[k] = index[u], index[v]
        if weight is not None:
            value = data.get(weight, default_weight)
            if value is None:
                raise ValueError(
                    f"graph: edge {u!r} -> {v!r} has no {weight!r} attribute "
                    "(pass default_weight= or weight=None)"
                )
            weights[k] = value
        if delays is not None:
            if delay_attribute not in data:
                raise ValueError(f"graph: edge {u!r} -> {v!r} has no {delay_attribute!r} attribute")
            delays[k] = data[delay_attribute]
    if not np.all(np.isfinite(weights)):
        k = int(np.flatnonzero(~np.isfinite(weights))[0])
        raise ValueError(f"graph: edge {edges[k][0]!r} -> {edges[k][1]!r} has a non-finite weight")
    if delay is not None and delay_attribute is None:
        delays = _values(delay, len(edges), seed, "from_networkx.delay")
    labels = None if nodes == list(range(len(nodes))) else tuple(nodes)
    n = len(nodes)
    return from_edges(targets, sources, weights, shape=(n, n), delay=delays, labels=labels)


def to_networkx(graph: CSRGraph, *, weight: str = "weight", delay: str = "delay") -> nx.DiGraph:
    """Export a square :class:`CSRGraph` as an ``nx.DiGraph`` with its original labels.

    Edge ``u → v`` carries the ``weight`` attribute (and ``delay`` in ms when the
    graph has delays). Parallel edges, which networkx cannot hold in a DiGraph,
    are summed.
    """
    n = graph.n_nodes
    labels = graph.labels if graph.labels is not None else range(n)
    result = nx.DiGraph()
    result.add_nodes_from(labels)
    targets = graph.targets()
    for k in range(graph.n_edges):
        u, v = labels[graph.indices[k]], labels[targets[k]]
        if result.has_edge(u, v):
            result[u][v][weight] += float(graph.weights[k])
            continue
        attributes = {weight: float(graph.weights[k])}
        if graph.delays is not None:
            attributes[delay] = float(graph.delays[k])
        result.add_edge(u, v, **attributes)
    return result


def as_csr(matrix, name: str = "W") -> CSRGraph:
    """Coerce a :class:`CSRGraph`, a networkx graph, a scipy sparse matrix or a
    dense 2-d array (rows = targets) to a :class:`CSRGraph`."""
    if isinstance(matrix, CSRGraph):
        return matrix
    if isinstance(matrix, nx.Graph):
        return from_networkx(matrix)
    if sp.issparse(matrix):
        csr = sp.csr_array(matrix, dtype=np.float64)
        csr.sum_duplicates()
        csr.sort_indices()
        return CSRGraph(csr.indptr, csr.indices, csr.data, n_sources=csr.shape[1])
    array = np.asarray(matrix)
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.number):
        raise TypeError(
            f"{name}: expected a 2-d array, a scipy sparse matrix, a networkx graph or a "
            f"CSRGraph (got {type(matrix).__name__} with shape {getattr(array, 'shape', None)})"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return as_csr(sp.csr_array(array.astype(np.float64)), name)


def delay_steps(delays, dt: float, *, name: str = "delay") -> np.ndarray:
    """Delays in ms as whole time steps of ``dt`` ms, rounded to the nearest step (as NEST does).

    Raises ``ValueError`` naming ``name`` for a delay shorter than one step: a
    spike cannot arrive in the step it was sent (a delay below ``dt`` would be
    silently lengthened). Returns int64 steps, >= 1.
    """
    dt = check_float(dt, "dt", low=0.0, low_open=True)
    values = as_float_array(delays, name, ndim=(0, 1))
    if np.any(values < 0):
        raise ValueError(f"{name}: delays must be >= 0 ms (got {values.min():g})")
    steps = np.rint(values / dt)
    # dt-sized delays given in decimal (0.3 ms at dt = 0.1) land a few ulp off a whole step
    short = values < dt * (1.0 - 1e-9)
    if np.any(short):
        raise ValueError(
            f"{name}: {np.count_nonzero(short)} delay(s) are shorter than dt = {dt:g} ms "
            f"(the shortest is {values.min():g} ms); every delay must be at least one step"
        )
    return steps.astype(np.int64)


# --- spectra -----------------------------------------------------------------------
_ARPACK_START_SEED = 20260101  # a fixed start vector makes ARPACK reproducible


def spectral_radius(
    matrix, *, tol: float = 1e-9, maxiter: int | None = None, dense_below: int = 500
) -> float:
    """Largest absolute eigenvalue of a square matrix (CSR graph, sparse or dense).

    Below ``dense_below`` nodes the full spectrum is computed with LAPACK. Above,
    ARPACK (``scipy.sparse.linalg.eigs``) finds the eigenvalue of largest
    magnitude from a fixed start vector, so the result is reproducible; if ARPACK
    does not converge within ``maxiter`` iterations, matrices up to 5000 nodes
    fall back to the dense computation and larger ones raise.
    """
    graph = as_csr(matrix, "matrix")
    n = graph.n_nodes
    if graph.n_edges == 0 or not np.any(graph.weights):
        return 0.0
    if n < dense_below:
        return float(np.max(np.abs(np.linalg.eigvals(graph.to_dense()))))
    from scipy.sparse.linalg import ArpackNoConvergence, eigs

    start = np.random.default_rng(_ARPACK_START_SEED).standard_normal(n)
    try:
        values = eigs(
            graph.to_scipy(),
            k=1,
            which="LM",
            v0=start,
            tol=tol,
            maxiter=maxiter or max(1000, 10 * n),
            return_eigenvectors=False,
        )
    except ArpackNoConvergence:
        if n > 5000:
            raise ValueError(
                f"spectral_radius: ARPACK did not converge for a {n}-node matrix; "
                "raise maxiter= or loosen tol="
            ) from None
        warnings.warn(
            "spectral_radius: ARPACK did not converge; using a dense eigendecomposition",
            RuntimeWarning,
            stacklevel=2,
        )
        return float(np.max(np.abs(np.linalg.eigvals(graph.to_dense()))))
    return float(np.abs(values[0]))
