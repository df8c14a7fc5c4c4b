"""Compiled kernels of the echo state network.

One step of the leaky reservoir, for every unit i::

    pre_i  = b_i + Σ_k W_in[i,k] u_k(t+1) + Σ_k W_fb[i,k] y_k(t) + ν_i(t) + Σ_j W[i,j] x_j(t)
    x_i(t+1) = (1 - a) x_i(t) + a f(pre_i)

Every kernel takes the reservoir's compiled bundle (:class:`ReservoirBundle`:
W as a :class:`~neurodyn.compiled.WeightMatrix`, the input and feedback weights
transposed so that their columns are contiguous, the bias, the leak and the
activation code), then what drives it (:class:`Drive`), then the state it
advances in place and the outputs it fills. Kernels return the index of the
first step whose pre-activation was not finite, or -1, so the caller can raise
a ``SimulationError`` naming the step; the state is then left at that step.

Compilation options come from :mod:`neurodyn.config`.
"""

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from neurodyn._intrinsics import store_fence, stream_store
from neurodyn._kernels import (
    add_product,
    affine,
    all_finite,
    leaky_update,
    pull,
    pull_rows,
    rls_update,
)
from neurodyn.compiled import WeightMatrix
from neurodyn.config import inline_options, jit_options

INLINE = inline_options()

_STREAM_MIN_UNITS = 512  # record rows of at least this many units with non-temporal stores
_ROW_BLOCK = 64  # units the batch kernel updates together (64 x B values per loop; 16 and 32 measured slower)


class ReservoirBundle(NamedTuple):
    """The compiled reservoir: what every kernel reads and none writes."""

    W: WeightMatrix  # recurrent weights (n, n), rows are targets
    w_in_t: np.ndarray  # (n_inputs, n): W_in transposed
    w_fb_t: np.ndarray  # (n_feedback, n): W_fb transposed
    bias: np.ndarray  # (n,)
    leak: float  # a in (0, 1]
    activation: int  # a code of neurodyn._kernels.ACTIVATIONS


class Drive(NamedTuple):
    """What enters the reservoir, step by step.

    One sequence: ``inputs`` (T, n_in), ``feedback`` (T, n_fb) (the output fed
    back at each step, or (T, 0)), ``noise`` (T, n) added to the pre-activation
    (or (0, n) for none). A batch of B: (T, B, n_in), (T, B, n_fb), (T, n, B).
    """

    inputs: np.ndarray
    feedback: np.ndarray
    noise: np.ndarray


class Readout(NamedTuple):
    """A linear readout y = W_out x + W_out_in u + b_out: (n_out, n), (n_out, n_in), (n_out,)."""

    w_out: np.ndarray
    w_out_in: np.ndarray
    b_out: np.ndarray


class ClosedLoop(NamedTuple):
    """How generation feeds the output back: as the next input (``close_input``),
    through W_fb (``use_feedback``), or neither (the next input is ``exogenous[s]``)."""

    close_input: bool
    use_feedback: bool
    exogenous: np.ndarray  # (n_steps, n_in), or (n_steps, 0) when unused


@njit(**INLINE)
def _preactivation(bundle, u, fb, noise, state, pre):
    """pre = b + W_in u + W_fb fb + noise + W x (the recurrent rows in parallel inside a
    parallel caller; each row summed in a fixed order, so results do not depend on threads)."""
    n = pre.shape[0]
    w_in_t, w_fb_t = bundle.w_in_t, bundle.w_fb_t
    pre[:] = bundle.bias
    for k in range(u.shape[0]):
        value = u[k]
        for i in range(n):
            pre[i] += w_in_t[k, i] * value
    for k in range(fb.shape[0]):
        value = fb[k]
        for i in range(n):
            pre[i] += w_fb_t[k, i] * value
    if noise.shape[0] > 0:
        pre += noise
    pull(bundle.W, state, pre)


@njit(**INLINE)
def _step(bundle, u, fb, noise, state, pre):
    """Advance ``state`` one step; False (state untouched) when the pre-activation is not finite."""
    _preactivation(bundle, u, fb, noise, state, pre)
    if not all_finite(pre, 0, pre.shape[0]):
        return False
    leaky_update(state, state, pre, bundle.leak, bundle.activation, 0, state.shape[0])
    return True


@njit(**INLINE)
def _record(row, state):
    """row[:] = state; long rows bypass the caches (see neurodyn._intrinsics), short
    ones do not (for 100 units the non-temporal stores cost 15 % of a step)."""
    if state.shape[0] < _STREAM_MIN_UNITS:
        row[:] = state
        return
    for i in range(state.shape[0]):
        stream_store(row, i, state[i])


@njit(**INLINE)
def _run(bundle, drive, state, out):
    inputs, feedback, noise = drive.inputs, drive.feedback, drive.noise
    pre = np.empty(state.shape[0], dtype=state.dtype)
    no_noise = np.empty(0, dtype=state.dtype)
    has_noise = noise.shape[0] > 0
    for t in range(inputs.shape[0]):
        if not _step(
            bundle, inputs[t], feedback[t], noise[t] if has_noise else no_noise, state, pre
        ):
            store_fence()
            return t
        _record(out[t], state)
    store_fence()
    return -1


