"""Compiled kernels of the echo state network.

One step of the leaky reservoir, for every unit i::

    pre_i  = b_i + Σ_k W_in[i,k] u_k(t+1) + Σ_k W_fb[i,k] y_k(t) + ν_i(t) + Σ_j W[i,j] x_j(t)
    x_i(t+1) = (1 - a) x_i(t) + a f(pre_i)

W is either CSR (``indptr, indices, weights``; rows are targets) or dense
(``dense``; chosen by ``use_dense``); the unused one is passed as an empty array.
Input and feedback weights are passed transposed, ``w_in_t`` (n_in, n) and
``w_fb_t`` (n_fb, n), so that their columns are contiguous.
Kernels return the index of the first step whose pre-activation was not finite,
or -1, so the caller can raise a ``SimulationError`` naming the step.

Compilation options come from :mod:`neurodyn.config`.
"""

import numpy as np
from numba import njit, prange

from neurodyn._intrinsics import store_fence, stream_store
from neurodyn._math import tanh
from neurodyn.config import inline_options, jit_options

INLINE = inline_options()
TANH, IDENTITY, RELU, SIGMOID = 0, 1, 2, 3
ACTIVATIONS = {"tanh": TANH, "identity": IDENTITY, "relu": RELU, "sigmoid": SIGMOID}

_STREAM_MIN_UNITS = 512  # record rows of at least this many units with non-temporal stores
_UPDATE_CHUNKS = 8  # the batch update runs as a few long loops (threads share them out)
_LARGEST = np.finfo(np.float64).max


@njit(**INLINE)
def _leaky_update(state, pre, leak, code, start, stop):
    """state[i] = (1 - a) state[i] + a f(pre[i]) for i in [start, stop) of 1-d arrays."""
    keep = 1.0 - leak
    # unsigned bounds: with a signed start, every access would need a negative-index
    # check, and the loop would not vectorise
    first, last = np.uintp(start), np.uintp(stop)
    if code == TANH:
        for i in range(first, last):
            state[i] = keep * state[i] + leak * tanh(pre[i])
    elif code == IDENTITY:
        for i in range(first, last):
            state[i] = keep * state[i] + leak * pre[i]
    elif code == RELU:
        for i in range(first, last):
            state[i] = keep * state[i] + leak * (pre[i] if pre[i] > 0 else 0.0)
    else:
        for i in range(first, last):
            state[i] = keep * state[i] + leak * (0.5 + 0.5 * tanh(0.5 * pre[i]))


@njit(**INLINE)
def _preactivation(
    pre, bias, w_in_t, u, w_fb_t, fb, noise, indptr, indices, weights, dense, use_dense, state
):
    """pre = b + W_in u + W_fb fb + noise + W x.

    The input terms run over contiguous columns of the transposed input
    weights (``w_in_t`` is (n_in, n)), so they vectorise. The recurrent rows run
    in parallel inside a ``parallel=True`` caller; each row is summed in a fixed
    order, so the result does not depend on the number of threads.
    """
    n = pre.shape[0]
    pre[:] = bias
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
    if use_dense:
        pre += np.dot(dense, state)
        return
    for i in prange(n):
        total = 0.0
        # unsigned indices spare a negative-index check on every load
        for j in range(np.uintp(indptr[i]), np.uintp(indptr[i + 1])):
            total += weights[j] * state[np.uintp(indices[j])]
        pre[i] += total


@njit(**INLINE)
def _is_finite_sum(values):
    finite = True
    for i in range(values.shape[0]):
        finite &= abs(values[i]) <= _LARGEST  # False for NaN and ±inf; an AND vectorises
    return finite


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
def _run(
    inputs,
    feedback,
    noise,
    w_in_t,
    w_fb_t,
    bias,
    indptr,
    indices,
    weights,
    dense,
    use_dense,
    leak,
    code,
    state,
    out,
):
    n = state.shape[0]
    pre = np.empty(n, dtype=state.dtype)
    no_noise = np.empty(0, dtype=state.dtype)
    has_noise = noise.shape[0] > 0
    for t in range(inputs.shape[0]):
        _preactivation(
            pre,
            bias,
            w_in_t,
            inputs[t],
            w_fb_t,
            feedback[t],
            noise[t] if has_noise else no_noise,
            indptr,
            indices,
            weights,
            dense,
            use_dense,
            state,
        )
        if not _is_finite_sum(pre):
            store_fence()
            return t
        _leaky_update(state, pre, leak, code, 0, state.shape[0])
        _record(out[t], state)
    store_fence()
    return -1


@njit(**jit_options())
def run(
    inputs,
    feedback,
    noise,
    w_in_t,
    w_fb_t,
    bias,
    indptr,
    indices,
    weights,
    dense,
    use_dense,
    leak,
    code,
    state,
    out,
):
    """Drive the reservoir with ``inputs`` (T, n_in); writes states to ``out`` (T, n).

    ``feedback`` (T, n_fb) is the output fed back at each step (or (T, 0));
    ``noise`` (T, n) is added to the pre-activation (or (0, n) for none).
    ``state`` (n,) is advanced in place.
    """
    return _run(
        inputs,
        feedback,
        noise,
        w_in_t,
        w_fb_t,
        bias,
        indptr,
        indices,
        weights,
        dense,
        use_dense,
        leak,
        code,
        state,
        out,
    )


