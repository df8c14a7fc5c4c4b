"""Model adapters: one interface over every family for the comparison harness.

An adapter is built from its parameters (defaults, then per-task defaults, then
the user's overrides), a seed and the task's data, and offers ``fit``,
``predict`` and, where it can run on its own output, ``generate``.
"""

from __future__ import annotations

import inspect

import numpy as np

from neurodyn.harness.registry import HarnessError, register_model
from neurodyn.harness.tasks import TaskData, _coerce

__all__ = ["ESNAdapter", "LSMAdapter", "ModelAdapter", "RNNAdapter"]


class ModelAdapter:
    """Base class of a harness model.

    Subclasses set ``defaults`` (parameters and their default values),
    optionally ``task_defaults`` ({task name: {parameter: value}}), and
    implement :meth:`fit` and :meth:`predict`. ``family`` groups models in
    reports ("reservoir", "gradient").
    """

    name = ""
    family = ""
    description = ""
    defaults: dict = {}
    task_defaults: dict = {}
    parameter_docs: dict = {}  # one line per parameter, for `neurodyn models NAME`

    def __init__(self, params: dict, seed: int, data: TaskData, task_name: str = "") -> None:
        self.params, self.seed, self.data = self.resolve(task_name, params), seed, data
        self.curve: list[float] = []
        self.progress = False  # a bar for this run's training (set by the runner)

    @classmethod
    def available(cls) -> bool:
        return True

    @classmethod
    def resolve(cls, task_name: str, params: dict) -> dict:
        """Every parameter a run uses: defaults, then the task's defaults, then ``params``
        (converted to the defaults' types; a bad name or value raises HarnessError)."""
        unknown = set(params) - set(cls.defaults)
        if unknown:
            valid = ", ".join(sorted(cls.defaults))
            raise HarnessError(
                f"model {cls.name!r}: unknown parameter(s) {sorted(unknown)}; valid: {valid}"
            )
        merged = dict(cls.defaults) | cls.task_defaults.get(task_name, {})
        for key, value in params.items():
            try:
                merged[key] = _coerce(value, cls.defaults[key])
            except (TypeError, ValueError):
                kind = type(cls.defaults[key]).__name__
                raise HarnessError(
                    f"model {cls.name!r}: {key} = {value!r} is not a valid {kind}"
                ) from None
        return merged

    def fit(self) -> None:
        raise NotImplementedError

    def predict(self, split) -> np.ndarray:
        """Test predictions shaped like the split's targets (class scores for classification)."""
        raise NotImplementedError

    def extra_metrics(self, split) -> dict:
        """Model-specific figures on a split, reported next to the task's metrics."""
        return {}

    @property
    def n_parameters(self) -> int:
        raise NotImplementedError


def _one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    return np.eye(n_classes)[labels]


def _targets(data: TaskData, split) -> np.ndarray:
    return _one_hot(split.Y, data.n_classes) if data.output == "classification" else split.Y


def _one_to_many_inputs(X: np.ndarray, length: int) -> np.ndarray:
    """Inputs given once, at the first step, then zeros: (N, n_in) → (N, length, n_in)."""
    sequences = np.zeros((X.shape[0], length, X.shape[1]))
    sequences[:, 0] = X
    return sequences


# --- echo state network ---------------------------------------------------------------------
_ESN_TUNED = ("spectral_radius", "leak_rate", "input_scaling", "density", "bias_scaling", "noise")


def _esn_defaults(**overrides) -> dict:
    """The ESN's own defaults (the Reservoir's and the ESN's signatures, their one
    definition) for the parameters the harness tunes, then the harness's choices."""
    from reservoir import ESN, reservoir_parameters

    reservoir = reservoir_parameters()
    esn = inspect.signature(ESN).parameters
    defaults = {"n_units": 100} | {name: reservoir[name] for name in _ESN_TUNED}
    defaults |= {name: esn[name].default for name in ("ridge", "washout")}
    return defaults | overrides


