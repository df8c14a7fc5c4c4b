"""Gradient-trained recurrent networks: the shared machinery.

A model is a stack of recurrent layers (weights in PyTorch's layout and names)
and a linear output layer ``weight_out`` (n_out × n_hidden), ``bias_out``.
The forward pass runs layer by layer: one large matrix product for the input
projections of all steps, a compiled time loop (``rnn/_kernels.py``), and one
large product for the outputs. Backpropagation through time mirrors it.
The sequence modes and the time-major batches are :mod:`rnn.data`'s; the
training loop is :mod:`rnn.training`'s.
"""

from __future__ import annotations

import contextlib

import numpy as np

from neurodyn import io
from neurodyn._kernels import ACTIVATIONS
from neurodyn._validation import as_float_array, check_choice, check_float, check_int
from neurodyn.progress import ProgressLike
from neurodyn.random import SeedLike, seed_metadata, spawn
from rnn import _kernels, training
from rnn.data import Batch, make_batch, split_validation
from rnn.training import History, TrainingOptions

__all__ = ["History", "RecurrentModel"]

_NARROW = 8  # input widths up to which the projection is a compiled loop, not BLAS
INITS = ("default", "xavier", "orthogonal")
NONLINEARITIES = ("tanh", "relu", "sigmoid")  # of the shared activation table


