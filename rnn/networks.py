"""The five baselines: vanilla RNN, Elman, Jordan, LSTM and GRU."""

from __future__ import annotations

import numpy as np

from neurodyn import io
from neurodyn._validation import as_float_array, check_float
from rnn import _kernels
from rnn._kernels import JordanWeights
from rnn.data import Batch
from rnn.model import RecurrentModel, _affine

__all__ = ["GRU", "LSTM", "RNN", "Elman", "Jordan"]


@io.register("rnn.RNN")
class RNN(RecurrentModel):
    """Vanilla recurrent network, PyTorch's ``nn.RNN`` followed by ``nn.Linear``:

        h_t = f(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh),   y_t = W_out h_t + b_out

    with f = tanh (default), relu or sigmoid, and a linear or softmax output.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
    num_layers : int
        Stacked recurrent layers.
    nonlinearity : {"tanh", "relu", "sigmoid"}
    output : {"linear", "softmax"}
        Linear output with mean squared error, or softmax with cross-entropy.
    dropout : float
        Dropout between stacked layers (training only).
    input_dropout : float
        Dropout on the inputs (training only).
    init : {"default", "xavier", "orthogonal"}
        PyTorch's uniform(±1/√H); Glorot uniform per gate block with zero
        biases; or orthogonal recurrent blocks with Glorot input weights.
    dtype : {numpy.float64, numpy.float32}
    seed : int or Generator
        Initial weights, dropout masks and shuffling (separate streams).
    """


@io.register("rnn.Elman")
class Elman(RNN):
    """Elman's (1990) simple recurrent network: context units hold a copy of the
    previous hidden state, h_t = f(W_xh x_t + W_ch h_{t-1} + b), so the recurrence
    is :class:`RNN`'s (the context weights are ``weight_hh_l0``). Elman used
    logistic units, hence the default ``nonlinearity="sigmoid"``; everything
    else is as in :class:`RNN`.
    """

    default_nonlinearity = "sigmoid"


@io.register("rnn.LSTM")
class LSTM(RecurrentModel):
    """Long short-term memory, PyTorch's ``nn.LSTM`` (gates i, f, g, o) followed by
    ``nn.Linear``:

        i, f, o = σ(W_i* x + b_i* + W_h* h + b_h*),  g = tanh(…),
        c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)

    Parameters as :class:`RNN` (``nonlinearity`` does not apply), plus

    forget_bias : float
        Added to the forget-gate part of ``bias_ih`` at initialisation
        (1 is common, Jozefowicz et al. 2015; 0 matches PyTorch).

    The state is the pair (h, c), each (num_layers, B, H), for ``h0`` and
    ``return_state``.
    """

    cell = "lstm"
    n_gates = 4

    def __init__(
        self, n_in: int, n_hidden: int, n_out: int, *, forget_bias: float = 0.0, **options
    ) -> None:
        self.forget_bias = check_float(forget_bias, "forget_bias", owner="LSTM")
        super().__init__(n_in, n_hidden, n_out, **options)
        for layer in range(self.num_layers):
            self.params[f"bias_ih_l{layer}"][n_hidden : 2 * n_hidden] += self.forget_bias

    def _initial_state(self, h0, batch: int):
        shape = (self.num_layers, batch, self.n_hidden)
        if h0 is None:
            return np.zeros(shape, dtype=self.dtype), np.zeros(shape, dtype=self.dtype)
        if not isinstance(h0, tuple | list) or len(h0) != 2:
            raise ValueError("LSTM.h0: expected a pair (h0, c0)")
        state = tuple(
            as_float_array(part, name, ndim=3, dtype=self.dtype, owner="LSTM")
            for part, name in zip(h0, ("h0", "c0"), strict=True)
        )
        if any(part.shape != shape for part in state):
            raise ValueError(f"LSTM.h0: expected two arrays of shape {shape}")
        return state

    def _layer_state(self, state, layer: int):
        return state[0][layer], state[1][layer]

    def _layer_forward(self, layer: int, layer_input: np.ndarray, state) -> dict:
        T, B, _ = layer_input.shape
        hs = self._buffer(f"hs{layer}", (T + 1, B, self.n_hidden))
        cs = self._buffer(f"cs{layer}", (T + 1, B, self.n_hidden))
        hs[0], cs[0] = state
        gates = self._buffer(f"gates{layer}", (T, B, 4 * self.n_hidden))
        whh_t = np.ascontiguousarray(self.params[f"weight_hh_l{layer}"].T)
        _kernels.lstm_forward(self._project(layer, layer_input), whh_t, hs, cs, gates)
        return {"hs": hs, "cs": cs, "gates": gates}

    def _layer_backward(self, layer: int, cache: dict, layer_input, dh_out):
        dpre = self._buffer(f"dpre{layer}", (*dh_out.shape[:2], 4 * self.n_hidden))
        no_final_gradient = np.zeros(dh_out.shape[1:], dtype=self.dtype)
        _kernels.lstm_backward(
            cache["cs"],
            cache["gates"],
            self.params[f"weight_hh_l{layer}"],
            dh_out,
            no_final_gradient,
            dpre,
        )
        return self._gate_gradients(layer, layer_input, dpre, dpre, cache["hs"])

    def _final_state(self, cache: dict, lengths: np.ndarray):
        batch_index = np.arange(lengths.shape[0])
        return tuple(
            np.stack([layer[key][lengths, batch_index] for layer in cache["layers"]])
            for key in ("hs", "cs")
        )

    def _window_state(self, cache: dict, step: int):
        return tuple(
            np.stack([layer[key][step] for layer in cache["layers"]]) for key in ("hs", "cs")
        )

    def _config(self) -> dict:
        return super()._config() | {"forget_bias": 0.0}  # weights are saved after the bias shift