@register_model("esn")
class ESNAdapter(ModelAdapter):
    """Echo state network: a fixed random reservoir with a ridge readout."""

    family = "reservoir"
    description = "echo state network (reservoir + ridge readout)"
    defaults = _esn_defaults(
        n_units=500,
        spectral_radius=0.9,
        bias_scaling=0.2,
        washout=100,
        state="last",
        # intrinsic plasticity before the readout (reservoir.intrinsic): target std, 0 = off
        intrinsic_sigma=0.0,
        intrinsic_eta=5e-4,
        intrinsic_epochs=3,
    )
    parameter_docs = {
        "n_units": "reservoir units",
        "spectral_radius": "largest |eigenvalue| W is scaled to",
        "leak_rate": "leak a in (0, 1]: x <- (1 - a) x + a tanh(...)",
        "input_scaling": "scale of the input weights",
        "density": "fraction of non-zero recurrent weights",
        "bias_scaling": "scale of the units' biases (0: none)",
        "noise": "std of the state noise while fitting",
        "ridge": "ridge regularisation of the readout",
        "washout": "steps skipped before fitting",
        "state": "sequences: the 'last' or the 'mean' state gives the label",
        "intrinsic_sigma": "intrinsic plasticity's target output std (0: off)",
        "intrinsic_eta": "intrinsic plasticity's learning rate",
        "intrinsic_epochs": "intrinsic plasticity's passes over the training inputs",
    }
    task_defaults = {
        "mackey-glass": {
            "n_units": 500,
            "spectral_radius": 1.0,
            "leak_rate": 0.6,
            "input_scaling": 0.5,
            "density": 0.05,
            "noise": 1e-7,
            "ridge": 1e-10,
        },
        "narma10": {"spectral_radius": 0.9, "input_scaling": 0.1, "ridge": 1e-8, "washout": 200},
        "memory-capacity": {
            "n_units": 100,
            "input_scaling": 0.1,
            "bias_scaling": 0.0,
            "ridge": 1e-10,
        },
        "adding": {
            "n_units": 500,
            "leak_rate": 0.5,
            "input_scaling": 0.5,
            "ridge": 1e-4,
            "washout": 0,
        },
        "copy": {"n_units": 500, "leak_rate": 1.0, "ridge": 1e-4, "washout": 0},
        "reber": {"leak_rate": 0.3, "input_scaling": 1.0, "ridge": 1e-4, "washout": 0},
        "text": {"ridge": 1e-2, "washout": 10},
        "sine-generation": {"n_units": 300, "ridge": 1e-6, "washout": 0},
        "digits": {
            "n_units": 300,
            "leak_rate": 0.5,
            "input_scaling": 0.5,
            "ridge": 1e-2,
            "state": "mean",
        },
    }

    def __init__(self, params, seed, data, task_name=""):
        super().__init__(params, seed, data, task_name)
        from reservoir import ESN

        p = self.params
        tuned = {name: p[name] for name in (*_ESN_TUNED, "ridge", "washout")}
        self.esn = ESN(p["n_units"], seed=seed, **tuned)
        self.summary = None  # "last" or "mean" state for one label per sequence

    def _sequence_inputs(self, split) -> np.ndarray:
        X = split.X
        if X.ndim == 2:  # one-to-many
            X = _one_to_many_inputs(X, split.Y.shape[1])
        return X

    def _many_to_one(self) -> bool:
        return self.data.kind == "sequences" and _targets(self.data, self.data.train).ndim == 2

    def _states(self, X, *, training: bool = False) -> np.ndarray:
        """One state per sequence; the reservoir's noise applies while training only
        (as in ESN.fit and ESNClassifier)."""
        return self.esn.reservoir.summarize(X, self.params["state"], with_noise=training)

    def _adapt_units(self) -> None:
        """Intrinsic plasticity on the training inputs, when asked for."""
        from reservoir.intrinsic import intrinsic_plasticity

        p, train = self.params, self.data.train
        inputs = train.X if self.data.kind == "series" else self._sequence_inputs(train)
        inputs = inputs.reshape(-1, inputs.shape[-1])
        self.esn.reservoir.initialize(inputs.shape[1])
        intrinsic_plasticity(self.esn.reservoir, inputs, sigma=p["intrinsic_sigma"],
                             eta=p["intrinsic_eta"], epochs=p["intrinsic_epochs"])  # fmt: skip

    def fit(self) -> None:
        data = self.data
        if self.params["intrinsic_sigma"] > 0.0:
            self._adapt_units()
        if data.kind == "series":
            self.esn.fit(data.train.X, data.train.Y, progress=self.progress)
            return
        targets = _targets(data, data.train)
        X = self._sequence_inputs(data.train)
        if self._many_to_one():
            from reservoir import Ridge

            self.summary = Ridge(self.params["ridge"]).fit(self._states(X, training=True), targets)
        else:
            self.esn.fit(X, targets, progress=self.progress)

    def predict(self, split) -> np.ndarray:
        data = self.data
        if data.kind == "series":
            self.esn.reset()
            if data.warmup:  # read the end of the validation series first
                self.esn.predict(data.val.X[-data.warmup :])
            return self.esn.predict(split.X)
        X = self._sequence_inputs(split)
        if self.summary is not None:
            return self.summary.predict(self._states(X))
        return self.esn.predict(X, reset=True)

    def generate(self, warmup: np.ndarray, n_steps: int) -> np.ndarray:
        return self.esn.generate(n_steps, warmup=warmup, reset=True)

    @property
    def n_parameters(self) -> int:
        if self.summary is not None:
            return int(self.summary.coef_.size + self.summary.intercept_.size)
        readout = self.esn.readout
        return int(readout.coef_.size + readout.intercept_.size)