class RecurrentModel(io.Saveable):
    """Base class of :class:`~rnn.RNN`, :class:`~rnn.Elman`, :class:`~rnn.Jordan`,
    :class:`~rnn.LSTM` and :class:`~rnn.GRU` (see their docstrings)."""

    cell = "rnn"
    n_gates = 1
    default_nonlinearity = "tanh"

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        n_out: int,
        *,
        num_layers: int = 1,
        nonlinearity: str | None = None,
        output: str = "linear",
        dropout: float = 0.0,
        input_dropout: float = 0.0,
        init: str = "default",
        dtype=np.float64,
        seed: SeedLike = None,
    ) -> None:
        owner = type(self).__name__
        self.n_in = check_int(n_in, "n_in", low=1, owner=owner)
        self.n_hidden = check_int(n_hidden, "n_hidden", low=1, owner=owner)
        self.n_out = check_int(n_out, "n_out", low=1, owner=owner)
        self.num_layers = check_int(num_layers, "num_layers", low=1, owner=owner)
        nonlinearity = nonlinearity or self.default_nonlinearity
        self.nonlinearity = check_choice(nonlinearity, "nonlinearity", NONLINEARITIES, owner=owner)
        self.output = check_choice(output, "output", ("linear", "softmax"), owner=owner)
        self.dropout = check_float(
            dropout, "dropout", low=0.0, high=1.0, high_open=True, owner=owner
        )
        self.input_dropout = check_float(
            input_dropout, "input_dropout", low=0.0, high=1.0, high_open=True, owner=owner
        )
        self.init = check_choice(init, "init", INITS, owner=owner)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"{owner}.dtype: expected float32 or float64 (got {self.dtype})")
        self.seed = seed
        self._init_rng, self._train_rng = spawn(seed, 2, f"{owner}.seed")
        self.mode_: str | None = None
        self.params = self._initial_parameters()

    # --- parameters -----------------------------------------------------------------------
    @property
    def loss(self) -> str:
        return "mse" if self.output == "linear" else "cross_entropy"

    def _layer_shapes(self) -> dict[str, tuple]:
        shapes = {}
        rows = self.n_gates * self.n_hidden
        for layer in range(self.num_layers):
            width = self.n_in if layer == 0 else self.n_hidden
            shapes |= {
                f"weight_ih_l{layer}": (rows, width),
                f"weight_hh_l{layer}": (rows, self.n_hidden),
                f"bias_ih_l{layer}": (rows,),
                f"bias_hh_l{layer}": (rows,),
            }
        return shapes

    def parameter_shapes(self) -> dict[str, tuple]:
        """Name → shape of every trainable array (PyTorch names for the recurrent layers)."""
        return self._layer_shapes() | {
            "weight_out": (self.n_out, self.n_hidden),
            "bias_out": (self.n_out,),
        }

    @property
    def n_parameters(self) -> int:
        return int(sum(np.prod(shape) for shape in self.parameter_shapes().values()))

    def _initial_parameters(self) -> dict[str, np.ndarray]:
        rng = self._init_rng
        params = {}
        bound = 1.0 / np.sqrt(self.n_hidden)  # PyTorch's default for recurrent layers and Linear
        for name, shape in self.parameter_shapes().items():
            if self.init == "default" or name.endswith("_out"):
                values = rng.uniform(-bound, bound, shape)
            elif name.startswith("bias"):
                values = np.zeros(shape)
            elif name.startswith("weight_hh") and self.init == "orthogonal":
                values = np.vstack(
                    [_orthogonal(rng, self.n_hidden) for _ in range(shape[0] // self.n_hidden)]
                )
            else:  # Xavier/Glorot uniform, per gate block
                fan_in, fan_out = shape[1], shape[0] // self.n_gates
                limit = np.sqrt(6.0 / (fan_in + fan_out))
                values = rng.uniform(-limit, limit, shape)
            params[name] = np.ascontiguousarray(values, dtype=self.dtype)
        return params

    def get_weights(self) -> dict[str, np.ndarray]:
        """Copies of all parameters, by name."""
        return {name: value.copy() for name, value in self.params.items()}

    def set_weights(self, weights: dict) -> RecurrentModel:
        """Set parameters by name; shapes must match :meth:`parameter_shapes`."""
        shapes = self.parameter_shapes()
        unknown = set(weights) - set(shapes)
        if unknown:
            raise ValueError(f"{type(self).__name__}.set_weights: unknown names {sorted(unknown)}")
        for name, value in weights.items():
            array = as_float_array(value, name, dtype=self.dtype, owner=type(self).__name__)
            if array.shape != shapes[name]:
                raise ValueError(
                    f"{type(self).__name__}.{name}: expected shape {shapes[name]} (got {array.shape})"
                )
            self.params[name] = np.ascontiguousarray(array)
        return self

    # --- data --------------------------------------------------------------------------------
    def _batch(self, X, Y=None, lengths=None, n_steps: int | None = None) -> tuple[Batch, str]:
        return make_batch(self, X, Y, lengths, n_steps)

    # --- forward and backward ----------------------------------------------------------------
    @contextlib.contextmanager
    def _workspace(self):
        """Keep work arrays from step to step while fitting (see :meth:`_buffer`)."""
        self._work_arrays = {}
        try:
            yield
        finally:
            self._work_arrays = None

    def _buffer(self, key: str, shape: tuple) -> np.ndarray:
        """An uninitialised work array. While fitting, arrays are kept and reused from
        step to step: a fresh 100 MB array costs ~50 ms of page faults on every step."""
        space = getattr(self, "_work_arrays", None)
        if space is None:
            return np.empty(shape, dtype=self.dtype)
        array = space.get((key, shape))
        if array is None:
            array = space[(key, shape)] = np.empty(shape, dtype=self.dtype)
        return array

    def _dropout_mask(self, rate: float, shape, rng) -> np.ndarray | None:
        if rate == 0.0 or rng is None:
            return None
        return ((rng.random(shape) >= rate) / (1.0 - rate)).astype(self.dtype)

    def _initial_state(self, h0, batch: int):
        """The initial state in the cell's format (zeros when ``h0`` is None)."""
        shape = (self.num_layers, batch, self.n_hidden)
        if h0 is None:
            return np.zeros(shape, dtype=self.dtype)
        state = as_float_array(h0, "h0", ndim=3, dtype=self.dtype, owner=type(self).__name__)
        if state.shape != shape:
            raise ValueError(
                f"{type(self).__name__}.h0: expected shape {shape} (got {state.shape})"
            )
        return state

    def _forward(
        self, batch: Batch, h0=None, rng=None, teacher: bool = False
    ) -> tuple[np.ndarray, dict]:
        """Outputs (T, B, n_out) — logits, or probabilities for softmax — and the cache.

        ``rng`` switches dropout on; ``teacher`` lets networks that feed their
        output back use the targets instead (teacher forcing).
        """
        T, B, _ = batch.inputs.shape
        state = self._initial_state(h0, B)
        layer_input = batch.inputs
        input_mask = self._dropout_mask(self.input_dropout, layer_input.shape, rng)
        if input_mask is not None:
            layer_input = layer_input * input_mask
        cache = {"inputs": [], "layers": [], "masks": [input_mask]}
        for layer in range(self.num_layers):
            cache["inputs"].append(layer_input)
            layer_cache = self._layer_forward(layer, layer_input, self._layer_state(state, layer))
            cache["layers"].append(layer_cache)
            layer_input = layer_cache["hs"][1:]
            if layer < self.num_layers - 1:
                mask = self._dropout_mask(self.dropout, layer_input.shape, rng)
                cache["masks"].append(mask)
                if mask is not None:
                    layer_input = layer_input * mask
        cache["top"] = layer_input
        logits = (
            layer_input.reshape(T * B, self.n_hidden) @ self.params["weight_out"].T
            + self.params["bias_out"]
        )
        outputs = logits.reshape(T, B, self.n_out)
        if self.output == "softmax":
            outputs = _softmax(outputs)
        return outputs, cache

    def _layer_state(self, state, layer: int):
        return state[layer]

    def _project(
        self, layer: int, layer_input: np.ndarray, with_recurrent_bias: bool = True
    ) -> np.ndarray:
        """x_t W_ihᵀ + b for every step at once, (T, B, gates × H)."""
        T, B, width = layer_input.shape
        bias = self.params[f"bias_ih_l{layer}"]
        if with_recurrent_bias:
            bias = bias + self.params[f"bias_hh_l{layer}"]
        out = self._buffer(f"xw{layer}", (T, B, bias.shape[0]))
        _affine(
            layer_input.reshape(T * B, width),
            self.params[f"weight_ih_l{layer}"],
            bias,
            out.reshape(T * B, -1),
        )
        return out

    def _layer_forward(self, layer: int, layer_input: np.ndarray, state) -> dict:
        T, B, _ = layer_input.shape
        hs = self._buffer(f"hs{layer}", (T + 1, B, self.n_hidden))
        hs[0] = state
        whh_t = np.ascontiguousarray(self.params[f"weight_hh_l{layer}"].T)
        _kernels.rnn_forward(self._project(layer, layer_input), whh_t, self._code(), hs)
        return {"hs": hs}

    def _code(self) -> int:
        return ACTIVATIONS[self.nonlinearity]

    def _layer_backward(
        self, layer: int, cache: dict, layer_input, dh_out
    ) -> tuple[dict, np.ndarray]:
        """Gradients of layer ``layer`` and dL/d(layer input), given dL/dh_t (T, B, H)."""
        hs = cache["hs"]
        dpre = self._buffer(f"dpre{layer}", dh_out.shape)
        _kernels.rnn_backward(hs, self.params[f"weight_hh_l{layer}"], self._code(), dh_out, dpre)
        return self._gate_gradients(layer, layer_input, dpre, dpre, hs)

    def _gate_gradients(
        self, layer: int, layer_input, d_input_side, d_recurrent_side, hs
    ) -> tuple[dict, np.ndarray]:
        """Weight gradients as single products over all steps: Σ_t δ_tᵀ x_t and Σ_t δ_tᵀ h_{t-1}."""
        T, B, width = layer_input.shape
        rows = d_input_side.shape[2]
        flat_in = d_input_side.reshape(T * B, rows)
        flat_rec = d_recurrent_side.reshape(T * B, rows)
        grads = {
            f"weight_ih_l{layer}": flat_in.T @ layer_input.reshape(T * B, width),
            f"weight_hh_l{layer}": flat_rec.T @ hs[:-1].reshape(T * B, self.n_hidden),
            f"bias_ih_l{layer}": flat_in.sum(axis=0),
        }
        # both biases enter the same pre-activations, except in the GRU's candidate gate
        same = d_recurrent_side is d_input_side
        grads[f"bias_hh_l{layer}"] = (
            grads[f"bias_ih_l{layer}"].copy() if same else flat_rec.sum(axis=0)
        )
        d_layer_input = self._buffer(f"dinput{layer}", (T, B, width))
        np.matmul(
            flat_in, self.params[f"weight_ih_l{layer}"], out=d_layer_input.reshape(T * B, width)
        )
        return grads, d_layer_input

    def _backward(self, cache: dict, d_outputs: np.ndarray) -> tuple[dict, np.ndarray]:
        """Gradients of all parameters from dL/d(logits) (T, B, n_out), and dL/d(inputs)."""
        T, B, _ = d_outputs.shape
        top = cache["top"]
        flat = d_outputs.reshape(T * B, self.n_out)
        grads = {
            "weight_out": flat.T @ top.reshape(T * B, self.n_hidden),
            "bias_out": flat.sum(axis=0),
        }
        d_hidden = self._buffer("dtop", (T, B, self.n_hidden))
        np.matmul(flat, self.params["weight_out"], out=d_hidden.reshape(T * B, self.n_hidden))
        for layer in range(self.num_layers - 1, -1, -1):
            if layer < self.num_layers - 1 and cache["masks"][layer + 1] is not None:
                d_hidden = d_hidden * cache["masks"][layer + 1]
            layer_grads, d_hidden = self._layer_backward(
                layer, cache["layers"][layer], cache["inputs"][layer], d_hidden
            )
            grads |= layer_grads
        if cache["masks"][0] is not None:
            d_hidden = d_hidden * cache["masks"][0]
        return grads, d_hidden

    def _loss(self, outputs: np.ndarray, batch: Batch) -> tuple[float, np.ndarray]:
        """Loss and dL/d(logits). MSE is averaged over every counted output value;
        cross-entropy over every counted step."""
        mask = batch.mask[:, :, None]
        if self.loss == "mse":
            count = mask.sum() * self.n_out
            error = (outputs - batch.targets) * mask
            return float(np.sum(error * error) / count), (2.0 / count) * error
        count = mask.sum()
        log_p = np.log(np.maximum(outputs, np.finfo(self.dtype).tiny))
        loss = -float(np.sum(batch.targets * log_p * mask) / count)
        return loss, (outputs - batch.targets) * mask / count

    def loss_and_gradients(
        self, X, Y, *, lengths=None, h0=None, loss_from: int = 0, input_gradient: bool = False
    ):
        """Loss on (X, Y) and its gradient with respect to every parameter (full BPTT).

        ``loss_from`` counts only the outputs of steps ≥ ``loss_from`` (truncated
        BPTT windows use it). No dropout is applied. With ``input_gradient`` also
        returns dL/dX, shaped like X (B, T, n_in).
        """
        batch, _mode = self._batch(X, Y, lengths)
        batch.mask[:loss_from] = 0.0
        outputs, cache = self._forward(batch, h0, teacher=True)
        loss, d_outputs = self._loss(outputs, batch)
        grads, d_inputs = self._backward(cache, d_outputs)
        if not input_gradient:
            return loss, grads
        d_inputs = d_inputs.transpose(1, 0, 2)
        return loss, grads, (d_inputs[:, 0] if np.ndim(X) == 2 else d_inputs.copy())

    # --- inference ------------------------------------------------------------------------------
    def _final_state(self, cache: dict, lengths: np.ndarray):
        batch_index = np.arange(lengths.shape[0])
        return np.stack([layer["hs"][lengths, batch_index] for layer in cache["layers"]])

    def predict(
        self,
        X,
        *,
        h0=None,
        lengths=None,
        n_steps: int | None = None,
        return_state: bool = False,
        sequence_output: str | None = None,
    ):
        """Outputs for X (probabilities for a softmax output).

        X (B, T, n_in) gives every step's output (B, T, n_out) or only the last step's
        (B, n_out): ``sequence_output="all"`` or ``"last"``; by default what the model
        was trained for ("last" after many-to-one training, else "all"; an untrained
        model gives "all"). X (B, n_in) gives (B, n_out), or (B, n_steps, n_out) with
        ``n_steps`` (one-to-many; by default the length it was trained on). ``h0`` is
        the initial state ((num_layers, B, H); LSTM: a pair (h0, c0)); ``return_state``
        also returns the final state in the same format.
        """
        if n_steps is None and np.ndim(X) == 2 and self.mode_ == "one-to-many":
            n_steps = self._trained_steps
        if sequence_output is not None:
            check_choice(
                sequence_output, "sequence_output", ("all", "last"), owner=type(self).__name__
            )
        batch, mode = self._batch(X, lengths=lengths, n_steps=n_steps)
        trained_last = self.mode_ == "many-to-one"
        if mode == "many-to-many" and (
            sequence_output == "last" or (sequence_output is None and trained_last)
        ):
            mode = "many-to-one"
        outputs, cache = self._forward(batch, h0)
        outputs = outputs.transpose(1, 0, 2)
        if mode in ("many-to-one", "one-to-one"):
            outputs = outputs[np.arange(outputs.shape[0]), batch.lengths - 1]
        result = np.ascontiguousarray(outputs)
        return (result, self._final_state(cache, batch.lengths)) if return_state else result

    # --- training -----------------------------------------------------------------------------------
    def fit(
        self,
        X,
        Y,
        *,
        epochs: int = 10,
        lr: float = 1e-3,
        optimizer: str = "adam",
        batch_size: int = 32,
        clip: float | None = None,
        clip_value: float | None = None,
        momentum: float = 0.9,
        l1: float = 0.0,
        l2: float = 0.0,
        truncate: tuple[int, int] | None = None,
        validation_split: float = 0.0,
        validation_data=None,
        patience: int | None = None,
        restore_best: bool = True,
        shuffle: bool = True,
        lengths=None,
        progress: ProgressLike = True,
        divergence: float | None = 1e3,
        on_divergence: str = "raise",
    ) -> History:
        """Train by backpropagation through time on minibatches.

        Parameters
        ----------
        X, Y : arrays
            See :mod:`rnn.data` for the shapes and modes.
        epochs, lr, batch_size : training length, learning rate, sequences per step.
        optimizer : {"adam", "sgd", "rmsprop"}
            ``momentum`` applies to SGD.
        clip : float, optional
            Clip the global L2 norm of all gradients to this value.
        clip_value : float, optional
            Clip every gradient entry to [-clip_value, clip_value].
        l1, l2 : float
            Penalties λ₁ Σ|w| and λ₂ Σ w² on the weight matrices (not the biases).
        truncate : (k1, k2), optional
            Truncated BPTT: every k1 steps, update with the gradient of those k1
            steps' loss, back-propagated k2 ≥ k1 steps, the state entering that
            span held fixed. Many-to-many sequences only.
        validation_split : float
            Fraction of the sequences (the last ones) held out for validation.
        validation_data : (X_val, Y_val), optional
        patience : int, optional
            Early stopping: stop after this many epochs without a lower
            validation loss; with ``restore_best`` the weights of the best
            epoch are then put back (without ``patience`` the last weights stay).
        shuffle : bool
            Shuffle the sequences every epoch.
        lengths : array (B,), optional
            Valid length of each sequence.
        progress : bool or callable
            A tqdm bar over epochs (see :mod:`neurodyn.progress`).
        divergence : float or None
            An epoch whose training loss exceeds this many times the first minibatch's
            (before any update) is divergence: ``SimulationError`` naming the epoch, or
            a ``RuntimeWarning`` with ``on_divergence="warn"``. A non-finite loss always
            raises. None: no check.

        Returns
        -------
        History
        """
        options = TrainingOptions(
            epochs, lr, optimizer, batch_size, clip, clip_value, momentum, l1, l2,
            truncate, patience, restore_best, shuffle, divergence, on_divergence,
            owner=type(self).__name__,
        )  # fmt: skip
        train, mode = self._batch(X, Y, lengths)
        train, validation = split_validation(self, train, validation_split, validation_data)
        self.mode_ = mode
        self._trained_steps = train.inputs.shape[0]
        return training.fit(self, train, mode, validation, options, progress)

    def _window_state(self, cache: dict, step: int):
        """The (detached) state after ``step`` steps of a window, in the h0 format."""
        return np.stack([layer["hs"][step] for layer in cache["layers"]])

    # --- saving -----------------------------------------------------------------------------------------
    def _config(self) -> dict:
        return {
            "n_in": self.n_in,
            "n_hidden": self.n_hidden,
            "n_out": self.n_out,
            "num_layers": self.num_layers,
            "nonlinearity": self.nonlinearity,
            "output": self.output,
            "dropout": self.dropout,
            "input_dropout": self.input_dropout,
            "init": self.init,
            "dtype": self.dtype.name,
        }

    def _io_state(self):
        config = self._config() | {
            "mode": self.mode_,
            "trained_steps": getattr(self, "_trained_steps", None),
        }
        return self.get_weights(), config

    @classmethod
    def _from_io_state(cls, arrays, config):
        settings = {k: v for k, v in config.items() if k not in ("mode", "trained_steps")}
        settings["dtype"] = np.dtype(settings["dtype"])
        model = cls(**settings)
        model.set_weights(arrays)
        model.mode_ = config.get("mode")
        if config.get("trained_steps") is not None:
            model._trained_steps = config["trained_steps"]
        return model

    def _io_seed(self):
        return seed_metadata(self.seed)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(n_in={self.n_in}, n_hidden={self.n_hidden}, n_out={self.n_out}, "
            f"num_layers={self.num_layers}, {self.n_parameters} parameters)"
        )


def _affine(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """x Wᵀ + b for x (N, k), into ``out`` if given: a compiled loop for narrow inputs, BLAS otherwise."""
    if out is None:
        out = np.empty((x.shape[0], weight.shape[0]), dtype=x.dtype)
    if x.shape[1] <= _NARROW:
        _kernels.narrow_projection(
            np.ascontiguousarray(x), np.ascontiguousarray(weight.T), bias, out
        )
    else:
        np.matmul(x, weight.T, out=out)
        out += bias
    return out


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def _orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random orthogonal n × n matrix (QR of a Gaussian matrix, signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))