@njit(**jit_options(parallel=True))
def run_parallel(
    inputs,
    feedback,
    noise,
    w_in_t,
    w_fb_t,
    bias,
    indptr,
    indices,
    weights,
    dense,
    use_dense,
    leak,
    code,
    state,
    out,
):
    """:func:`run` with the rows of each step spread over threads; bit-identical results."""
    return _run(
        inputs,
        feedback,
        noise,
        w_in_t,
        w_fb_t,
        bias,
        indptr,
        indices,
        weights,
        dense,
        use_dense,
        leak,
        code,
        state,
        out,
    )


@njit(**INLINE)
def _run_batch(
    inputs,
    feedback,
    noise,
    w_in_t,
    w_fb_t,
    bias,
    indptr,
    indices,
    weights,
    dense,
    use_dense,
    leak,
    code,
    states,
    out,
):
    # Rows of the batch are addressed in flat arrays: no array views inside the
    # loops (each view costs an atomic reference count, which threads would fight
    # over) and unit-stride inner loops that vectorise.
    n, batch = states.shape
    flat_pre = np.empty(n * batch, dtype=states.dtype)
    flat_states = states.reshape(n * batch)
    has_noise = noise.shape[0] > 0
    n_chunks = min(_UPDATE_CHUNKS, n)
    width = np.uintp(batch)  # unsigned offsets: no negative-index checks, so loops vectorise
    for t in range(inputs.shape[0]):
        for i in prange(n):
            row = np.uintp(i) * width
            for b in range(width):
                flat_pre[row + b] = bias[i]
            for k in range(inputs.shape[2]):
                w = w_in_t[k, i]
                for b in range(width):
                    flat_pre[row + b] += w * inputs[t, b, k]
            for k in range(feedback.shape[2]):
                w = w_fb_t[k, i]
                for b in range(width):
                    flat_pre[row + b] += w * feedback[t, b, k]
            if has_noise:
                for b in range(width):
                    flat_pre[row + b] += noise[t, i, b]
            if not use_dense:
                for j in range(np.uintp(indptr[i]), np.uintp(indptr[i + 1])):
                    w = weights[j]
                    source = np.uintp(indices[j]) * width
                    for b in range(width):
                        flat_pre[row + b] += w * flat_states[source + b]
        if use_dense:
            flat_pre += np.dot(dense, states).reshape(n * batch)
        if not _is_finite_sum(flat_pre):
            store_fence()
            return t
        for chunk in prange(n_chunks):  # a few long loops vectorise better than n short ones
            start = chunk * n // n_chunks * batch
            stop = (chunk + 1) * n // n_chunks * batch
            _leaky_update(flat_states, flat_pre, leak, code, start, stop)
        for b in range(batch):
            row = out[b, t]
            for i in range(n):
                stream_store(row, i, flat_states[i * batch + b])
    store_fence()
    return -1


@njit(**jit_options())
def run_batch(
    inputs,
    feedback,
    noise,
    w_in_t,
    w_fb_t,
    bias,
    indptr,
    indices,
    weights,
    dense,
    use_dense,
    leak,
    code,
    states,
    out,
):
    """Drive B reservoirs at once: one sparse-times-dense product per step.

    inputs (T, B, n_in), feedback (T, B, n_fb), noise (T, n, B) or (0, n, B);
    ``states`` (n, B) is advanced in place (batch last, so the inner loops run
    over contiguous memory); states are written to ``out`` (B, T, n).
    """
    return _run_batch(
        inputs,
        feedback,
        noise,
        w_in_t,
        w_fb_t,
        bias,
        indptr,
        indices,
        weights,
        dense,
        use_dense,
        leak,
        code,
        states,
        out,
    )


@njit(**jit_options(parallel=True))
def run_batch_parallel(
    inputs,
    feedback,
    noise,
    w_in_t,
    w_fb_t,
    bias,
    indptr,
    indices,
    weights,
    dense,
    use_dense,
    leak,
    code,
    states,
    out,
):
    """:func:`run_batch` with the rows of each step spread over threads; bit-identical results."""
    return _run_batch(
        inputs,
        feedback,
        noise,
        w_in_t,
        w_fb_t,
        bias,
        indptr,
        indices,
        weights,
        dense,
        use_dense,
        leak,
        code,
        states,
        out,
    )


@njit(**INLINE)
def _readout(state, u, w_out, w_out_in, b_out, y):
    for o in range(y.shape[0]):
        total = b_out[o]
        for i in range(state.shape[0]):
            total += w_out[o, i] * state[i]
        for k in range(w_out_in.shape[1]):
            total += w_out_in[o, k] * u[k]
        y[o] = total


