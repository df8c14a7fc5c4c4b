"""Compiled kernels of the Hopfield networks.

Asynchronous recall is event-driven: every unit's local field h_i = Σ_j w_ij s_j
is kept, and when unit i flips by δ = ±2 only the fields of the units it
projects to change, h_j += w_ji δ, through the by-source (transposed) CSR view —
O(degree) per flip instead of O(N) per update. A dense matrix is the special
case where every unit is a neighbour (its transpose's rows are read).

Many probes are recalled at once, one per ``prange`` iteration, each with its
own xorshift stream (seeded by the caller), so results do not depend on the
number of threads.
"""

import math

import numpy as np
from numba import njit, prange

from neurodyn._kernels import xorshift_below, xorshift_uniform
from neurodyn.config import inline_options, jit_options

ORDER_RANDOM, ORDER_GIVEN = 0, 1
POLYNOMIAL, RECTIFIED, EXPONENTIAL = 0, 1, 2


@njit(**jit_options(parallel=True))
def initial_fields(states, indptr, indices, weights, dense, use_dense, fields):
    """fields[q, i] = Σ_j w_ij states[q, j] for every probe q (fields start at zero).

    Rows of W are the outer loop, so each row is read from memory once and reused
    from the cache for every probe.
    """
    n_probes, n = states.shape
    for i in prange(n):
        for q in range(n_probes):
            if use_dense:
                for j in range(n):
                    fields[q, i] += dense[i, j] * states[q, j]
            else:
                for k in range(indptr[i], indptr[i + 1]):
                    fields[q, i] += weights[k] * states[q, indices[k]]


@njit(**inline_options())
def _spread(i, delta, out_indptr, out_targets, out_weights, dense_t, use_dense, h):
    """Unit i changed by ``delta``: add w_ji δ to the field of every target j."""
    if use_dense:
        row = dense_t[i]
        for j in range(h.shape[0]):
            h[j] += row[j] * delta
    else:
        for k in range(out_indptr[i], out_indptr[i + 1]):
            h[out_targets[k]] += out_weights[k] * delta


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
def async_recall(
    states,
    fields,
    out_indptr,
    out_targets,
    out_weights,
    dense_t,
    use_dense,
    diagonal,
    thresholds,
    scale,
    temperature,
    order_mode,
    order,
    max_sweeps,
    seeds,
    energies,
    sweeps,
    flips,
    settled,
):
    """Asynchronous recall of every row of ``states`` (Q, N) int8, in place.

    ``out_weights``/``dense_t`` hold W in stored units (integers for the Hebbian rule);
    the effective field is ``scale * h``. Unit i becomes sgn(scale h_i - θ_i)
    (unchanged on a tie) at zero temperature, and +1 with probability
    1 / (1 + exp(-2 (scale h_i - θ_i) / T)) at temperature T (Glauber dynamics).
    A sweep visits N units: a fresh random permutation each sweep
    (``order_mode`` 0) or ``order`` (1). Recall stops after a sweep without a
    flip (T = 0) or after ``max_sweeps``. ``fields`` (Q, N) holds the initial
    fields (see :func:`initial_fields`) and is kept up to date. Writes the energy after each sweep to ``energies`` (Q,
    max_sweeps + 1; column 0 is the start, unused columns left as given), the
    number of sweeps and of flips per probe, and ``settled`` (1 where a sweep
    ended without a flip at zero temperature: a fixed point). Energies use the symmetric formula, valid
    for symmetric W.
    """
    n = states.shape[1]
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
                for k in range(n - 1, 0, -1):  # Fisher-Yates
                    j = xorshift_below(seeds, q, k + 1)
                    visit[k], visit[j] = visit[j], visit[k]
            sweep_flips = 0
            for k in range(n):
                i = visit[k]
                local = scale * np.float64(h[i]) - thresholds[i]
                old = s[i]
                if temperature > 0.0:
                    probability = 1.0 / (1.0 + math.exp(-2.0 * local / temperature))
                    new = 1 if xorshift_uniform(seeds, q) < probability else -1
                else:
                    new = 1 if local > 0.0 else (-1 if local < 0.0 else old)
                if new != old:
                    delta = new - old
                    # ΔE = -δ (field without the self term) + θ_i δ, for symmetric W
                    own = scale * (np.float64(h[i]) - np.float64(diagonal[i]) * old)
                    energy += -delta * own + thresholds[i] * delta
                    s[i] = new
                    _spread(i, delta, out_indptr, out_targets, out_weights, dense_t, use_dense, h)
                    sweep_flips += 1
            sweep += 1
            total_flips += sweep_flips
            energies[q, sweep] = energy
            if sweep_flips == 0 and temperature == 0.0:
                settled[q] = 1
                break
        sweeps[q] = sweep
        flips[q] = total_flips


@njit(**inline_options())
def _interaction(x, kind, degree):
    if kind == POLYNOMIAL:
        return x**degree
    return x**degree if x > 0 else 0.0


@njit(**jit_options(parallel=True))
def dense_memory_recall(
    states,
    patterns_t,
    kind,
    degree,
    beta,
    order_mode,
    order,
    max_sweeps,
    seeds,
    sweeps,
    flips,
    settled,
):
    """Asynchronous recall in a dense associative memory (Krotov & Hopfield 2016).

    ``patterns_t`` (N, K) int8 holds the patterns as columns. Unit l becomes the
    sign of Σ_μ F(a_μ + ξ_lμ) - F(a_μ - ξ_lμ), with a_μ = Σ_{j≠l} ξ_jμ s_j the
    overlaps without unit l, kept up to date on every flip (O(K) per update).
    F is x^n, the rectified x^n, or exp(β x) (compared in log space).
    """
    n, k_patterns = patterns_t.shape
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
                for k in range(n - 1, 0, -1):
                    j = xorshift_below(seeds, q, k + 1)
                    visit[k], visit[j] = visit[j], visit[k]
            sweep_flips = 0
            for k in range(n):
                l = visit[k]
                old = s[l]
                xi = patterns_t[l]
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
                    difference = plus - minus
                else:
                    difference = 0.0
                    for mu in range(k_patterns):
                        rest = overlap[mu] - xi[mu] * old
                        difference += _interaction(rest + xi[mu], kind, degree)
                        difference -= _interaction(rest - xi[mu], kind, degree)
                new = 1 if difference > 0.0 else (-1 if difference < 0.0 else old)
                if new != old:
                    for mu in range(k_patterns):
                        overlap[mu] += xi[mu] * (new - old)
                    s[l] = new
                    sweep_flips += 1
            sweep += 1
            total_flips += sweep_flips
            if sweep_flips == 0:
                settled[q] = 1
                break
        sweeps[q] = sweep
        flips[q] = total_flips
