"""Compiled time loops of the gradient-trained recurrent networks.

Arrays are time-major: inputs and states are (T, B, ·), so every step reads
contiguous (B, ·) blocks. The input projections of all steps (x W_ihᵀ + b) and
the weight gradients (Σ_t δ_tᵀ h_{t-1}) are single large matrix products done
outside these loops; the loops hold only what must be sequential: one small
matrix product per step (np.dot → BLAS) and the element-wise gate arithmetic.

Gate layouts follow PyTorch: LSTM (i, f, g, o), GRU (r, z, n) with the reset
gate applied after the recurrent product, n = tanh(x_n + r ⊙ (W_hn h + b_hn)).
"""

import numpy as np
from numba import njit

from neurodyn._math import fast_sigmoid, fast_tanh
from neurodyn.config import inline_options, jit_options

TANH, RELU, SIGMOID = 0, 1, 2
NONLINEARITIES = {"tanh": TANH, "relu": RELU, "sigmoid": SIGMOID}


@njit(**inline_options())
def _activate(x, code):
    if code == TANH:
        return fast_tanh(x)
    if code == RELU:
        return x if x > 0 else 0.0 * x
    return fast_sigmoid(x)


@njit(**inline_options())
def _derivative(y, code):
    """f'(a) written with y = f(a)."""
    if code == TANH:
        return 1.0 - y * y
    if code == RELU:
        return 1.0 if y > 0 else 0.0
    return y * (1.0 - y)


# --- vanilla / Elman ------------------------------------------------------------------
@njit(**jit_options())
def rnn_forward(xw, whh_t, code, hs):
    """hs[t+1] = f(xw[t] + hs[t] W_hhᵀ); xw (T, B, H) holds x W_ihᵀ + b_ih + b_hh, hs[0] = h0."""
    for t in range(xw.shape[0]):
        pre = np.dot(hs[t], whh_t)
        out = hs[t + 1]
        for b in range(pre.shape[0]):
            for j in range(pre.shape[1]):
                out[b, j] = _activate(pre[b, j] + xw[t, b, j], code)


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
                delta[b, j] = (dh_out[t, b, j] + carry[b, j]) * _derivative(h[b, j], code)
        carry = np.dot(delta, whh)
    return carry


# --- LSTM -------------------------------------------------------------------------------------
@njit(**jit_options())
def lstm_forward(xw, whh_t, hs, cs, gates):
    """xw (T, B, 4H) = x W_ihᵀ + b_ih + b_hh; hs, cs (T+1, B, H) with the initial state in
    row 0; gates (T, B, 4H) receives the activated gates i, f, g, o."""
    n_hidden = hs.shape[2]
    for t in range(xw.shape[0]):
        pre = np.dot(hs[t], whh_t)
        for b in range(pre.shape[0]):
            for j in range(n_hidden):
                i = fast_sigmoid(pre[b, j] + xw[t, b, j])
                f = fast_sigmoid(pre[b, n_hidden + j] + xw[t, b, n_hidden + j])
                g = fast_tanh(pre[b, 2 * n_hidden + j] + xw[t, b, 2 * n_hidden + j])
                o = fast_sigmoid(pre[b, 3 * n_hidden + j] + xw[t, b, 3 * n_hidden + j])
                c = f * cs[t, b, j] + i * g
                cs[t + 1, b, j] = c
                hs[t + 1, b, j] = o * fast_tanh(c)
                gates[t, b, j] = i
                gates[t, b, n_hidden + j] = f
                gates[t, b, 2 * n_hidden + j] = g
                gates[t, b, 3 * n_hidden + j] = o


@njit(**jit_options())
def lstm_backward(cs, gates, whh, dh_out, dc_last, dpre):
    """Fills dpre (T, B, 4H) = dL/d(gate pre-activations); returns (dL/dh0, dL/dc0).

    ``dc_last`` is dL/dc_T from outside (zero unless the final cell state is used).
    """
    n_steps, batch, n_hidden = dh_out.shape
    dh_carry = np.zeros((batch, n_hidden), dtype=cs.dtype)
    dc_carry = dc_last.copy()
    for t in range(n_steps - 1, -1, -1):
        delta = dpre[t]
        for b in range(batch):
            for j in range(n_hidden):
                i = gates[t, b, j]
                f = gates[t, b, n_hidden + j]
                g = gates[t, b, 2 * n_hidden + j]
                o = gates[t, b, 3 * n_hidden + j]
                tanh_c = fast_tanh(cs[t + 1, b, j])
                dh = dh_out[t, b, j] + dh_carry[b, j]
                dc = dc_carry[b, j] + dh * o * (1.0 - tanh_c * tanh_c)
                delta[b, j] = dc * g * i * (1.0 - i)
                delta[b, n_hidden + j] = dc * cs[t, b, j] * f * (1.0 - f)
                delta[b, 2 * n_hidden + j] = dc * i * (1.0 - g * g)
                delta[b, 3 * n_hidden + j] = dh * tanh_c * o * (1.0 - o)
                dc_carry[b, j] = dc * f
        dh_carry = np.dot(delta, whh)
    return dh_carry, dc_carry