@njit(**jit_options())
def generate(
    n_steps,
    u_last,
    exogenous,
    close_input,
    use_feedback,
    w_in_t,
    w_fb_t,
    bias,
    indptr,
    indices,
    weights,
    dense,
    use_dense,
    leak,
    code,
    state,
    w_out,
    w_out_in,
    b_out,
    out_y,
    out_x,
):
    """Closed-loop generation on the network's own output.

    At each step the readout y = W_out x + W_out_in u + b_out is emitted, then
    fed back as the next input (``close_input``) and/or through W_fb
    (``use_feedback``); otherwise the next input is ``exogenous[s]``.
    ``u_last`` (n_in,) is the input that produced the current ``state``.
    Writes ``out_y`` (n_steps, n_out) and, if it has rows, ``out_x`` (n_steps, n).
    """
    n = state.shape[0]
    n_out = b_out.shape[0]
    pre = np.empty(n, dtype=state.dtype)
    u = u_last.copy()
    y = np.empty(n_out, dtype=state.dtype)
    no_feedback = np.empty(0, dtype=state.dtype)
    no_noise = np.empty(0, dtype=state.dtype)
    record_states = out_x.shape[0] > 0
    for s in range(n_steps):
        _readout(state, u, w_out, w_out_in, b_out, y)
        out_y[s] = y
        if close_input:
            u[:] = y
        elif exogenous.shape[1] > 0:
            u[:] = exogenous[s]
        _preactivation(
            pre,
            bias,
            w_in_t,
            u,
            w_fb_t,
            y if use_feedback else no_feedback,
            no_noise,
            indptr,
            indices,
            weights,
            dense,
            use_dense,
            state,
        )
        if not _is_finite_sum(pre):
            return s
        _leaky_update(state, pre, leak, code, 0, state.shape[0])
        if record_states:
            out_x[s] = state
    return -1


@njit(**INLINE)
def _rls_step(P, w_out, features, target, forgetting, gain, error):
    """One recursive-least-squares update of ``w_out`` (n_out, d) towards ``target``."""
    d = features.shape[0]
    p_phi = np.dot(P, features)
    denominator = forgetting + np.dot(features, p_phi)
    for i in range(d):
        gain[i] = p_phi[i] / denominator
    for o in range(w_out.shape[0]):
        error[o] = np.dot(w_out[o], features) - target[o]
        for i in range(d):
            w_out[o, i] -= error[o] * gain[i]
    inverse = 1.0 / forgetting
    for i in range(d):
        for j in range(d):
            P[i, j] = (P[i, j] - gain[i] * p_phi[j]) * inverse


@njit(**jit_options())
def rls_fit(P, w_out, features, targets, forgetting):
    """Sequential RLS over rows of ``features`` (T, d) and ``targets`` (T, n_out).

    ``P`` (d, d) is the running inverse correlation matrix; both ``P`` and
    ``w_out`` are updated in place. Returns the first step where the weights
    became non-finite, or -1.
    """
    gain = np.empty(features.shape[1])
    error = np.empty(targets.shape[1])
    for t in range(features.shape[0]):
        _rls_step(P, w_out, features[t], targets[t], forgetting, gain, error)
        if not _is_finite_sum(error):
            return t
    return -1


@njit(**jit_options())
def force(
    inputs,
    targets,
    noise,
    w_in_t,
    w_fb_t,
    bias,
    indptr,
    indices,
    weights,
    dense,
    use_dense,
    leak,
    code,
    state,
    P,
    w_out,
    forgetting,
    y_prev,
    out_y,
):
    """FORCE learning (Sussillo & Abbott 2009): the reservoir is driven by its own
    readout output through W_fb while RLS pulls that output towards ``targets``.

    Features are x, followed by a constant 1 when d = n + 1 (a fitted bias); ``w_out`` (n_out, d) and ``P`` (d, d)
    are updated in place, ``y_prev`` (n_out,) is the output fed back at the
    first step and holds the last one on return. Writes the pre-update outputs
    to ``out_y`` (T, n_out).
    """
    n = state.shape[0]
    d = w_out.shape[1]
    pre = np.empty(n, dtype=state.dtype)
    features = np.ones(d)
    gain = np.empty(d)
    error = np.empty(w_out.shape[0])
    has_noise = noise.shape[0] > 0
    no_noise = np.empty(0, dtype=state.dtype)
    for t in range(inputs.shape[0]):
        _preactivation(
            pre,
            bias,
            w_in_t,
            inputs[t],
            w_fb_t,
            y_prev,
            noise[t] if has_noise else no_noise,
            indptr,
            indices,
            weights,
            dense,
            use_dense,
            state,
        )
        if not _is_finite_sum(pre):
            return t
        _leaky_update(state, pre, leak, code, 0, state.shape[0])
        features[:n] = state
        for o in range(w_out.shape[0]):
            y_prev[o] = np.dot(w_out[o], features)
        out_y[t] = y_prev
        _rls_step(P, w_out, features, targets[t], forgetting, gain, error)
        if not _is_finite_sum(error):
            return t
    return -1