# --- liquid state machine ------------------------------------------------------------------------
def _lsm_defaults() -> dict:
    """The LiquidStateMachine's own defaults (its signature, their one definition)."""
    from snn.lsm import LiquidStateMachine

    skipped = {"seed", "progress"}
    return {
        name: parameter.default
        for name, parameter in inspect.signature(LiquidStateMachine).parameters.items()
        if name not in skipped
    } | {"washout": 100}


@register_model("lsm")
class LSMAdapter(ModelAdapter):
    """Liquid state machine: a spiking LIF network driven by input currents, with a ridge
    readout of its filtered spikes and membrane potentials (series, and sequences with one
    target each)."""

    family = "spiking"
    description = "liquid state machine (spiking LIF reservoir + ridge readout)"
    defaults = _lsm_defaults()
    parameter_docs = {
        "n_neurons": "LIF neurons in the liquid",
        "excitatory_fraction": "fraction of them excitatory",
        "p": "connection probability",
        "weight": "excitatory synaptic current (pA); inhibitory ones -g weight",
        "g": "relative strength of inhibition",
        "input_scaling": "input current per unit of input (pA)",
        "input_density": "fraction of neurons that receive each input",
        "step": "ms each input sample is held",
        "tau_filter": "ms, filter turning spikes into the state",
        "ridge": "ridge regularisation of the readout (standardised states)",
        "washout": "steps skipped before fitting",
        "state": "'spikes', 'voltage' or 'both' read out",
        "summary": "sequences: the 'mean' or 'last' state gives the target",
        "gap": "silent steps between sequences",
        "dt": "ms, simulation step",
    }

    def __init__(self, params, seed, data, task_name=""):
        super().__init__(params, seed, data, task_name)
        from snn.lsm import LiquidStateMachine

        one_per_sequence = (
            data.kind == "sequences"
            and data.train.X.ndim == 3
            and (_targets(data, data.train).ndim == 2)
        )
        if data.kind != "series" and not one_per_sequence:
            raise HarnessError(
                f"model 'lsm': task {task_name!r} is not supported (a series, or sequences "
                "with one target each, e.g. mackey-glass, narma10, digits)"
            )
        try:
            self.lsm = LiquidStateMachine(**self.params, seed=seed, progress=False)
        except (TypeError, ValueError) as error:
            raise HarnessError(f"model 'lsm': {error}") from None

    def fit(self) -> None:
        train = self.data.train
        self.lsm.progress = self.progress
        self.lsm.fit(train.X, _targets(self.data, train))

    def predict(self, split) -> np.ndarray:
        data = self.data
        warmup = data.val.X[-data.warmup :] if data.kind == "series" and data.warmup else None
        return self.lsm.predict(split.X, warmup=warmup)

    @property
    def n_parameters(self) -> int:
        readout = self.lsm.readout
        return int(readout.coef_.size + readout.intercept_.size)


