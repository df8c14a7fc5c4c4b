"""Compiled kernels of the Hopfield networks.

Asynchronous recall is event-driven: every unit's local field h_i = Σ_j w_ij s_j
is kept, and when unit i flips by δ = ±2 only the fields of the units it
projects to change, h_j += w_ji δ — O(degree) per flip instead of O(N) per
update. For a symmetric W the targets of i are its row; otherwise the by-source
view of the CSR weights (indexing the canonical weight array) gives them. A
dense matrix is the case where every unit is a neighbour.

Kernels take the network's bundle (:class:`HopfieldBundle`), the recall options
(:class:`RecallOptions`), the states and fields they update in place, one
xorshift stream per probe (seeded by the caller, so results do not depend on the
number of threads) and the arrays they fill: ``energies`` (Q, max_sweeps + 1;
column 0 is the start, unused columns left as given) and ``counts`` (Q, 3):
sweeps taken, flips, and 1 where recall settled at a fixed point. Many probes
are recalled at once, one per ``prange`` iteration.
"""

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from neurodyn._kernels import (
    csr_row_sum,
    dense_row_sum,
    push,
    scatter_row,
    shuffle,
    xorshift_uniform,
)
from neurodyn.compiled import SourceView, WeightMatrix
from neurodyn.config import inline_options, jit_options

ORDER_RANDOM, ORDER_GIVEN = 0, 1
POLYNOMIAL, RECTIFIED, EXPONENTIAL = 0, 1, 2


class HopfieldBundle(NamedTuple):
    """The compiled classical network (weights in stored units; effective = scale × stored)."""

    W: WeightMatrix  # int32 for the exact Hebbian sums, else float64
    by_source: SourceView  # pushes of an asymmetric CSR W (empty arrays otherwise)
    dense_t: np.ndarray  # W transposed when dense and asymmetric (pushes read a row), else (0, 0)
    symmetric: bool
    diagonal: np.ndarray  # (N,) float64, w_ii in stored units
    thresholds: np.ndarray  # (N,) float64
    scale: float


class RecallOptions(NamedTuple):
    """How asynchronous recall runs: Glauber ``temperature`` (0 for deterministic),
    the visiting order (``order_mode`` ORDER_RANDOM: a fresh permutation each sweep;
    ORDER_GIVEN: ``order`` every sweep) and the budget ``max_sweeps``."""

    temperature: float
    order_mode: int
    order: np.ndarray
    max_sweeps: int


SWEEPS, FLIPS, SETTLED = 0, 1, 2  # columns of ``counts``


class Interaction(NamedTuple):
    """F of a dense associative memory: a code (POLYNOMIAL, RECTIFIED, EXPONENTIAL),
    the polynomial degree and the exponential's β."""

    kind: int
    degree: int
    beta: float


@njit(**jit_options(parallel=True))
def initial_fields(bundle, states, fields):
    """fields[q, i] = Σ_j w_ij states[q, j] for every probe q, in stored units.

    Rows of W are the outer loop, so each row is read from memory once and reused
    from the cache for every probe.
    """
    W = bundle.W
    indptr, indices, values, dense, is_dense = W.indptr, W.indices, W.values, W.dense, W.is_dense
    n_probes, n = states.shape
    flat = states.reshape(n_probes * n)
    zero = fields[0, 0] * 0  # the fields' type: exact integers for integer weights
    for i in prange(n):
        for q in range(n_probes):
            if is_dense:
                fields[q, i] = dense_row_sum(dense, i, flat, zero, q * n)
            else:
                fields[q, i] = csr_row_sum(indptr, indices, values, i, flat, zero, q * n)


@njit(**inline_options())
def _spread(i, delta, h, pushes):
    """Unit i changed by ``delta``: add w_ji δ to the field of every target j.

    ``pushes`` holds the arrays of :func:`_push_arrays` (parallel loops take
    arrays, not bundles).
    """
    is_dense, symmetric, rows, indptr, indices, values, out_indptr, out_targets, out_edges = pushes
    if is_dense:
        for j in range(h.shape[0]):
            h[j] += rows[i, j] * delta
    elif symmetric:
        scatter_row(indptr, indices, values, i, delta, h)
    else:
        push(out_indptr, out_targets, out_edges, values, i, delta, h)


@njit(**inline_options())
def _energy(s, h, thresholds, scale):
    """E = -½ Σ_ij w_ij s_i s_j + Σ_i θ_i s_i from the fields h = W s (W in stored units)."""
    quadratic = 0.0
    linear = 0.0
    for i in range(s.shape[0]):
        quadratic += np.float64(h[i]) * s[i]
        linear += thresholds[i] * s[i]
    return -0.5 * scale * quadratic + linear


