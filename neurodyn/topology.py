"""Seeded topology generators that write straight into CSR arrays.

:func:`erdos_renyi`, :func:`fixed_in_degree`, :func:`watts_strogatz`,
:func:`barabasi_albert`, :func:`ring` and :func:`lattice` build a
:class:`~neurodyn.graph.CSRGraph` without a networkx graph, so graphs with
millions of edges take seconds. Structure, weights and delays come from three
child streams of ``seed``. They are also reachable as ``neurodyn.graph.<name>``.
"""

from __future__ import annotations

import numpy as np

from neurodyn import _kernels
from neurodyn._validation import check_float, check_int
from neurodyn.distributions import ValueSpec, sample
from neurodyn.graph import CSRGraph, WeightSpec, from_edges
from neurodyn.random import SeedLike, spawn

__all__ = ["barabasi_albert", "erdos_renyi", "fixed_in_degree", "lattice", "ring", "watts_strogatz"]


def _streams(
    seed: SeedLike,
) -> tuple[np.random.Generator, np.random.Generator, np.random.Generator]:
    """Structure, weight and delay streams of a generator (child k never depends on the others)."""
    structure, weights, delays = spawn(seed, 3)
    return structure, weights, delays


def _edge_values(weight, delay, n_edges: int, weight_rng, delay_rng):
    weights = sample(weight, n_edges, weight_rng, "weight")
    delays = None if delay is None else sample(delay, n_edges, delay_rng, "delay")
    return weights, delays


def _check_shape(n: int, n_sources: int | None) -> tuple[int, int, bool]:
    n = check_int(n, "n", low=1)
    m = n if n_sources is None else check_int(n_sources, "n_sources", low=1)
    return n, m, n_sources is None or m == n


def erdos_renyi(
    n: int,
    p: float,
    *,
    seed: SeedLike = None,
    self_loops: bool = False,
    weight: WeightSpec = 1.0,
    delay: ValueSpec | None = None,
    n_sources: int | None = None,
) -> CSRGraph:
    """Directed Erdős–Rényi graph: every ordered pair is an edge with probability ``p``.

    Edges are drawn by geometric skipping over the ``n * n_sources`` slots, so
    the cost is proportional to the number of edges, not to ``n²``.

    Parameters
    ----------
    n : int
        Number of targets (and of nodes, for a square graph).
    p : float
        Edge probability in [0, 1].
    self_loops : bool
        Allow edges ``i → i`` (square graphs only).
    weight : number, array or distribution
        The weight of every edge (an array: one per edge, in CSR order), or a
        distribution / callable ``weight(rng, n_edges) -> array``.
    delay : number, array, distribution or None
        Delays in ms, given like ``weight``; ``None`` for a graph without delays.
    n_sources : int, optional
        Number of sources for a rectangular (bipartite projection) graph.
    """
    n, m, square = _check_shape(n, n_sources)
    p = check_float(p, "p", low=0.0, high=1.0)
    structure_rng, weight_rng, delay_rng = _streams(seed)
    flat = _geometric_positions(structure_rng, n * m, p)
    targets, sources = np.divmod(flat, m)
    if square and not self_loops:
        keep = targets != sources
        targets, sources = targets[keep], sources[keep]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(targets, minlength=n), out=indptr[1:])
    weights, delays = _edge_values(weight, delay, sources.size, weight_rng, delay_rng)
    return CSRGraph(indptr, sources, weights, delays, n_sources=m)


def _geometric_positions(rng: np.random.Generator, n_slots: int, p: float) -> np.ndarray:
    """Sorted positions of the successes of ``n_slots`` Bernoulli(p) trials."""
    if p == 0.0:
        return np.empty(0, dtype=np.int64)
    if p == 1.0:
        return np.arange(n_slots, dtype=np.int64)
    chunks = []
    position = -1
    expected = n_slots * p
    while position < n_slots:
        batch = int(expected + 6 * np.sqrt(expected) + 64)
        gaps = rng.geometric(p, size=batch)
        positions = position + np.cumsum(gaps)
        chunks.append(positions)
        position = int(positions[-1])
        expected = (n_slots - position) * p
    positions = np.concatenate(chunks)
    return positions[positions < n_slots]


def fixed_in_degree(
    n: int,
    k: int,
    *,
    seed: SeedLike = None,
    self_loops: bool = False,
    weight: WeightSpec = 1.0,
    delay: ValueSpec | None = None,
    n_sources: int | None = None,
) -> CSRGraph:
    """Every target receives exactly ``k`` edges from distinct sources chosen uniformly.

    This is NEST's ``fixed_indegree`` rule without multapses (Brunel 2000 uses it).
    Sampling is Floyd's algorithm in a compiled kernel, O(k) per target.
    ``weight`` and ``delay`` (ms) as in :func:`erdos_renyi`.
    """
    n, m, square = _check_shape(n, n_sources)
    k = check_int(k, "k", low=0)
    available = m - (1 if square and not self_loops else 0)
    if k > available:
        raise ValueError(f"k: must be <= {available} distinct sources (got {k})")
    structure_rng, weight_rng, delay_rng = _streams(seed)
    sources = _kernels.fixed_in_degree_sources(n, m, k, square and not self_loops, structure_rng)
    indptr = np.arange(0, n * k + 1, k, dtype=np.int64) if k else np.zeros(n + 1, np.int64)
    weights, delays = _edge_values(weight, delay, sources.size, weight_rng, delay_rng)
    return CSRGraph(indptr, sources, weights, delays, n_sources=m)