# --- gradient-trained baselines ---------------------------------------------------------------------
class RNNAdapter(ModelAdapter):
    """A gradient-trained network from ``rnn``. Series are cut into overlapping windows
    (``window`` steps, every ``stride``) and learned many-to-many; sequences directly."""

    family = "gradient"
    network = ""
    defaults = {
        "n_hidden": 32,
        "num_layers": 1,
        "epochs": 30,
        "lr": 1e-2,
        "batch_size": 32,
        "clip": 1.0,
        "window": 50,
        "stride": 10,
        "patience": 0,
        "optimizer": "adam",
    }
    parameter_docs = {
        "n_hidden": "hidden units per layer",
        "num_layers": "stacked recurrent layers (not Jordan)",
        "epochs": "passes over the training data",
        "lr": "learning rate",
        "batch_size": "sequences per gradient step",
        "clip": "gradient norm clipping (0: none)",
        "window": "series: steps per training window",
        "stride": "series: steps between window starts",
        "patience": "early stopping after this many epochs without progress (0: off)",
        "optimizer": "'sgd', 'rmsprop' or 'adam'",
    }
    task_defaults = {
        "adding": {"epochs": 20},
        "copy": {"n_hidden": 64, "epochs": 20},
        "memory-capacity": {"n_hidden": 64, "window": 200, "stride": 50, "epochs": 40},
        "digits": {"n_hidden": 64, "epochs": 30},
    }

    def __init__(self, params, seed, data, task_name=""):
        super().__init__(params, seed, data, task_name)
        import rnn

        p = self.params
        cls = getattr(rnn, self.network)
        options = {"forget_bias": 1.0} if self.network == "LSTM" else {}
        if self.network != "Jordan":
            options["num_layers"] = p["num_layers"]
        output = "softmax" if data.output == "classification" else "linear"
        self.model = cls(data.n_in, p["n_hidden"], data.n_out, output=output, seed=seed, **options)
        _check_training(self.name, p)

    def _windows(self, split):
        p = self.params
        length = min(p["window"], split.X.shape[0])
        starts = np.arange(0, split.X.shape[0] - length + 1, p["stride"])
        return (
            np.stack([split.X[s : s + length] for s in starts]),
            np.stack([split.Y[s : s + length] for s in starts]),
        )

    def fit(self) -> None:
        data, p = self.data, self.params
        if data.kind == "series":
            X, Y = self._windows(data.train)
            validation = self._windows(data.val)
        else:
            X, Y = data.train.X, data.train.Y
            validation = (data.val.X, data.val.Y)
        history = self.model.fit(
            X,
            Y,
            epochs=p["epochs"],
            lr=p["lr"],
            batch_size=p["batch_size"],
            clip=p["clip"] or None,
            optimizer=p["optimizer"],
            validation_data=validation,
            patience=p["patience"] or None,
            progress=self.progress,
        )
        self.curve = history.loss

    def predict(self, split) -> np.ndarray:
        data = self.data
        if data.kind == "series":
            warm = data.val.X[-data.warmup :] if data.warmup else data.val.X[:0]
            both = np.concatenate([warm, split.X])[None]
            return self.model.predict(both)[0, warm.shape[0] :]
        n_steps = split.Y.shape[1] if split.X.ndim == 2 and np.ndim(split.Y) == 3 else None
        return self.model.predict(split.X, n_steps=n_steps)

    def generate(self, warmup: np.ndarray, n_steps: int) -> np.ndarray:
        """Closed loop: read ``warmup``, then feed each output back as the next input."""
        output, state = self.model.predict(warmup[None], return_state=True)
        value = output[:, -1]
        generated = [value[0]]
        for _ in range(n_steps - 1):
            output, state = self.model.predict(value[:, None, :], h0=state, return_state=True)
            value = output[:, -1]
            generated.append(value[0])
        return np.array(generated)

    @property
    def n_parameters(self) -> int:
        return self.model.n_parameters


def _check_training(name: str, p: dict) -> None:
    """The training parameters, checked before any run (rnn checks them again in fit)."""
    from neurodyn._validation import check_int
    from rnn.training import TrainingOptions

    TrainingOptions(epochs=p["epochs"], lr=p["lr"], optimizer=p.get("optimizer", "adam"),
                    batch_size=p["batch_size"], clip=p["clip"] or None,
                    patience=p.get("patience") or None, owner=name)  # fmt: skip
    for key in ("window", "stride"):
        check_int(p[key], key, low=1, owner=name)


def _gradient_model(name: str, network: str, description: str):
    cls = type(f"{network}Adapter", (RNNAdapter,), {"network": network, "description": description})
    return register_model(name)(cls)


_gradient_model("rnn", "RNN", "vanilla tanh RNN trained by BPTT")
_gradient_model("elman", "Elman", "Elman network (logistic context units) trained by BPTT")
_gradient_model("jordan", "Jordan", "Jordan network (output context) trained by BPTT")
_gradient_model("lstm", "LSTM", "LSTM trained by BPTT")
_gradient_model("gru", "GRU", "GRU trained by BPTT")