@njit(**jit_options(parallel=True))
def async_recall(bundle, options, states, fields, streams, energies, counts):
    """Asynchronous recall of every row of ``states`` (Q, N) int8, in place.

    The effective field is ``scale * h``. Unit i becomes sgn(scale h_i - θ_i)
    (unchanged on a tie) at zero temperature, and +1 with probability
    1 / (1 + exp(-2 (scale h_i - θ_i) / T)) at temperature T (Glauber dynamics).
    Recall stops after a sweep without a flip (T = 0) or after ``max_sweeps``.
    ``fields`` (Q, N) holds the initial fields (see :func:`initial_fields`) and
    is kept up to date. Fills ``energies`` and ``counts`` (see the module
    docstring); a probe has settled when a sweep ended without a flip at zero
    temperature. Energies use the symmetric formula, valid for symmetric W.
    """
    # Numba's parallel loops take arrays and scalars, not bundles: unpack them first (and
    # arrays the loop writes come as arguments: Numba 0.68 loses writes to arrays taken
    # out of a mixed tuple inside a parallel loop).
    # A dense push reads a row: of W itself when symmetric, else of its transpose.
    W, view = bundle.W, bundle.by_source
    rows = W.dense if bundle.symmetric else bundle.dense_t
    pushes = (bundle.W.is_dense, bundle.symmetric, rows, W.indptr, W.indices, W.values)
    pushes = (*pushes, view.indptr, view.targets, view.edge_ids)
    thresholds, diagonal, scale = bundle.thresholds, bundle.diagonal, bundle.scale
    temperature, order_mode, order, max_sweeps = options
    for q in prange(states.shape[0]):
        s = states[q]
        h = fields[q]
        energy = _energy(s, h, thresholds, scale)
        energies[q, 0] = energy
        visit = order.copy()
        total_flips = 0
        sweep = 0
        while sweep < max_sweeps:
            if order_mode == ORDER_RANDOM:
                shuffle(visit, streams, q)
            sweep_flips = 0
            for k in range(visit.shape[0]):
                i = visit[k]
                local = scale * np.float64(h[i]) - thresholds[i]
                old = s[i]
                if temperature > 0.0:
                    probability = 1.0 / (1.0 + math.exp(-2.0 * local / temperature))
                    new = 1 if xorshift_uniform(streams, q) < probability else -1
                else:
                    new = 1 if local > 0.0 else (-1 if local < 0.0 else old)
                if new != old:
                    delta = new - old
                    # ΔE = -δ (field without the self term) + θ_i δ, for symmetric W
                    own = scale * (np.float64(h[i]) - np.float64(diagonal[i]) * old)
                    energy += -delta * own + thresholds[i] * delta
                    s[i] = new
                    _spread(i, delta, h, pushes)
                    sweep_flips += 1
            sweep += 1
            total_flips += sweep_flips
            energies[q, sweep] = energy
            if sweep_flips == 0 and temperature == 0.0:
                counts[q, SETTLED] = 1
                break
        counts[q, SWEEPS] = sweep
        counts[q, FLIPS] = total_flips


@njit(**inline_options())
def _interaction(x, kind, degree):
    if kind == POLYNOMIAL:
        return x**degree
    return x**degree if x > 0 else 0.0


@njit(**inline_options())
def _difference(interaction, overlap, xi, old):
    """Σ_μ F(a_μ + ξ_lμ) - F(a_μ - ξ_lμ), a_μ the overlaps without unit l (in log space
    for the exponential, relative to its largest term)."""
    kind, degree, beta = interaction
    k_patterns = overlap.shape[0]
    if kind == EXPONENTIAL:
        top = -np.inf
        for mu in range(k_patterns):
            rest = overlap[mu] - xi[mu] * old
            top = max(top, beta * (rest + abs(xi[mu])))
        plus = 0.0
        minus = 0.0
        for mu in range(k_patterns):
            rest = overlap[mu] - xi[mu] * old
            plus += math.exp(beta * (rest + xi[mu]) - top)
            minus += math.exp(beta * (rest - xi[mu]) - top)
        return plus - minus
    difference = 0.0
    for mu in range(k_patterns):
        rest = overlap[mu] - xi[mu] * old
        difference += _interaction(rest + xi[mu], kind, degree)
        difference -= _interaction(rest - xi[mu], kind, degree)
    return difference


@njit(**jit_options(parallel=True))
def dense_memory_recall(patterns_t, interaction, options, states, streams, counts):
    """Asynchronous recall in a dense associative memory (Krotov & Hopfield 2016).

    ``patterns_t`` (N, K) int8 holds the patterns as columns. Unit l becomes the
    sign of Σ_μ F(a_μ + ξ_lμ) - F(a_μ - ξ_lμ), with a_μ = Σ_{j≠l} ξ_jμ s_j the
    overlaps without unit l, kept up to date on every flip (O(K) per update).
    F is x^n, the rectified x^n, or exp(β x) (compared in log space). Options
    and counts as in :func:`async_recall` (the temperature is not used).
    """
    n, k_patterns = patterns_t.shape
    _temperature, order_mode, order, max_sweeps = options
    for q in prange(states.shape[0]):
        s = states[q]
        overlap = np.zeros(k_patterns)
        for j in range(n):
            for mu in range(k_patterns):
                overlap[mu] += patterns_t[j, mu] * s[j]
        visit = order.copy()
        total_flips = 0
        sweep = 0
        while sweep < max_sweeps:
            if order_mode == ORDER_RANDOM:
                shuffle(visit, streams, q)
            sweep_flips = 0
            for k in range(n):
                l = visit[k]
                old = s[l]
                xi = patterns_t[l]
                difference = _difference(interaction, overlap, xi, old)
                new = 1 if difference > 0.0 else (-1 if difference < 0.0 else old)
                if new != old:
                    for mu in range(k_patterns):
                        overlap[mu] += xi[mu] * (new - old)
                    s[l] = new
                    sweep_flips += 1
            sweep += 1
            total_flips += sweep_flips
            if sweep_flips == 0:
                counts[q, SETTLED] = 1
                break
        counts[q, SWEEPS] = sweep
        counts[q, FLIPS] = total_flips