# --- GRU ----------------------------------------------------------------------------------------
@njit(**jit_options())
def gru_forward(xw, whh_t, bhh, hs, gates, recurrent_n):
    """xw (T, B, 3H) = x W_ihᵀ + b_ih; hs (T+1, B, H) with h0 in row 0. Stores the gates
    r, z, n in ``gates`` (T, B, 3H) and W_hn h + b_hn in ``recurrent_n`` (T, B, H)."""
    n_hidden = hs.shape[2]
    for t in range(xw.shape[0]):
        hh = np.dot(hs[t], whh_t)
        for b in range(hh.shape[0]):
            for j in range(n_hidden):
                r = fast_sigmoid(xw[t, b, j] + hh[b, j] + bhh[j])
                z = fast_sigmoid(xw[t, b, n_hidden + j] + hh[b, n_hidden + j] + bhh[n_hidden + j])
                hn = hh[b, 2 * n_hidden + j] + bhh[2 * n_hidden + j]
                n = fast_tanh(xw[t, b, 2 * n_hidden + j] + r * hn)
                hs[t + 1, b, j] = (1.0 - z) * n + z * hs[t, b, j]
                gates[t, b, j] = r
                gates[t, b, n_hidden + j] = z
                gates[t, b, 2 * n_hidden + j] = n
                recurrent_n[t, b, j] = hn


@njit(**jit_options())
def gru_backward(hs, gates, recurrent_n, whh, dh_out, dx, dhh):
    """Fills dx (T, B, 3H) = dL/d(x W_ihᵀ + b_ih) and dhh (T, B, 3H) = dL/d(h W_hhᵀ + b_hh);
    returns dL/dh0."""
    n_steps, batch, n_hidden = dh_out.shape
    carry = np.zeros((batch, n_hidden), dtype=hs.dtype)
    direct = np.empty((batch, n_hidden), dtype=hs.dtype)
    for t in range(n_steps - 1, -1, -1):
        for b in range(batch):
            for j in range(n_hidden):
                r = gates[t, b, j]
                z = gates[t, b, n_hidden + j]
                n = gates[t, b, 2 * n_hidden + j]
                dh = dh_out[t, b, j] + carry[b, j]
                dn = dh * (1.0 - z) * (1.0 - n * n)
                dr = dn * recurrent_n[t, b, j] * r * (1.0 - r)
                dz = dh * (hs[t, b, j] - n) * z * (1.0 - z)
                dx[t, b, j] = dr
                dx[t, b, n_hidden + j] = dz
                dx[t, b, 2 * n_hidden + j] = dn
                dhh[t, b, j] = dr
                dhh[t, b, n_hidden + j] = dz
                dhh[t, b, 2 * n_hidden + j] = dn * r
                direct[b, j] = dh * z
        carry = direct + np.dot(dhh[t], whh)
    return carry


# --- Jordan -------------------------------------------------------------------------------------
@njit(**inline_options())
def _emit(h, w_out, b_out, softmax, out):
    """out = W_out h + b_out for one sequence (softmax applied if asked)."""
    n_out = b_out.shape[0]
    for k in range(n_out):
        total = b_out[k]
        for j in range(h.shape[0]):
            total += w_out[k, j] * h[j]
        out[k] = total
    if softmax:
        top = out.max()
        norm = 0.0
        for k in range(n_out):
            out[k] = np.exp(out[k] - top)
            norm += out[k]
        for k in range(n_out):
            out[k] /= norm


@njit(**jit_options())
def jordan_forward(
    xw, wch_t, w_out, b_out, code, decay, softmax, teacher, use_teacher, context, hs, ys
):
    """Jordan network: c_t = μ c_{t-1} + y_{t-1}, h_t = f(xw[t] + c_t W_chᵀ),
    y_t = out(W_out h_t + b_out).

    xw (T, B, H) = x W_ihᵀ + b_ih + b_ch; context (T+1, B, O) with c_0 in row 0
    (row t+1 is the context of step t+1); hs (T, B, H); ys (T, B, O) the outputs
    (softmax probabilities when ``softmax``). With ``use_teacher`` the context is
    fed the targets ``teacher`` (T, B, O) instead of the outputs.
    """
    n_steps, batch, _ = xw.shape
    for t in range(n_steps):
        pre = np.dot(context[t], wch_t)
        for b in range(batch):
            for j in range(pre.shape[1]):
                hs[t, b, j] = _activate(pre[b, j] + xw[t, b, j], code)
            _emit(hs[t, b], w_out, b_out, softmax, ys[t, b])
            fed = teacher[t, b] if use_teacher else ys[t, b]
            for k in range(fed.shape[0]):
                context[t + 1, b, k] = decay * context[t, b, k] + fed[k]


@njit(**jit_options())
def jordan_backward(
    hs, ys, context, wch, w_out, code, decay, softmax, use_teacher, dlogits_direct, dlogits, dpre
):
    """Back-propagation through time for :func:`jordan_forward`.

    ``dlogits_direct`` (T, B, O) is dL/d(logits) from the loss alone; the output
    also feeds the next context (unless teacher-forced), whose gradient is added
    here. Fills dlogits (T, B, O) and dpre (T, B, H); returns dL/dc_0.
    """
    n_steps, batch, n_out = ys.shape
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
                dpre[t, b, j] = total * _derivative(hs[t, b, j], code)
        through_hidden = np.dot(dpre[t], wch)  # dL/dc_t via h_t
        for b in range(batch):
            for k in range(n_out):
                d_context[b, k] = decay * d_context[b, k] + through_hidden[b, k]
    return d_context
