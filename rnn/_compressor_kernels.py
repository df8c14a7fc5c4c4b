"""Compiled loops of the neural history compressor (:mod:`rnn.compressor`).

One level of the compressor is a small Elman predictor trained *online*: at every
step it reads one input, predicts the next symbol (and, where asked, a label and
the chunker's state), and takes one Adam step on the gradient back-propagated
over the last ``window`` steps (truncated BPTT, as in Schmidhuber 1992, where
"only a few iterations of backpropagation back into time per time step" are
needed). Hidden states computed with earlier weights stay as they were: that is
what online truncated BPTT means.

Parameters live in one flat vector ``theta`` (so Adam and clipping are single
loops) and are viewed, in this order, as

    W_ih (H, V + C)   input weights: V symbol columns, then C time-code columns
    W_hh (H, H), b_h (H,)
    W_out (V, H), b_out (V,)         next-symbol head (softmax)
    W_lab (L, H), b_lab (L,)         label head (softmax; L = 0 without labels)
    W_mim (M, H), b_mim (M,)         chunker-state head (linear; M = 0 without distillation)

An input is a symbol index plus a row of time-code features, so the one-hot
product is a column lookup.
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from neurodyn._kernels import all_finite
from neurodyn._math import tanh
from neurodyn.config import inline_options, jit_options

INLINE = inline_options()


class LevelShape(NamedTuple):
    """The sizes and training settings of one level (scalars only)."""

    n_symbols: int  # V
    n_code: int  # C, time-code features
    n_hidden: int  # H
    n_labels: int  # L
    n_mimic: int  # M
    window: int  # steps the error flows back through (truncation)
    lr: float
    beta1: float
    beta2: float
    eps: float
    clip: float  # global-norm bound of one step's gradient; 0 = none
    label_weight: float
    mimic_weight: float
    average: float  # decay of the running average of the weights (0: none)


def parameter_count(shape: LevelShape) -> int:
    """Length of ``theta`` for ``shape``."""
    H, V = shape.n_hidden, shape.n_symbols
    return H * (V + shape.n_code) + H * H + H + (V + shape.n_labels + shape.n_mimic) * (H + 1)


@njit(**INLINE)
def _views(theta, shape):
    H, V, C = shape.n_hidden, shape.n_symbols, shape.n_code
    L, M = shape.n_labels, shape.n_mimic
    sizes = (H * (V + C), H * H, H, V * H, V, L * H, L, M * H, M)
    ends = np.cumsum(np.array(sizes))
    w_ih = theta[0 : ends[0]].reshape((H, V + C))
    w_hh = theta[ends[0] : ends[1]].reshape((H, H))
    b_h = theta[ends[1] : ends[2]]
    w_out = theta[ends[2] : ends[3]].reshape((V, H))
    b_out = theta[ends[3] : ends[4]]
    w_lab = theta[ends[4] : ends[5]].reshape((L, H))
    b_lab = theta[ends[5] : ends[6]]
    w_mim = theta[ends[6] : ends[7]].reshape((M, H))
    b_mim = theta[ends[7] : ends[8]]
    return w_ih, w_hh, b_h, w_out, b_out, w_lab, b_lab, w_mim, b_mim


@njit(**INLINE)
def _hidden_step(theta, shape, symbol, code, h_prev, fresh, h_out):
    """h_out = tanh(W_ih [onehot(symbol), code] + W_hh h_prev + b_h); h_prev is 0 when fresh."""
    w_ih, w_hh, b_h = _views(theta, shape)[:3]
    V = shape.n_symbols
    for i in range(shape.n_hidden):
        total = b_h[i] + w_ih[i, symbol]
        for c in range(shape.n_code):
            total += w_ih[i, V + c] * code[c]
        if not fresh:
            for j in range(shape.n_hidden):
                total += w_hh[i, j] * h_prev[j]
        h_out[i] = tanh(total)


@njit(**INLINE)
def _softmax_head(weight, bias, h, out):
    """out = softmax(weight h + bias); returns nothing (out may have length 0)."""
    if out.shape[0] == 0:
        return
    for o in range(out.shape[0]):
        total = bias[o]
        for i in range(h.shape[0]):
            total += weight[o, i] * h[i]
        out[o] = total
    peak = out.max()
    norm = 0.0
    for o in range(out.shape[0]):
        out[o] = np.exp(out[o] - peak)
        norm += out[o]
    out /= norm


@njit(**INLINE)
def _heads(theta, shape, h, probs, label_probs, mimic):
    """The three heads of one hidden state: next-symbol and label softmaxes, the state guess."""
    views = _views(theta, shape)
    _softmax_head(views[3], views[4], h, probs)
    _softmax_head(views[5], views[6], h, label_probs)
    w_mim, b_mim = views[7], views[8]
    for o in range(shape.n_mimic):
        total = b_mim[o]
        for i in range(h.shape[0]):
            total += w_mim[o, i] * h[i]
        mimic[o] = total


@njit(**jit_options())
def run_level(shape, theta, symbols, codes, starts, hidden, probs, label_probs, mimic):
    """Run a frozen level over a stream of T inputs.

    symbols (T,) int, codes (T, C), starts (T,) bool (a sequence begins: state reset);
    fills hidden (T, H), probs (T, V) of the next symbol, label_probs (T, L) and
    mimic (T, M) (both may have zero columns).
    """
    for t in range(symbols.shape[0]):
        fresh = starts[t] or t == 0
        previous = hidden[t - 1] if t > 0 else hidden[0]
        _hidden_step(theta, shape, symbols[t], codes[t], previous, fresh, hidden[t])
        _heads(theta, shape, hidden[t], probs[t], label_probs[t], mimic[t])


@njit(**jit_options())
def fill_predicted(shape, theta, surprised, symbols, codes, starts):
    """Rebuild a level's input stream in place from the inputs it passed up.

    Where ``surprised[t]`` the stored ``symbols[t]`` is kept; elsewhere it is
    overwritten with the argmax of the level's prediction made at step t - 1
    (``codes`` are the level's time codes, which a level-0 stream does not have).
    """
    h = np.zeros(shape.n_hidden)
    h_next = np.zeros(shape.n_hidden)
    probs = np.zeros(shape.n_symbols)
    no_labels, no_mimic = np.zeros(shape.n_labels), np.zeros(shape.n_mimic)
    for t in range(symbols.shape[0]):
        if not surprised[t]:
            symbols[t] = np.argmax(probs)
        _hidden_step(theta, shape, symbols[t], codes[t], h, starts[t] or t == 0, h_next)
        h[:] = h_next
        _heads(theta, shape, h, probs, no_labels, no_mimic)


class LevelStream(NamedTuple):
    """What one level is trained on (T steps)."""

    symbols: np.ndarray  # (T,) int: the input symbol
    codes: np.ndarray  # (T, C): its time code
    starts: np.ndarray  # (T,) bool: a sequence begins here
    next_symbols: np.ndarray  # (T,) int: the symbol to predict, -1 at a sequence's end
    label_counts: np.ndarray  # (T, L): how many queries of each label this state answers
    mimic_targets: np.ndarray  # (T, M): the chunker's state to imitate


class Optimizer(NamedTuple):
    """Adam's moments and step count, kept across calls, and the running average of
    the weights (Polyak averaging: what the level is frozen with)."""

    first: np.ndarray
    second: np.ndarray
    steps: np.ndarray  # (1,) int
    average: np.ndarray


@njit(**INLINE)
def _step_loss(shape, stream, t, probs, label_probs, mimic):
    """The loss of step t from its heads' outputs, which are overwritten with the loss's
    derivatives with respect to the heads' pre-activations (logits, state guess)."""
    loss = 0.0
    target = stream.next_symbols[t]
    if target >= 0:
        loss -= np.log(max(probs[target], 1e-300))
        probs[target] -= 1.0  # probs now holds d loss / d logits
    else:
        probs[:] = 0.0
    counts = stream.label_counts[t]
    total = counts.sum()
    for o in range(shape.n_labels):
        if counts[o] > 0:
            loss -= shape.label_weight * counts[o] * np.log(max(label_probs[o], 1e-300))
    for o in range(shape.n_labels):
        label_probs[o] = shape.label_weight * (total * label_probs[o] - counts[o])
    for o in range(shape.n_mimic):
        error = mimic[o] - stream.mimic_targets[t, o]
        loss += 0.5 * shape.mimic_weight * error * error
        mimic[o] = shape.mimic_weight * error
    return loss


@njit(**INLINE)
def _head_backward(weight, grad_weight, grad_bias, delta, h, d_h):
    for o in range(delta.shape[0]):
        if delta[o] == 0.0:
            continue
        grad_bias[o] += delta[o]
        for i in range(h.shape[0]):
            grad_weight[o, i] += delta[o] * h[i]
            d_h[i] += weight[o, i] * delta[o]


@njit(**INLINE)
def _backward(theta, grad, shape, stream, hidden, t, probs, label_probs, mimic, d_h, d_pre):
    """Accumulate the gradient of step t's loss, back through at most ``window`` steps
    and never past the start of its sequence."""
    views, grads = _views(theta, shape), _views(grad, shape)
    d_h[:] = 0.0
    _head_backward(views[3], grads[3], grads[4], probs, hidden[t], d_h)
    _head_backward(views[5], grads[5], grads[6], label_probs, hidden[t], d_h)
    _head_backward(views[7], grads[7], grads[8], mimic, hidden[t], d_h)
    w_hh, g_ih, g_hh, g_h = views[1], grads[0], grads[1], grads[2]
    V = shape.n_symbols
    for back in range(shape.window):
        j = t - back
        for i in range(shape.n_hidden):
            d_pre[i] = d_h[i] * (1.0 - hidden[j, i] * hidden[j, i])
            g_h[i] += d_pre[i]
            g_ih[i, stream.symbols[j]] += d_pre[i]
            for c in range(shape.n_code):
                g_ih[i, V + c] += d_pre[i] * stream.codes[j, c]
        if stream.starts[j] or j == 0:
            break  # the state before a sequence's start is zero, not a function of theta
        for i in range(shape.n_hidden):
            for k in range(shape.n_hidden):
                g_hh[i, k] += d_pre[i] * hidden[j - 1, k]
        if back == shape.window - 1:
            break
        for k in range(shape.n_hidden):
            total = 0.0
            for i in range(shape.n_hidden):
                total += w_hh[i, k] * d_pre[i]
            d_h[k] = total


@njit(**INLINE)
def _adam(theta, grad, shape, optimizer):
    norm = np.sqrt(np.sum(grad * grad))
    scale = 1.0
    if shape.clip > 0.0 and norm > shape.clip:
        scale = shape.clip / norm
    optimizer.steps[0] += 1
    n = optimizer.steps[0]
    step = shape.lr / (1.0 - shape.beta1**n)
    correction2 = 1.0 - shape.beta2**n
    first, second = optimizer.first, optimizer.second
    decay = min(shape.average, (1.0 + n) / (10.0 + n))  # short streams average over fewer steps
    for p in range(theta.shape[0]):
        g = grad[p] * scale
        first[p] = shape.beta1 * first[p] + (1.0 - shape.beta1) * g
        second[p] = shape.beta2 * second[p] + (1.0 - shape.beta2) * g * g
        theta[p] -= step * first[p] / (np.sqrt(second[p] / correction2) + shape.eps)
        optimizer.average[p] += (1.0 - decay) * (theta[p] - optimizer.average[p])


@njit(**jit_options())
def train_level(shape, theta, optimizer, stream, hidden, start, stop, losses, probs_out):
    """Steps [start, stop) of online training: forward, loss, truncated backward, Adam.

    ``hidden`` (T, H) keeps every state (the window reads the last ones); ``losses``
    (T,) receives each step's loss and ``probs_out`` (T, V) the next-symbol
    probabilities as predicted before that step's update. Returns the first step
    whose loss or weights are not finite, or -1.
    """
    H = shape.n_hidden
    grad = np.zeros_like(theta)
    d_h, d_pre = np.zeros(H), np.zeros(H)
    probs = np.zeros(shape.n_symbols)
    label_probs, mimic = np.zeros(shape.n_labels), np.zeros(shape.n_mimic)
    for t in range(start, stop):
        fresh = stream.starts[t] or t == 0
        previous = hidden[t - 1] if t > 0 else hidden[0]
        _hidden_step(theta, shape, stream.symbols[t], stream.codes[t], previous, fresh, hidden[t])
        _heads(theta, shape, hidden[t], probs, label_probs, mimic)
        probs_out[t] = probs
        losses[t] = _step_loss(shape, stream, t, probs, label_probs, mimic)
        grad[:] = 0.0
        _backward(theta, grad, shape, stream, hidden, t, probs, label_probs, mimic, d_h, d_pre)
        _adam(theta, grad, shape, optimizer)
        if not np.isfinite(losses[t]) or not all_finite(theta, 0, theta.shape[0]):
            return t
    return -1


@njit(**jit_options())
def window_loss_and_gradient(shape, theta, stream, hidden, t, grad):
    """Step t's loss and its truncated gradient (into ``grad``), with no update: what
    :func:`train_level` applies, exposed for finite-difference checks. ``hidden`` must
    hold the states up to t computed with ``theta``."""
    H = shape.n_hidden
    probs = np.zeros(shape.n_symbols)
    label_probs, mimic = np.zeros(shape.n_labels), np.zeros(shape.n_mimic)
    d_h, d_pre = np.zeros(H), np.zeros(H)
    _heads(theta, shape, hidden[t], probs, label_probs, mimic)
    loss = _step_loss(shape, stream, t, probs, label_probs, mimic)
    grad[:] = 0.0
    _backward(theta, grad, shape, stream, hidden, t, probs, label_probs, mimic, d_h, d_pre)
    return loss