def _symmetric(
    n: int, u: np.ndarray, v: np.ndarray, weight, delay, weight_rng, delay_rng
) -> CSRGraph:
    """An undirected edge list as a CSR graph holding both directions, which share
    one weight and one delay."""
    weights, delays = _edge_values(weight, delay, u.size, weight_rng, delay_rng)
    return from_edges(
        np.concatenate([u, v]),
        np.concatenate([v, u]),
        np.concatenate([weights, weights]),
        shape=(n, n),
        delay=None if delays is None else np.concatenate([delays, delays]),
    )


def ring(
    n: int,
    k: int = 2,
    *,
    directed: bool = False,
    weight: WeightSpec = 1.0,
    delay: ValueSpec | None = None,
    seed: SeedLike = None,
) -> CSRGraph:
    """Ring lattice: each node linked to its ``k`` nearest neighbours.

    Undirected (``k`` even): node ``i`` is linked to ``i ± 1 .. i ± k/2``.
    Directed: ``i → i+1 .. i+k`` (``k=1`` is the simple cycle reservoir).
    ``seed`` is used only by random weights or delays.
    """
    n = check_int(n, "n", low=2)
    k = check_int(k, "k", low=1)
    half = k if directed else k // 2
    if not directed and k % 2:
        raise ValueError(f"k: must be even for an undirected ring (got {k})")
    if half >= n or (not directed and 2 * half >= n):
        raise ValueError(f"k: too large for a ring of {n} nodes (got {k})")
    _, weight_rng, delay_rng = _streams(seed)
    nodes = np.arange(n)
    u = np.tile(nodes, half)
    v = (u + np.repeat(np.arange(1, half + 1), n)) % n
    if directed:
        weights, delays = _edge_values(weight, delay, u.size, weight_rng, delay_rng)
        return from_edges(v, u, weights, shape=(n, n), delay=delays)
    return _symmetric(n, u, v, weight, delay, weight_rng, delay_rng)


def lattice(
    rows: int,
    cols: int,
    *,
    periodic: bool = False,
    weight: WeightSpec = 1.0,
    delay: ValueSpec | None = None,
    seed: SeedLike = None,
) -> CSRGraph:
    """2-d grid with 4-neighbour undirected links; node ``(r, c)`` has index ``r * cols + c``."""
    rows = check_int(rows, "rows", low=1)
    cols = check_int(cols, "cols", low=1)
    index = np.arange(rows * cols).reshape(rows, cols)
    if periodic:
        right = (index, np.roll(index, -1, axis=1)) if cols > 2 else (index[:, :-1], index[:, 1:])
        down = (index, np.roll(index, -1, axis=0)) if rows > 2 else (index[:-1], index[1:])
    else:
        right = (index[:, :-1], index[:, 1:])
        down = (index[:-1], index[1:])
    u = np.concatenate([right[0].ravel(), down[0].ravel()])
    v = np.concatenate([right[1].ravel(), down[1].ravel()])
    _, weight_rng, delay_rng = _streams(seed)
    return _symmetric(rows * cols, u, v, weight, delay, weight_rng, delay_rng)


def watts_strogatz(
    n: int,
    k: int,
    p: float,
    *,
    seed: SeedLike = None,
    weight: WeightSpec = 1.0,
    delay: ValueSpec | None = None,
) -> CSRGraph:
    """Watts–Strogatz small world (undirected, stored in both directions).

    Start from the ring lattice :func:`ring` ``(n, k)``; each lattice edge
    ``(u, u + j)`` is rewired with probability ``p`` to ``(u, w)``, ``w`` drawn
    uniformly among the nodes that are neither ``u`` nor already linked to it
    (networkx's procedure, drawn with our own stream).
    """
    n = check_int(n, "n", low=3)
    k = check_int(k, "k", low=2)
    p = check_float(p, "p", low=0.0, high=1.0)
    if k % 2 or k >= n:
        raise ValueError(f"k: must be even and < n = {n} (got {k})")
    structure_rng, weight_rng, delay_rng = _streams(seed)
    u, v = _kernels.watts_strogatz_edges(n, k // 2, p, structure_rng)
    return _symmetric(n, u, v, weight, delay, weight_rng, delay_rng)


def barabasi_albert(
    n: int,
    m: int,
    *,
    seed: SeedLike = None,
    weight: WeightSpec = 1.0,
    delay: ValueSpec | None = None,
) -> CSRGraph:
    """Barabási–Albert preferential attachment (undirected, stored in both directions).

    Starts from a star on ``m + 1`` nodes (as networkx does); each new node links
    to ``m`` distinct existing nodes chosen with probability proportional to
    their degree.
    """
    m = check_int(m, "m", low=1)
    n = check_int(n, "n", low=m + 1)
    structure_rng, weight_rng, delay_rng = _streams(seed)
    u, v = _kernels.barabasi_albert_edges(n, m, structure_rng)
    return _symmetric(n, u, v, weight, delay, weight_rng, delay_rng)
