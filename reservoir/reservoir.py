"""The leaky-integrator echo state reservoir."""

from __future__ import annotations

import inspect

import numba
import numpy as np

from neurodyn import graph as graphs
from neurodyn import io
from neurodyn._kernels import ACTIVATIONS
from neurodyn._validation import (
    as_float_array,
    as_sequences,
    check_choice,
    check_float,
    check_int,
)
from neurodyn.compiled import Compilable, frozen, weight_matrix
from neurodyn.errors import SimulationError
from neurodyn.progress import Progress, ProgressLike
from neurodyn.random import SeedLike, check_seed, seed_metadata, spawn
from neurodyn.record import StateMonitor
from reservoir import _kernels, weights
from reservoir._kernels import Drive, ReservoirBundle

__all__ = ["Reservoir", "reservoir_parameters"]

_CHUNK_VALUES = 1 << 21  # noise drawn per chunk of steps: at most this many values at once
_PARALLEL_WORK = 80_000  # weights × sequences per step from which threads pay off (measured)
_AUTO_PROGRESS_WORK = 2e10  # edges × steps (about 20 s) above which progress=None shows a bar


@io.register("reservoir.Reservoir")
class Reservoir(Compilable, io.Saveable):
    """Pool of leaky-integrator units with random recurrent connections.

    x(t+1) = (1 - a) x(t) + a f(W x(t) + W_in u(t+1) + W_fb y(t) + b + ν(t))

    Parameters
    ----------
    n_units : int
        Number of units N (inferred from ``W`` or ``graph`` when given).
    spectral_radius : float, optional
        Target spectral radius ρ(W). ``None`` means 0.9 for a generated W and no
        rescaling of a W you pass (``W=`` or ``graph=``); a number rescales
        either kind.
    leak_rate : float in (0, 1]
        a; 1 means no leak.
    input_scaling : float or array of shape (n_inputs,)
        Multiplies the generated W_in (per input column for an array).
    density : float in (0, 1]
        Fraction of non-zero recurrent weights of a generated W (Erdős–Rényi,
        no self-loops).
    input_density : float in (0, 1]
        Fraction of non-zero entries of a generated W_in.
    bias_scaling : float >= 0
        Scale of the generated bias b (0: no bias).
    activation : {"tanh", "identity", "relu", "sigmoid"}
        f. ``identity`` makes a linear reservoir.
    noise : float >= 0
        Standard deviation of Gaussian noise ν added to the pre-activation at
        each step while noise is on (``run(with_noise=True)``; ``ESN.fit``).
    input_noise : float >= 0
        Standard deviation of Gaussian noise added to the inputs under the same rule.
    n_inputs : int, optional
        Number of input features; by default taken from the first run.
    n_feedback : int
        Number of output signals fed back through W_fb (0: no feedback).
    feedback_scaling : float
        Scale of the generated W_fb (dense, uniform in [-1, 1]).
    weight_distribution, input_distribution, bias_distribution : {"normal", "uniform", "bernoulli"}
        Distributions of the generated non-zero weights: N(0, 1), U(-1, 1), or ±1.
        Defaults: normal W (then rescaled), uniform W_in and bias.
    W : array (N, N), scipy sparse matrix, CSRGraph or networkx graph, optional
        Recurrent weights, rows are targets (``W[i, j]`` is the weight j → i).
    graph : networkx graph or CSRGraph, optional
        Topology only: its edges get weights drawn from ``weight_distribution``
        and W is rescaled to ``spectral_radius`` (0.9 by default). Use ``W=``
        to keep the graph's own weights.
    W_in : array (N, n_inputs), optional
    bias : array (N,), optional
    W_fb : array (N, n_feedback), optional
        Arrays you pass are used exactly as given (no scaling).
    sparse : bool, optional
        Store W as CSR (True) or dense (False); default: CSR below 50 % density.
    parallel : bool, optional
        Spread the rows of each step over Numba's threads. Default: when more
        than one thread is available and a step has at least 80,000 weights (times sequences)
        (smaller steps lose more to thread start-up than they gain). Results are
        bit-identical either way (a dense W driven by one sequence always runs
        serially, on BLAS).
    dtype : {numpy.float64, numpy.float32}
        Precision of weights and states.
    seed : int or Generator, optional
        Root seed. W, W_in, bias, W_fb and the noise draw from separate child
        streams (in that order), so changing one never shifts the others.

    Notes
    -----
    W_in, bias and W_fb are created lazily, at the first run, once the number of
    inputs is known (or at construction if ``n_inputs`` is given). They are
    read-only arrays; assign a new array to change one (the reservoir then
    compiles again). :meth:`compile` gives the bundle the kernels run
    (:class:`reservoir._kernels.ReservoirBundle`).
    """

    def __init__(
        self,
        n_units: int | None = None,
        *,
        spectral_radius: float | None = None,
        leak_rate: float = 1.0,
        input_scaling=1.0,
        density: float = 0.1,
        input_density: float = 1.0,
        bias_scaling: float = 0.0,
        activation: str = "tanh",
        noise: float = 0.0,
        input_noise: float = 0.0,
        n_inputs: int | None = None,
        n_feedback: int = 0,
        feedback_scaling: float = 1.0,
        weight_distribution: str = "normal",
        input_distribution: str = "uniform",
        bias_distribution: str = "uniform",
        W=None,
        graph=None,
        W_in=None,
        bias=None,
        W_fb=None,
        sparse: bool | None = None,
        parallel: bool | None = None,
        dtype=np.float64,
        seed: SeedLike = None,
    ) -> None:
        owner = "Reservoir"
        self.parallel = parallel
        if W is not None and graph is not None:
            raise ValueError("Reservoir: pass either W= (weights) or graph= (topology), not both")
        self.leak_rate = check_float(
            leak_rate, "leak_rate", low=0.0, high=1.0, low_open=True, owner=owner
        )
        if spectral_radius is not None:
            spectral_radius = check_float(
                spectral_radius, "spectral_radius", low=0.0, low_open=True, owner=owner
            )
        self.spectral_radius = spectral_radius
        self.density = check_float(
            density, "density", low=0.0, high=1.0, low_open=True, owner=owner
        )
        self.input_density = check_float(
            input_density, "input_density", low=0.0, high=1.0, low_open=True, owner=owner
        )
        self.bias_scaling = check_float(bias_scaling, "bias_scaling", low=0.0, owner=owner)
        self.noise = check_float(noise, "noise", low=0.0, owner=owner)
        self.input_noise = check_float(input_noise, "input_noise", low=0.0, owner=owner)
        self.feedback_scaling = check_float(feedback_scaling, "feedback_scaling", owner=owner)
        self.activation = check_choice(activation, "activation", tuple(ACTIVATIONS), owner=owner)
        for name, value in (
            ("weight_distribution", weight_distribution),
            ("input_distribution", input_distribution),
            ("bias_distribution", bias_distribution),
        ):
            setattr(self, name, check_choice(value, name, weights.DISTRIBUTIONS, owner=owner))
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float64, np.float32):
            raise TypeError(f"Reservoir.dtype: expected float64 or float32 (got {self.dtype})")
        self.seed = check_seed(seed, "Reservoir.seed")
        self._input_scaling = input_scaling
        self.n_feedback = check_int(n_feedback, "n_feedback", low=0, owner=owner)
        streams = spawn(seed, 5, "Reservoir.seed")
        self._w_rng, self._win_rng, self._bias_rng, self._wfb_rng, self._noise_rng = streams

        recurrent = weights.recurrent(
            n_units,
            W,
            graph,
            spectral_radius=self.spectral_radius,
            density=self.density,
            distribution=self.weight_distribution,
            rng=self._w_rng,
        )
        n = recurrent.shape[0]
        self.n_units = n
        use_dense = (recurrent.density >= 0.5) if sparse is None else not sparse
        self._set_recurrent(recurrent, use_dense)
        self._given = {"W_in": W_in, "bias": bias, "W_fb": W_fb}
        self._inputs: dict[str, np.ndarray] | None = None  # W_in, bias, W_fb once created
        self._state = np.zeros(n, dtype=self.dtype)
        self.steps = 0  # steps run since the last reset: the time of recordings
        if n_inputs is not None or W_in is not None:
            self.initialize(n_inputs)

    # --- construction ------------------------------------------------------------
    def _set_recurrent(self, recurrent: graphs.CSRGraph, use_dense: bool) -> None:
        self.W_graph = recurrent
        self._use_dense = bool(use_dense)
        self.invalidate()

    def initialize(self, n_inputs: int | None = None) -> Reservoir:
        """Create W_in, bias and W_fb for ``n_inputs`` inputs (done by the first run)."""
        n = self.n_units
        given = self._given
        if given["W_in"] is not None:
            w_in = weights.given(given["W_in"], "W_in", (n, n_inputs))
        else:
            w_in = weights.input_weights(
                n, n_inputs, self._input_scaling, self.input_density, self.input_distribution,
                self._win_rng,
            )  # fmt: skip
        if given["bias"] is not None:
            bias = weights.given(given["bias"], "bias", (n,))
        else:
            bias = self.bias_scaling * weights.draw(self.bias_distribution, self._bias_rng, n)
        if given["W_fb"] is not None:
            w_fb = weights.given(given["W_fb"], "W_fb", (n, self.n_feedback))
        else:
            w_fb = self.feedback_scaling * self._wfb_rng.uniform(-1.0, 1.0, (n, self.n_feedback))
        self._inputs = {
            "W_in": frozen(w_in, self.dtype),
            "bias": frozen(bias, self.dtype),
            "W_fb": frozen(w_fb, self.dtype),
        }
        self.invalidate()
        return self

    def prepare(self, n_inputs: int) -> Reservoir:
        """Make ready to read ``n_inputs`` features: W_in, bias and W_fb are created
        at the first call; later calls check the number."""
        if self._inputs is None:
            return self.initialize(n_inputs)
        if n_inputs != self.n_inputs:
            raise ValueError(
                f"Reservoir.run: expected {self.n_inputs} input features (got {n_inputs})"
            )
        return self

    # --- state ---------------------------------------------------------------------
    def _input_array(self, name: str) -> np.ndarray | None:
        return None if self._inputs is None else self._inputs[name]

    def _set_input_array(self, name: str, value, shape: tuple) -> None:
        if self._inputs is None:
            raise ValueError(f"Reservoir.{name}: initialize the reservoir (or run it) first")
        array = as_float_array(value, name, ndim=len(shape), owner="Reservoir")
        if array.shape != shape:
            raise ValueError(f"Reservoir.{name}: expected shape {shape} (got {array.shape})")
        self._inputs[name] = frozen(array, self.dtype)
        self.invalidate()

    @property
    def W_in(self) -> np.ndarray | None:
        """Input weights (n_units, n_inputs), read-only (``None`` before the first run)."""
        return self._input_array("W_in")

    @W_in.setter
    def W_in(self, value) -> None:
        self._set_input_array("W_in", value, (self.n_units, self.n_inputs))

    @property
    def bias(self) -> np.ndarray | None:
        """Bias (n_units,), read-only."""
        return self._input_array("bias")

    @bias.setter
    def bias(self, value) -> None:
        self._set_input_array("bias", value, (self.n_units,))

    def scale_units(self, gain, shift) -> Reservoir:
        """Give unit i the activation f(gain_i pre_i + shift_i) from now on: row i of W and
        of W_in multiplied by gain_i, bias_i replaced by gain_i bias_i + shift_i (what
        intrinsic plasticity learns; :func:`reservoir.intrinsic_plasticity`)."""
        if self._inputs is None:
            raise ValueError("Reservoir.scale_units: initialize the reservoir (or run it) first")
        shape = (self.n_units,)
        gain = as_float_array(gain, "gain", ndim=1, owner="Reservoir.scale_units")
        shift = as_float_array(shift, "shift", ndim=1, owner="Reservoir.scale_units")
        if gain.shape != shape or shift.shape != shape:
            raise ValueError(f"Reservoir.scale_units: gain and shift are {shape} arrays")
        rows = self.W_graph.targets()
        self.W_graph = self.W_graph.with_weights(self.W_graph.weights * gain[rows])
        self.W_in = self.W_in * gain[:, None]
        self.W_fb = self.W_fb * gain[:, None]
        self.bias = self.bias * gain + shift  # also recompiles
        return self

    @property
    def W_fb(self) -> np.ndarray | None:
        """Feedback weights (n_units, n_feedback), read-only."""
        return self._input_array("W_fb")

    @W_fb.setter
    def W_fb(self, value) -> None:
        self._set_input_array("W_fb", value, (self.n_units, self.n_feedback))

    @property
    def n_inputs(self) -> int | None:
        return None if self._inputs is None else self._inputs["W_in"].shape[1]

    @property
    def input_scaling(self):
        return self._input_scaling

    @property
    def W(self):
        """Recurrent weights: a scipy CSR array (sparse storage) or a dense array (copies)."""
        return self.W_graph.to_dense() if self._use_dense else self.W_graph.to_scipy()

    @property
    def state(self) -> np.ndarray:
        """Current state x, shape (n_units,) (a copy; assign to set it)."""
        return self._state.copy()

    @state.setter
    def state(self, value) -> None:
        value = as_float_array(value, "state", ndim=1, owner="Reservoir")
        if value.shape != (self.n_units,):
            raise ValueError(
                f"Reservoir.state: expected shape ({self.n_units},) (got {value.shape})"
            )
        self._state = value.astype(self.dtype)

    def reset(self, state=None) -> Reservoir:
        """Set the state to zero (or to ``state``) and the step count to 0."""
        if state is None:
            self._state = np.zeros(self.n_units, dtype=self.dtype)
        else:
            self.state = state
        self.steps = 0
        return self

    # --- compiling ---------------------------------------------------------------------
    def _compile(self) -> ReservoirBundle:
        if self._inputs is None:
            raise ValueError("Reservoir.compile: run the reservoir (or call initialize) first")
        return ReservoirBundle(
            weight_matrix(self.W_graph, dense=self._use_dense, dtype=self.dtype),
            frozen(self._inputs["W_in"].T),  # kernels read input weights column-wise
            frozen(self._inputs["W_fb"].T),
            self._inputs["bias"],
            float(self.leak_rate),
            int(ACTIVATIONS[self.activation]),
        )

    def drive(self, inputs, feedback=None, *, with_noise: bool = True) -> Drive:
        """What drives one (T, n_inputs) sequence, as the kernels take it: the inputs
        (with ``input_noise`` added), the feedback (T, n_feedback) and, with noise,
        the pre-activation noise (T, n_units) drawn from the reservoir's noise stream."""
        inputs = as_float_array(inputs, "X", ndim=2, dtype=self.dtype, owner="Reservoir")
        self.prepare(inputs.shape[1])
        feedback = self._check_feedback(feedback, (inputs.shape[0],))
        return Drive(
            self._noisy_inputs(inputs, with_noise),
            feedback,
            self._noise((inputs.shape[0], self.n_units), with_noise),
        )

    def _noise(self, shape: tuple, with_noise: bool) -> np.ndarray:
        """Pre-activation noise of ``shape`` (steps first), or an empty (0, ...) array."""
        if not (with_noise and self.noise > 0):
            return np.zeros((0, *shape[1:]), dtype=self.dtype)
        return (self.noise * self._noise_rng.standard_normal(shape)).astype(self.dtype)

    def _use_parallel(self, batch: int) -> bool:
        if self._use_dense and batch == 1:
            # a parallel kernel would replace BLAS's matrix-vector product by Numba's own,
            # which sums in another order: dense single runs stay serial (BLAS threads itself)
            return False
        if self.parallel is not None:
            return bool(self.parallel)
        per_step = (self.n_units**2 if self._use_dense else self.W_graph.n_edges) * batch
        return numba.get_num_threads() > 1 and per_step >= _PARALLEL_WORK

    def _noisy_inputs(self, inputs: np.ndarray, with_noise: bool) -> np.ndarray:
        if with_noise and self.input_noise > 0:
            return inputs + self.input_noise * self._noise_rng.standard_normal(inputs.shape).astype(
                self.dtype
            )
        return inputs

    def _check_feedback(self, feedback, shape_prefix: tuple) -> np.ndarray:
        if self.n_feedback == 0:
            if feedback is not None:
                raise ValueError(
                    "Reservoir.run: feedback= given but the reservoir has n_feedback=0"
                )
            return np.zeros((*shape_prefix, 0), dtype=self.dtype)
        if feedback is None:
            raise ValueError(f"Reservoir.run: feedback= is required (n_feedback={self.n_feedback})")
        array = as_float_array(
            feedback, "feedback", ndim=len(shape_prefix) + 1, dtype=self.dtype, owner="Reservoir"
        )
        if array.shape != (*shape_prefix, self.n_feedback):
            raise ValueError(
                f"Reservoir.feedback: expected shape {(*shape_prefix, self.n_feedback)} (got {array.shape})"
            )
        return array

    def _raise_diverged(self, step: int) -> None:
        raise SimulationError(
            f"Reservoir: the pre-activation became NaN or infinite at step {step}; "
            "lower the spectral radius or the input scaling, or use a bounded activation"
        )

    def _chunk(self, n_steps: int, width: int, with_noise: bool) -> int:
        """Steps per kernel call: bounds the noise drawn at once and sets progress granularity."""
        use_noise = with_noise and self.noise > 0
        chunk = max(1, _CHUNK_VALUES // (self.n_units * width)) if use_noise else n_steps
        return min(chunk, max(1, int(1e7 // (max(self.W_graph.n_edges, self.n_units) * width))))

    # --- running -----------------------------------------------------------------------
    def _run_one(self, inputs, feedback, with_noise: bool, report: Progress) -> np.ndarray:
        """Advance the state through one (T, n_in) sequence; returns states (T, n)."""
        n_steps, n = inputs.shape[0], self.n_units
        out = np.empty((n_steps, n), dtype=self.dtype)
        inputs = self._noisy_inputs(inputs, with_noise)
        chunk = self._chunk(n_steps, 1, with_noise)
        bundle = self.compile()
        kernel = _kernels.run_parallel if self._use_parallel(1) else _kernels.run
        for start in range(0, n_steps, chunk):
            stop = min(start + chunk, n_steps)
            drive = Drive(
                inputs[start:stop], feedback[start:stop], self._noise((stop - start, n), with_noise)
            )
            bad = kernel(bundle, drive, self._state, out[start:stop])
            if bad >= 0:
                self._raise_diverged(start + bad)
            report.update(stop - start)
        return out

    def _run_batch(self, inputs, feedback, with_noise: bool, report: Progress) -> np.ndarray:
        batch, n_steps, _ = inputs.shape
        n = self.n_units
        states = np.ascontiguousarray(np.repeat(self._state[:, None], batch, axis=1))
        scratch = np.empty_like(states)
        out = np.empty((batch, n_steps, n), dtype=self.dtype)
        inputs_tb = np.ascontiguousarray(self._noisy_inputs(inputs, with_noise).transpose(1, 0, 2))
        feedback_tb = np.ascontiguousarray(feedback.transpose(1, 0, 2))
        chunk = self._chunk(n_steps, batch, with_noise)
        bundle = self.compile()
        kernel = _kernels.run_batch_parallel if self._use_parallel(batch) else _kernels.run_batch
        for start in range(0, n_steps, chunk):
            stop = min(start + chunk, n_steps)
            noise = self._noise((stop - start, n, batch), with_noise)
            drive = Drive(inputs_tb[start:stop], feedback_tb[start:stop], noise)
            bad = kernel(bundle, drive, states, scratch, out[:, start:stop])
            if bad >= 0:
                self._raise_diverged(start + bad)
            report.update((stop - start) * batch)
        self._state = np.ascontiguousarray(states[:, -1])
        return out

    def run(
        self,
        X,
        *,
        feedback=None,
        reset: bool = False,
        with_noise: bool = True,
        progress: ProgressLike = None,
        record: StateMonitor | None = None,
    ):
        """Drive the reservoir and return its states.

        Parameters
        ----------
        X : array (T, n_inputs), list of such arrays, or array (B, T, n_inputs)
            Input sequence(s). Use shape (T, 0) to run without input.
        feedback : array shaped like X but with n_feedback columns, optional
            The output y(t) fed back at each step (required when n_feedback > 0):
            row t is the signal that enters the update producing state t.
        reset : bool
            Start from the zero state instead of the current state.
        with_noise : bool
            Apply the configured ``noise`` and ``input_noise``.
        progress : bool, None or callable
            See :mod:`neurodyn.progress`; ``None`` shows a bar for long runs.
        record : StateMonitor, optional
            A monitor from :meth:`state_monitor`: it also receives the states of
            its units at its interval, with times counted in steps since the last
            reset (one sequence only), so it grows over consecutive runs.

        Returns
        -------
        states : array (T, n_units), a list of them, or (B, T, n_units)
            ``states[t]`` is x(t+1), the state after reading ``X[t]``. A
            single sequence continues from the current state and leaves the
            reservoir in its final state. Each sequence of a list or batch starts
            from the current state; afterwards the state is the final state of
            the last sequence (reservoirpy's convention).
        """
        kind, data = as_sequences(
            X, "X", n_features=self.n_inputs, dtype=self.dtype, owner="Reservoir"
        )
        if record is not None and kind != "single":
            raise ValueError(
                "Reservoir.record: recording follows one sequence (got a list or batch)"
            )
        self.prepare(data.shape[2] if kind == "batch" else data[0].shape[1])
        if reset:
            self.reset()
        work = data.shape[0] * data.shape[1] if kind == "batch" else sum(x.shape[0] for x in data)
        with Progress(
            work,
            progress,
            desc="Reservoir.run",
            auto=work * self.W_graph.n_edges > _AUTO_PROGRESS_WORK,
        ) as report:
            if kind == "batch":
                return self._run_batch(
                    data, self._check_feedback(feedback, data.shape[:2]), with_noise, report
                )
            feedbacks = self._list_feedback(feedback, data, kind)
            start_state = self._state.copy()
            results = []
            for k, (inputs, fb) in enumerate(zip(data, feedbacks, strict=True)):
                if k:
                    self._state = start_state.copy()
                results.append(self._run_one(inputs, fb, with_noise, report))
        if kind == "list":
            return results
        if record is not None:
            self._record(record, results[0])
        self.steps += results[0].shape[0]
        return results[0]

    def _list_feedback(self, feedback, data, kind) -> list[np.ndarray]:
        if kind == "single":
            return [self._check_feedback(feedback, (data[0].shape[0],))]
        if feedback is None:
            return [self._check_feedback(None, (x.shape[0],)) for x in data]
        if not isinstance(feedback, list | tuple) or len(feedback) != len(data):
            raise ValueError("Reservoir.feedback: expected a list with one array per sequence of X")
        return [self._check_feedback(f, (x.shape[0],)) for x, f in zip(data, feedback, strict=True)]

    def state_monitor(self, indices=None, *, interval: int = 1) -> StateMonitor:
        """A :class:`~neurodyn.record.StateMonitor` of the units ``indices`` (all by
        default) every ``interval`` steps, to pass as ``run(..., record=...)``."""
        indices = np.arange(self.n_units) if indices is None else np.asarray(indices)
        if indices.ndim != 1 or not np.issubdtype(indices.dtype, np.integer):
            raise TypeError("Reservoir.state_monitor.indices: expected a 1-d array of unit indices")
        if indices.size and (indices.min() < 0 or indices.max() >= self.n_units):
            raise ValueError(f"Reservoir.state_monitor.indices: must lie in [0, {self.n_units})")
        interval = check_int(interval, "interval", low=1, owner="Reservoir.state_monitor")
        return StateMonitor(
            indices.size,
            variable="x",
            time_unit="step",
            indices=indices,
            interval=interval,
            dtype=self.dtype,
        )

    def _record(self, monitor: StateMonitor, states: np.ndarray) -> None:
        if monitor.time_unit != "step" or monitor.indices.max(initial=-1) >= self.n_units:
            raise ValueError("Reservoir.record: expected a monitor from Reservoir.state_monitor()")
        interval = int(monitor.interval or 1)
        steps = self.steps + 1 + np.arange(states.shape[0])  # states[t] is the state at step t+1
        chosen = steps % interval == 0
        monitor.append(steps[chosen], states[chosen][:, monitor.indices])

    def summarize(self, X, how: str = "last", *, with_noise: bool = False) -> np.ndarray:
        """One state per sequence: each of X (B, T, n_inputs) runs from the zero
        state and gives its last (``how="last"``) or mean (``"mean"``) state, (B, n_units).

        Training code passes ``with_noise=True`` (the configured noise applies while
        fitting only), prediction the default.
        """
        check_choice(how, "how", ("last", "mean"), owner="Reservoir.summarize")
        states = self.run(X, reset=True, with_noise=with_noise, progress=False)
        if isinstance(states, list):
            return np.stack([s[-1] if how == "last" else s.mean(axis=0) for s in states])
        return states[:, -1] if how == "last" else states.mean(axis=1)

    # --- saving ---------------------------------------------------------------------
    def _io_seed(self):
        return seed_metadata(self.seed)

    def _io_state(self):
        if self._inputs is None:
            raise ValueError("Reservoir: run it (or call initialize) before saving")
        arrays = {
            "W_indptr": self.W_graph.indptr,
            "W_indices": self.W_graph.indices,
            "W_weights": self.W_graph.weights,
            "W_in": self.W_in,
            "bias": self.bias,
            "W_fb": self.W_fb,
            "state": self._state,
        }
        config = {
            "leak_rate": self.leak_rate,
            "activation": self.activation,
            "noise": self.noise,
            "input_noise": self.input_noise,
            "n_feedback": self.n_feedback,
            "sparse": not self._use_dense,
            "dtype": self.dtype.name,
            "seed": seed_metadata(self.seed),
        }
        return arrays, config

    @classmethod
    def _from_io_state(cls, arrays, config) -> Reservoir:
        n = arrays["W_indptr"].shape[0] - 1
        recurrent = graphs.CSRGraph(
            arrays["W_indptr"], arrays["W_indices"], arrays["W_weights"], n_sources=n
        )
        reservoir = cls(
            W=recurrent,
            W_in=arrays["W_in"],
            bias=arrays["bias"],
            W_fb=arrays["W_fb"],
            leak_rate=config["leak_rate"],
            activation=config["activation"],
            noise=config["noise"],
            input_noise=config["input_noise"],
            n_feedback=config["n_feedback"],
            sparse=config["sparse"],
            dtype=np.dtype(config["dtype"]),
            seed=config["seed"],
        )
        reservoir.state = arrays["state"]
        return reservoir

    def __repr__(self) -> str:
        storage = "dense" if self._use_dense else f"CSR, {self.W_graph.n_edges} edges"
        return (
            f"Reservoir(n_units={self.n_units}, leak_rate={self.leak_rate:g}, "
            f"activation={self.activation!r}, {storage}, dtype={self.dtype.name})"
        )


def reservoir_parameters() -> dict:
    """Every keyword argument of :class:`Reservoir` with its default.

    The Reservoir's signature is the one definition of the reservoir's
    hyperparameters: :class:`~reservoir.ESN` forwards them, the scikit-learn
    estimators and the comparison harness take their defaults from here.
    """
    parameters = inspect.signature(Reservoir.__init__).parameters.values()
    return {p.name: p.default for p in parameters if p.kind is p.KEYWORD_ONLY}
