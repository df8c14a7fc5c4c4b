"""Compiled time loops of the gradient-trained recurrent networks.

Arrays are time-major: inputs and states are (T, B, ·), so every step reads
contiguous (B, ·) blocks. The input projections of all steps (x W_ihᵀ + b) and
the weight gradients (Σ_t δ_tᵀ h_{t-1}) are single large matrix products done
outside these loops; the loops hold only what must be sequential: one small
matrix product per step (np.dot → BLAS) and the element-wise gate arithmetic.

Gate layouts follow PyTorch: LSTM (i, f, g, o), GRU (r, z, n) with the reset
gate applied after the recurrent product, n = tanh(x_n + r ⊙ (W_hn h + b_hn)).
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from neurodyn._kernels import activate, activation_derivative, affine
from neurodyn._math import sigmoid, tanh
from neurodyn.config import inline_options, jit_options


class JordanWeights(NamedTuple):
    """What the Jordan kernels read: W_chᵀ (O, H) (or W_ch (H, O) going backwards),
    the output layer, the activation code (of neurodyn._kernels.ACTIVATIONS), the
    context decay μ and whether the output is a softmax."""

    w_ch: np.ndarray
    w_out: np.ndarray
    b_out: np.ndarray
    code: int
    decay: float
    softmax: bool


@njit(**inline_options())
def _flat(block):
    """A C-contiguous (B, k) block as a 1-d view."""
    return block.reshape(block.size)


@njit(**jit_options())
def narrow_projection(x, weight_t, bias, out):
    """out = x (N, k) @ weight_t (k, m) + bias for small k, where BLAS is slow here (a k = 2
    product measured 1.4 ms against 0.25 ms for k = 32)."""
    rows, width = out.shape
    flat = out.reshape(rows * width)
    for row in range(rows):
        base = np.uintp(row * width)
        for j in range(np.uintp(width)):
            flat[base + j] = bias[j]
        for k in range(x.shape[1]):
            value = x[row, k]
            source = weight_t[k]
            for j in range(np.uintp(width)):
                flat[base + j] += value * source[j]


# --- vanilla / Elman ------------------------------------------------------------------
@njit(**jit_options())
def rnn_forward(xw, whh_t, code, hs):
    """hs[t+1] = f(xw[t] + hs[t] W_hhᵀ); xw (T, B, H) holds x W_ihᵀ + b_ih + b_hh, hs[0] = h0."""
    for t in range(xw.shape[0]):
        pre = np.dot(hs[t], whh_t)
        out = hs[t + 1]
        for b in range(pre.shape[0]):
            for j in range(pre.shape[1]):
                out[b, j] = activate(pre[b, j] + xw[t, b, j], code)


@njit(**jit_options())
def rnn_backward(hs, whh, code, dh_out, dpre):
    """Back-propagate dL/dh_t (dh_out, T × B × H) through time; fills dpre = dL/d(pre-activation)
    and returns dL/dh0."""
    carry = np.zeros_like(hs[0])
    for t in range(dh_out.shape[0] - 1, -1, -1):
        h = hs[t + 1]
        delta = dpre[t]
        for b in range(h.shape[0]):
            for j in range(h.shape[1]):
                delta[b, j] = (dh_out[t, b, j] + carry[b, j]) * activation_derivative(h[b, j], code)
        carry = np.dot(delta, whh)
    return carry


# --- LSTM -------------------------------------------------------------------------------------
# In the element-wise loops below every loop touches at most four arrays: with
# more, LLVM needs too many run-time aliasing checks and gives up vectorising
# (measured: 65 ns per unit and step in one loop against 13 ns split).
@njit(**jit_options())
def lstm_forward(xw, whh_t, hs, cs, gates):
    """xw (T, B, 4H) = x W_ihᵀ + b_ih + b_hh; hs, cs (T+1, B, H) with the initial state in
    row 0; gates (T, B, 4H) receives the activated gates i, f, g, o."""
    batch, n = hs.shape[1], hs.shape[2]
    u = np.uintp(n)
    product = np.empty((batch, 4 * n), dtype=hs.dtype)  # h W_hhᵀ, written in place each step
    recurrent = product.reshape(batch * 4 * n)
    for t in range(xw.shape[0]):
        np.dot(hs[t], whh_t, product)
        x, gate = _flat(xw[t]), _flat(gates[t])
        c_old, c_new, h_new = _flat(cs[t]), _flat(cs[t + 1]), _flat(hs[t + 1])
        for b in range(batch):
            g0, s0 = np.uintp(4 * n * b), np.uintp(n * b)  # unsigned: no negative-index checks
            for j in range(u):
                gate[g0 + j] = sigmoid(recurrent[g0 + j] + x[g0 + j])
                gate[g0 + u + j] = sigmoid(recurrent[g0 + u + j] + x[g0 + u + j])
                gate[g0 + 2 * u + j] = tanh(recurrent[g0 + 2 * u + j] + x[g0 + 2 * u + j])
                gate[g0 + 3 * u + j] = sigmoid(recurrent[g0 + 3 * u + j] + x[g0 + 3 * u + j])
            for j in range(u):
                c_new[s0 + j] = (
                    gate[g0 + u + j] * c_old[s0 + j] + gate[g0 + j] * gate[g0 + 2 * u + j]
                )
            for j in range(u):
                h_new[s0 + j] = gate[g0 + 3 * u + j] * tanh(c_new[s0 + j])


@njit(**jit_options())
def lstm_backward(cs, gates, whh, dh_out, dc_last, dpre):
    """Fills dpre (T, B, 4H) = dL/d(gate pre-activations); returns (dL/dh0, dL/dc0).

    ``dc_last`` is dL/dc_T from outside (zero unless the final cell state is used).
    """
    n_steps, batch, n = dh_out.shape
    u = np.uintp(n)
    dh = np.zeros(batch * n, dtype=cs.dtype)  # dL/dh_t, first the part from step t+1
    dc = dc_last.copy().reshape(batch * n)  # dL/dc_t, first the part from step t+1
    tanh_c = np.empty(batch * n, dtype=cs.dtype)
    for t in range(n_steps - 1, -1, -1):
        gate, delta = _flat(gates[t]), _flat(dpre[t])
        c_old, c_new, dh_t = _flat(cs[t]), _flat(cs[t + 1]), _flat(dh_out[t])
        for k in range(batch * n):
            tanh_c[k] = tanh(c_new[k])
            dh[k] += dh_t[k]
        for b in range(batch):
            g0, s0 = np.uintp(4 * n * b), np.uintp(n * b)
            for j in range(u):
                o = gate[g0 + 3 * u + j]
                dc[s0 + j] += dh[s0 + j] * o * (1.0 - tanh_c[s0 + j] * tanh_c[s0 + j])
                delta[g0 + 3 * u + j] = dh[s0 + j] * tanh_c[s0 + j] * o * (1.0 - o)
            for j in range(u):
                i, g = gate[g0 + j], gate[g0 + 2 * u + j]
                delta[g0 + j] = dc[s0 + j] * g * i * (1.0 - i)
                delta[g0 + 2 * u + j] = dc[s0 + j] * i * (1.0 - g * g)
            for j in range(u):
                f = gate[g0 + u + j]
                delta[g0 + u + j] = dc[s0 + j] * c_old[s0 + j] * f * (1.0 - f)
            for j in range(u):
                dc[s0 + j] *= gate[g0 + u + j]
        dh = np.dot(dpre[t], whh).reshape(batch * n)
    return dh.reshape(batch, n), dc.reshape(batch, n)


# --- GRU ----------------------------------------------------------------------------------------
@njit(**jit_options())
def gru_forward(xw, whh_t, bhh, hs, gates, recurrent_n):
    """xw (T, B, 3H) = x W_ihᵀ + b_ih; hs (T+1, B, H) with h0 in row 0. Stores the gates
    r, z, n in ``gates`` (T, B, 3H) and W_hn h + b_hn in ``recurrent_n`` (T, B, H)."""
    batch, n = hs.shape[1], hs.shape[2]
    u = np.uintp(n)
    for t in range(xw.shape[0]):
        hh = np.dot(hs[t], whh_t).reshape(batch * 3 * n)
        x, gate = _flat(xw[t]), _flat(gates[t])
        h_old, h_new, rec = _flat(hs[t]), _flat(hs[t + 1]), _flat(recurrent_n[t])
        for b in range(batch):
            g0, s0 = np.uintp(3 * n * b), np.uintp(n * b)
            for j in range(u):
                gate[g0 + j] = sigmoid(x[g0 + j] + hh[g0 + j] + bhh[j])
                gate[g0 + u + j] = sigmoid(x[g0 + u + j] + hh[g0 + u + j] + bhh[u + j])
            for j in range(u):
                rec[s0 + j] = hh[g0 + 2 * u + j] + bhh[2 * u + j]
            for j in range(u):
                gate[g0 + 2 * u + j] = tanh(x[g0 + 2 * u + j] + gate[g0 + j] * rec[s0 + j])
            for j in range(u):
                z = gate[g0 + u + j]
                h_new[s0 + j] = (1.0 - z) * gate[g0 + 2 * u + j] + z * h_old[s0 + j]


@njit(**jit_options())
def gru_backward(hs, gates, recurrent_n, whh, dh_out, dx, dhh):
    """Fills dx (T, B, 3H) = dL/d(x W_ihᵀ + b_ih) and dhh (T, B, 3H) = dL/d(h W_hhᵀ + b_hh);
    returns dL/dh0."""
    n_steps, batch, n = dh_out.shape
    u = np.uintp(n)
    dh = np.zeros(batch * n, dtype=hs.dtype)  # dL/dh_t, first the part from step t+1
    for t in range(n_steps - 1, -1, -1):
        gate, d_x, d_h = _flat(gates[t]), _flat(dx[t]), _flat(dhh[t])
        h_old, rec, dh_t = _flat(hs[t]), _flat(recurrent_n[t]), _flat(dh_out[t])
        for k in range(batch * n):
            dh[k] += dh_t[k]
        for b in range(batch):
            g0, s0 = np.uintp(3 * n * b), np.uintp(n * b)
            for j in range(u):
                z, new = gate[g0 + u + j], gate[g0 + 2 * u + j]
                d_x[g0 + 2 * u + j] = dh[s0 + j] * (1.0 - z) * (1.0 - new * new)
                d_x[g0 + u + j] = dh[s0 + j] * (h_old[s0 + j] - new) * z * (1.0 - z)
            for j in range(u):
                r = gate[g0 + j]
                d_x[g0 + j] = d_x[g0 + 2 * u + j] * rec[s0 + j] * r * (1.0 - r)
            for j in range(u):
                d_h[g0 + j] = d_x[g0 + j]
                d_h[g0 + u + j] = d_x[g0 + u + j]
                d_h[g0 + 2 * u + j] = d_x[g0 + 2 * u + j] * gate[g0 + j]
            for j in range(u):
                dh[s0 + j] *= gate[g0 + u + j]  # the direct path h_t = ... + z h_{t-1}
        dh += np.dot(dhh[t], whh).reshape(batch * n)
    return dh.reshape(batch, n)


# --- Jordan -------------------------------------------------------------------------------------
@njit(**inline_options())
def _emit(h, weights, out):
    """out = W_out h + b_out for one sequence, as probabilities for a softmax output."""
    affine(weights.w_out, h, weights.b_out, out)
    if weights.softmax:
        top = out.max()
        norm = 0.0
        for k in range(out.shape[0]):
            out[k] = np.exp(out[k] - top)
            norm += out[k]
        for k in range(out.shape[0]):
            out[k] /= norm


@njit(**jit_options())
def jordan_forward(weights, xw, teacher, use_teacher, context, hs, ys):
    """Jordan network: c_t = μ c_{t-1} + y_{t-1}, h_t = f(xw[t] + c_t W_chᵀ),
    y_t = out(W_out h_t + b_out); ``weights.w_ch`` is W_chᵀ (O, H).

    xw (T, B, H) = x W_ihᵀ + b_ih + b_ch; context (T+1, B, O) with c_0 in row 0
    (row t+1 is the context of step t+1); hs (T, B, H); ys (T, B, O) the outputs
    (softmax probabilities for a softmax output). With ``use_teacher`` the
    context is fed the targets ``teacher`` (T, B, O) instead of the outputs.
    """
    n_steps, batch, _ = xw.shape
    code, decay = weights.code, weights.decay
    for t in range(n_steps):
        pre = np.dot(context[t], weights.w_ch)
        for b in range(batch):
            for j in range(pre.shape[1]):
                hs[t, b, j] = activate(pre[b, j] + xw[t, b, j], code)
            _emit(hs[t, b], weights, ys[t, b])
            fed = teacher[t, b] if use_teacher else ys[t, b]
            for k in range(fed.shape[0]):
                context[t + 1, b, k] = decay * context[t, b, k] + fed[k]


@njit(**jit_options())
def jordan_backward(weights, hs, ys, use_teacher, dlogits_direct, dlogits, dpre):
    """Back-propagation through time for :func:`jordan_forward`; ``weights.w_ch`` is
    W_ch (H, O) here.

    ``dlogits_direct`` (T, B, O) is dL/d(logits) from the loss alone; the output
    also feeds the next context (unless teacher-forced), whose gradient is added
    here. Fills dlogits (T, B, O) and dpre (T, B, H); returns dL/dc_0.
    """
    n_steps, batch, n_out = ys.shape
    wch, w_out, code, decay, softmax = (
        weights.w_ch,
        weights.w_out,
        weights.code,
        weights.decay,
        weights.softmax,
    )
    d_context = np.zeros((batch, n_out), dtype=hs.dtype)  # dL/dc_{t+1}
    feedback = np.empty(n_out, dtype=hs.dtype)
    for t in range(n_steps - 1, -1, -1):
        for b in range(batch):
            for k in range(n_out):
                feedback[k] = 0.0 if use_teacher else d_context[b, k]  # dL/dy_t through c_{t+1}
            if softmax:
                weighted = 0.0
                for k in range(n_out):
                    weighted += ys[t, b, k] * feedback[k]
                for k in range(n_out):
                    feedback[k] = ys[t, b, k] * (feedback[k] - weighted)
            for k in range(n_out):
                dlogits[t, b, k] = dlogits_direct[t, b, k] + feedback[k]
            for j in range(hs.shape[2]):
                total = 0.0
                for k in range(n_out):
                    total += dlogits[t, b, k] * w_out[k, j]
                dpre[t, b, j] = total * activation_derivative(hs[t, b, j], code)
        through_hidden = np.dot(dpre[t], wch)  # dL/dc_t via h_t
        for b in range(batch):
            for k in range(n_out):
                d_context[b, k] = decay * d_context[b, k] + through_hidden[b, k]
    return d_context