@njit(**jit_options())
def run(bundle, drive, state, out):
    """Drive the reservoir with one sequence; writes the states to ``out`` (T, n).

    ``state`` (n,) is advanced in place.
    """
    return _run(bundle, drive, state, out)


@njit(**jit_options(parallel=True))
def run_parallel(bundle, drive, state, out):
    """:func:`run` with the rows of each step spread over threads; bit-identical results."""
    return _run(bundle, drive, state, out)


@njit(**INLINE)
def _batch_rows(bundle, drive, t, current, following, product, finite):
    """The next (N, B) state, block of units by block: pre-activation, check, leaky update.

    A block's pre-activations gather in an array of its own, which the compiler
    knows aliases nothing (so the sparse product's inner loop needs no run-time
    overlap checks); then the block is checked and updated in one long loop,
    while it is still in the cache. Blocks run in parallel inside a parallel
    caller; ``current`` is read only.
    """
    W = bundle.W
    indptr, indices, weights, is_dense = W.indptr, W.indices, W.values, W.is_dense
    w_in_t, w_fb_t, bias = bundle.w_in_t, bundle.w_fb_t, bundle.bias
    leak, code = bundle.leak, bundle.activation
    inputs, feedback, noise = drive.inputs, drive.feedback, drive.noise
    has_noise = noise.shape[0] > 0
    n = bias.shape[0]
    width = current.shape[0] // n
    b_width = np.uintp(width)  # unsigned offsets: no negative-index checks, so loops vectorise
    for block in prange(finite.shape[0]):
        first = block * _ROW_BLOCK
        last = min(first + _ROW_BLOCK, n)
        pre = np.empty((last - first) * width, dtype=current.dtype)
        for i in range(first, last):
            row = np.uintp(i - first) * b_width
            for b in range(b_width):
                pre[row + b] = bias[i]
            for k in range(inputs.shape[2]):
                w = w_in_t[k, i]
                for b in range(b_width):
                    pre[row + b] += w * inputs[t, b, k]
            for k in range(feedback.shape[2]):
                w = w_fb_t[k, i]
                for b in range(b_width):
                    pre[row + b] += w * feedback[t, b, k]
            if has_noise:
                for b in range(b_width):
                    pre[row + b] += noise[t, i, b]
            if is_dense:
                for b in range(b_width):
                    pre[row + b] += product[i, b]
            else:
                pull_rows(indptr, indices, weights, i, current, width, pre, row)
        finite[block] = all_finite(pre, 0, pre.shape[0])
        start = np.uintp(first) * b_width
        stop = start + np.uintp(pre.shape[0])
        leaky_update(following, current, pre, leak, code, start, stop, start)