# --- PyTorch peers (when installed) ---------------------------------------------------------------
class TorchAdapter(RNNAdapter):
    """PyTorch's nn.LSTM / nn.GRU + nn.Linear with Adam: the same protocol as the ``rnn``
    adapters, whose last weights are kept too (no early stopping)."""

    family = "gradient"
    defaults = {k: v for k, v in RNNAdapter.defaults.items() if k not in ("optimizer", "patience")}

    @classmethod
    def available(cls) -> bool:
        try:
            import torch  # noqa: F401
        except ImportError:
            return False
        return True

    def __init__(self, params, seed, data, task_name=""):
        ModelAdapter.__init__(self, params, seed, data, task_name)
        if not self.available():
            raise HarnessError(f"model {self.name!r} needs PyTorch (pip install torch)")
        _check_training(self.name, self.params)
        import torch

        torch.manual_seed(seed)
        p = self.params
        layer = getattr(torch.nn, self.network)
        self.torch = torch
        self.recurrent = layer(
            data.n_in,
            p["n_hidden"],
            num_layers=p["num_layers"],
            batch_first=True,
            dtype=torch.float64,
        )
        self.readout = torch.nn.Linear(p["n_hidden"], data.n_out, dtype=torch.float64)

    def _forward(self, X):
        hidden, _ = self.recurrent(self.torch.as_tensor(X, dtype=self.torch.float64))
        return self.readout(hidden)

    def _loss(self, outputs, Y):
        torch = self.torch
        if self.data.output == "classification":
            labels = torch.as_tensor(Y, dtype=torch.long)
            if labels.ndim == 1:
                outputs = outputs[:, -1]
            return torch.nn.functional.cross_entropy(
                outputs.reshape(-1, outputs.shape[-1]), labels.reshape(-1)
            )
        target = torch.as_tensor(Y, dtype=torch.float64)
        if target.ndim == 2:
            outputs = outputs[:, -1]
        return torch.nn.functional.mse_loss(outputs, target)

    def fit(self) -> None:
        torch, p, data = self.torch, self.params, self.data
        if data.kind == "series":
            X, Y = self._windows(data.train)
        else:
            X, Y = data.train.X, data.train.Y
            if X.ndim == 2:
                X = _one_to_many_inputs(X, Y.shape[1])
        parameters = [*self.recurrent.parameters(), *self.readout.parameters()]
        optimizer = torch.optim.Adam(parameters, lr=p["lr"])
        generator = np.random.default_rng(self.seed)
        for _ in range(p["epochs"]):
            order = generator.permutation(X.shape[0])
            losses = []
            for first in range(0, X.shape[0], p["batch_size"]):
                chosen = order[first : first + p["batch_size"]]
                optimizer.zero_grad()
                loss = self._loss(self._forward(X[chosen]), Y[chosen])
                loss.backward()
                if p["clip"]:
                    torch.nn.utils.clip_grad_norm_(parameters, p["clip"])
                optimizer.step()
                losses.append(loss.item())
            self.curve.append(float(np.mean(losses)))

    def predict(self, split) -> np.ndarray:
        torch, data = self.torch, self.data
        with torch.no_grad():
            if data.kind == "series":
                warm = data.val.X[-data.warmup :] if data.warmup else data.val.X[:0]
                outputs = self._forward(np.concatenate([warm, split.X])[None]).numpy()
                return outputs[0, warm.shape[0] :]
            X = split.X if split.X.ndim == 3 else _one_to_many_inputs(split.X, split.Y.shape[1])
            outputs = self._forward(X)
            if data.output == "classification":
                outputs = torch.softmax(outputs, dim=-1)
            outputs = outputs.numpy()
            return (
                outputs[:, -1]
                if np.ndim(split.Y) == (2 if data.output == "regression" else 1)
                else outputs
            )

    def generate(self, warmup: np.ndarray, n_steps: int) -> np.ndarray:
        torch = self.torch
        with torch.no_grad():
            hidden, state = self.recurrent(torch.as_tensor(warmup[None], dtype=torch.float64))
            value = self.readout(hidden[:, -1:])
            generated = [value[0, 0].numpy()]
            for _ in range(n_steps - 1):
                hidden, state = self.recurrent(value, state)
                value = self.readout(hidden)
                generated.append(value[0, 0].numpy())
        return np.array(generated)

    @property
    def n_parameters(self) -> int:
        return int(
            sum(p.numel() for p in [*self.recurrent.parameters(), *self.readout.parameters()])
        )


register_model("torch-lstm")(
    type(
        "TorchLSTMAdapter",
        (TorchAdapter,),
        {"network": "LSTM", "description": "PyTorch nn.LSTM (peer)"},
    )
)
register_model("torch-gru")(
    type(
        "TorchGRUAdapter",
        (TorchAdapter,),
        {"network": "GRU", "description": "PyTorch nn.GRU (peer)"},
    )
)