@io.register("rnn.GRU")
class GRU(RecurrentModel):
    """Gated recurrent unit, PyTorch's ``nn.GRU`` (gates r, z, n; the reset gate acts
    after the recurrent product) followed by ``nn.Linear``:

        r, z = σ(W_i* x + b_i* + W_h* h + b_h*),
        n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),   h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}

    Parameters as :class:`RNN` (``nonlinearity`` does not apply).
    """

    cell = "gru"
    n_gates = 3

    def _layer_forward(self, layer: int, layer_input: np.ndarray, state) -> dict:
        T, B, _ = layer_input.shape
        hs = self._buffer(f"hs{layer}", (T + 1, B, self.n_hidden))
        hs[0] = state
        gates = self._buffer(f"gates{layer}", (T, B, 3 * self.n_hidden))
        recurrent_n = self._buffer(f"recurrent{layer}", (T, B, self.n_hidden))
        whh_t = np.ascontiguousarray(self.params[f"weight_hh_l{layer}"].T)
        xw = self._project(layer, layer_input, with_recurrent_bias=False)
        _kernels.gru_forward(xw, whh_t, self.params[f"bias_hh_l{layer}"], hs, gates, recurrent_n)
        return {"hs": hs, "gates": gates, "recurrent_n": recurrent_n}

    def _layer_backward(self, layer: int, cache: dict, layer_input, dh_out):
        shape = (*dh_out.shape[:2], 3 * self.n_hidden)
        dx, dhh = self._buffer(f"dx{layer}", shape), self._buffer(f"dhh{layer}", shape)
        _kernels.gru_backward(
            cache["hs"],
            cache["gates"],
            cache["recurrent_n"],
            self.params[f"weight_hh_l{layer}"],
            dh_out,
            dx,
            dhh,
        )
        return self._gate_gradients(layer, layer_input, dx, dhh, cache["hs"])