@njit(**INLINE)
def _record_batch(following, out, t):
    """out[b, t, :] = column b of the (N, B) state, eight output rows at a time.

    Each of the eight rows is written in order of units (a tile of units against
    all B rows would touch B pages at once and measured 8x slower); groups of
    rows run in parallel inside a parallel caller.
    """
    width, n = out.shape[0], out.shape[2]
    for group in prange((width + 7) // 8):
        first = group * 8
        if first + 8 <= width:
            for i in range(n):
                base = i * width + first
                for j in range(8):  # a constant trip count: unrolled
                    out[first + j, t, i] = following[base + j]
        else:
            for i in range(n):
                for b in range(first, width):
                    out[b, t, i] = following[i * width + b]


@njit(**INLINE)
def _run_batch(bundle, drive, states, scratch, out):
    # Rows of the batch are addressed in flat arrays: no array views inside the
    # parallel loops (each view costs an atomic reference count, which threads would
    # fight over) and unit-stride inner loops that vectorise. Two state buffers
    # alternate: the step reads one and writes the other.
    n, width = states.shape
    current, following = states.reshape(n * width), scratch.reshape(n * width)
    finite = np.ones((n + _ROW_BLOCK - 1) // _ROW_BLOCK, dtype=np.bool_)
    is_dense = bundle.W.is_dense
    product = np.empty((n if is_dense else 0, width), dtype=states.dtype)
    status = -1
    for t in range(drive.inputs.shape[0]):
        if is_dense:
            product[:] = np.dot(bundle.W.dense, current.reshape(n, width))
        _batch_rows(bundle, drive, t, current, following, product, finite)
        if not finite.all():
            status = t
            break
        _record_batch(following, out, t)
        current, following = following, current
    if current.ctypes.data != states.ctypes.data:
        states.reshape(n * width)[:] = current
    return status


@njit(**jit_options())
def run_batch(bundle, drive, states, scratch, out):
    """Drive B reservoirs at once: one sparse-times-dense product per step.

    Drive arrays in batch layout (see :class:`Drive`); ``states`` (n, B) is
    advanced in place (batch last, so the inner loops run over contiguous
    memory), ``scratch`` (n, B) is work space; states are written to ``out``
    (B, T, n).
    """
    return _run_batch(bundle, drive, states, scratch, out)


@njit(**jit_options(parallel=True))
def run_batch_parallel(bundle, drive, states, scratch, out):
    """:func:`run_batch` with the rows of each step spread over threads; bit-identical results."""
    return _run_batch(bundle, drive, states, scratch, out)


@njit(**INLINE)
def _emit(readout, state, u, y):
    affine(readout.w_out, state, readout.b_out, y)
    add_product(readout.w_out_in, u, y)


@njit(**jit_options())
def generate(bundle, readout, loop, u, state, out_y, out_x):
    """Closed-loop generation on the network's own output, ``out_y.shape[0]`` steps.

    At each step the readout y = W_out x + W_out_in u + b_out is emitted, then
    fed back as the loop says (:class:`ClosedLoop`). ``u`` (n_in,) is the input
    that produced the current ``state`` and is advanced in place with it.
    Writes ``out_y`` (n_steps, n_out) and, if it has rows, ``out_x`` (n_steps, n).
    """
    pre = np.empty(state.shape[0], dtype=state.dtype)
    y = np.empty(out_y.shape[1], dtype=state.dtype)
    no_feedback = np.empty(0, dtype=state.dtype)
    no_noise = np.empty(0, dtype=state.dtype)
    record_states = out_x.shape[0] > 0
    for s in range(out_y.shape[0]):
        _emit(readout, state, u, y)
        out_y[s] = y
        if loop.close_input:
            u[:] = y
        elif loop.exogenous.shape[1] > 0:
            u[:] = loop.exogenous[s]
        if not _step(bundle, u, y if loop.use_feedback else no_feedback, no_noise, state, pre):
            return s
        if record_states:
            out_x[s] = state
    return -1


@njit(**jit_options())
def force(bundle, drive, targets, rls, forgetting, y_prev, state, out_y):
    """FORCE learning (Sussillo & Abbott 2009): the reservoir is driven by its own
    readout output through W_fb while RLS pulls that output towards ``targets``.

    ``rls`` is an RLS state (P (d, d), weights (n_out, d)) updated in place;
    features are x, followed by a constant 1 when d = n + 1 (a fitted bias).
    ``y_prev`` (n_out,) is the output fed back at the first step and holds the
    last one on return. ``drive.feedback`` is not read. Writes the pre-update
    outputs to ``out_y`` (T, n_out).
    """
    n = state.shape[0]
    P, w_out = rls.P, rls.weights
    d = w_out.shape[1]
    pre = np.empty(n, dtype=state.dtype)
    features = np.ones(d)
    gain = np.empty(d)
    error = np.empty(w_out.shape[0])
    has_noise = drive.noise.shape[0] > 0
    no_noise = np.empty(0, dtype=state.dtype)
    for t in range(drive.inputs.shape[0]):
        noise = drive.noise[t] if has_noise else no_noise
        if not _step(bundle, drive.inputs[t], y_prev, noise, state, pre):
            return t
        features[:n] = state
        for o in range(w_out.shape[0]):
            y_prev[o] = np.dot(w_out[o], features)
        out_y[t] = y_prev
        rls_update(P, w_out, features, targets[t], forgetting, gain, error)
        if not all_finite(error, 0, error.shape[0]):
            return t
    return -1


@njit(**jit_options())
def intrinsic_plasticity_epoch(bundle, inputs, state, gain, shift, rule, washout):
    """One pass of Schrauwen et al.'s (2008) intrinsic plasticity over ``inputs`` (T, n_in):
    each unit's output is tanh(gain z + shift), z its pre-activation (bias included),
    and after ``washout`` steps gain and shift follow the rule that makes the output's
    distribution approach N(mu, sigma²), ``rule`` = (eta, mu, sigma). ``state``, ``gain``
    and ``shift`` are updated in place. Returns the first step whose pre-activation was
    not finite, or -1."""
    eta, mu, variance = rule[0], rule[1], rule[2] * rule[2]
    n = state.shape[0]
    pre = np.empty(n, state.dtype)
    no_feedback = np.zeros(0, state.dtype)
    no_noise = np.zeros((0,), state.dtype)
    keep = 1.0 - bundle.leak
    for t in range(inputs.shape[0]):
        _preactivation(bundle, inputs[t], no_feedback, no_noise, state, pre)
        if not all_finite(pre, 0, n):
            return t
        learning = t >= washout
        for i in range(n):
            y = np.tanh(gain[i] * pre[i] + shift[i])
            if learning:
                d_shift = -eta * (
                    -mu / variance + y / variance * (2.0 * variance + 1.0 - y * y + mu * y)
                )
                gain[i] += eta / gain[i] + d_shift * pre[i]
                shift[i] += d_shift
            state[i] = keep * state[i] + bundle.leak * y
    return -1