@io.register("rnn.Jordan")
class Jordan(RecurrentModel):
    """Jordan's (1986) network: one hidden layer whose context units hold the
    previous *output*, with a self-recurrent decay μ:

        c_t = μ c_{t-1} + y_{t-1},   h_t = f(W_ih x_t + b_ih + W_ch c_t + b_ch),
        y_t = out(W_out h_t + b_out)

    Backpropagation through time flows through the context into earlier outputs,
    unless ``teacher_forcing`` feeds the targets y*_{t-1} to the context while
    training (Jordan's own recipe; predictions always feed the network's own
    output). Parameters ``weight_ih_l0`` (H, n_in), ``weight_ch_l0`` (H, n_out),
    ``bias_ih_l0``, ``bias_ch_l0``, ``weight_out``, ``bias_out``.

    Parameters
    ----------
    context_decay : float in [0, 1)
        μ (0 gives the "simple" variant without self-recurrence).
    teacher_forcing : bool
    others as :class:`RNN` (one layer only).
    """

    cell = "jordan"
    default_nonlinearity = "tanh"

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        n_out: int,
        *,
        context_decay: float = 0.5,
        teacher_forcing: bool = False,
        **options,
    ) -> None:
        if options.get("num_layers", 1) != 1:
            raise ValueError("Jordan.num_layers: a Jordan network has one hidden layer")
        self.context_decay = check_float(
            context_decay, "context_decay", low=0.0, high=1.0, high_open=True, owner="Jordan"
        )
        self.teacher_forcing = bool(teacher_forcing)
        super().__init__(n_in, n_hidden, n_out, **options)

    def _layer_shapes(self) -> dict[str, tuple]:
        return {
            "weight_ih_l0": (self.n_hidden, self.n_in),
            "weight_ch_l0": (self.n_hidden, self.n_out),
            "bias_ih_l0": (self.n_hidden,),
            "bias_ch_l0": (self.n_hidden,),
        }

    def _initial_state(self, h0, batch: int):
        shape = (batch, self.n_out)
        if h0 is None:
            return np.zeros(shape, dtype=self.dtype)
        state = as_float_array(h0, "h0", ndim=2, dtype=self.dtype, owner="Jordan")
        if state.shape != shape:
            raise ValueError(
                f"Jordan.h0: the initial context must have shape {shape} (got {state.shape})"
            )
        return state

    def _forward(self, batch: Batch, h0=None, rng=None, teacher: bool = False):
        T, B, _ = batch.inputs.shape
        inputs = batch.inputs
        mask = self._dropout_mask(self.input_dropout, inputs.shape, rng)
        if mask is not None:
            inputs = inputs * mask
        p = self.params
        xw = _affine(
            inputs.reshape(T * B, self.n_in), p["weight_ih_l0"], p["bias_ih_l0"] + p["bias_ch_l0"]
        )
        context = np.empty((T + 1, B, self.n_out), dtype=self.dtype)
        context[0] = self._initial_state(h0, B)
        hs = np.empty((T, B, self.n_hidden), dtype=self.dtype)
        outputs = np.empty((T, B, self.n_out), dtype=self.dtype)
        use_teacher = bool(teacher and self.teacher_forcing and batch.targets is not None)
        fed = batch.targets if use_teacher else outputs
        _kernels.jordan_forward(
            self._jordan_weights(np.ascontiguousarray(p["weight_ch_l0"].T)),
            xw.reshape(T, B, self.n_hidden),
            fed,
            use_teacher,
            context,
            hs,
            outputs,
        )
        cache = {
            "mask": mask,
            "inputs": inputs,
            "hs": hs,
            "context": context,
            "outputs": outputs,
            "teacher": use_teacher,
        }
        return outputs, cache

    def _backward(self, cache: dict, d_outputs: np.ndarray):
        hs, context, inputs = cache["hs"], cache["context"], cache["inputs"]
        T, B, _ = hs.shape
        p = self.params
        dlogits = np.empty_like(d_outputs)
        dpre = np.empty_like(hs)
        _kernels.jordan_backward(
            self._jordan_weights(p["weight_ch_l0"]),
            hs,
            cache["outputs"],
            cache["teacher"],
            d_outputs,
            dlogits,
            dpre,
        )
        flat_logits = dlogits.reshape(T * B, self.n_out)
        flat_pre = dpre.reshape(T * B, self.n_hidden)
        grads = {
            "weight_out": flat_logits.T @ hs.reshape(T * B, self.n_hidden),
            "bias_out": flat_logits.sum(axis=0),
            "weight_ih_l0": flat_pre.T @ inputs.reshape(T * B, self.n_in),
            "weight_ch_l0": flat_pre.T @ context[:-1].reshape(T * B, self.n_out),
            "bias_ih_l0": flat_pre.sum(axis=0),
            "bias_ch_l0": flat_pre.sum(axis=0).copy(),
        }
        d_inputs = (flat_pre @ p["weight_ih_l0"]).reshape(T, B, self.n_in)
        if cache["mask"] is not None:
            d_inputs = d_inputs * cache["mask"]
        return grads, d_inputs

    def _jordan_weights(self, w_ch: np.ndarray) -> JordanWeights:
        p = self.params
        return JordanWeights(
            w_ch,
            p["weight_out"],
            p["bias_out"],
            self._code(),
            float(self.context_decay),
            self.output == "softmax",
        )

    def _final_state(self, cache: dict, lengths: np.ndarray):
        return cache["context"][lengths, np.arange(lengths.shape[0])]

    def _window_state(self, cache: dict, step: int):
        return cache["context"][step]

    def _config(self) -> dict:
        config = super()._config() | {
            "context_decay": self.context_decay,
            "teacher_forcing": self.teacher_forcing,
        }
        config.pop("num_layers")
        config.pop("dropout")
        return config
