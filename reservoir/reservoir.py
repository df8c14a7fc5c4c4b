"""The leaky-integrator echo state reservoir."""

from __future__ import annotations

import networkx as nx
import numba
import numpy as np

from neurodyn import graph as graphs
from neurodyn import io
from neurodyn._validation import (
    as_float_array,
    as_sequences,
    check_choice,
    check_float,
    check_int,
)
from neurodyn.errors import SimulationError
from neurodyn.progress import Progress, ProgressLike
from neurodyn.random import SeedLike, check_seed, seed_metadata, spawn
from reservoir import _kernels

__all__ = ["Reservoir"]

DISTRIBUTIONS = ("normal", "uniform", "bernoulli")
_CHUNK_VALUES = 1 << 21  # noise drawn per chunk of steps: at most this many values at once
_PARALLEL_WORK = 80_000  # weights × sequences per step from which threads pay off (measured)
_AUTO_PROGRESS_WORK = 2e10  # edges × steps (about 20 s) above which progress=None shows a bar


def _draw(distribution: str, rng: np.random.Generator, size) -> np.ndarray:
    if distribution == "normal":
        return rng.standard_normal(size)
    if distribution == "uniform":
        return rng.uniform(-1.0, 1.0, size)
    return rng.choice(np.array([-1.0, 1.0]), size=size)


def _sparse_matrix(rng, shape, density, distribution) -> np.ndarray:
    """Dense (rows, cols) array whose entries are non-zero with probability ``density``."""
    values = _draw(distribution, rng, shape)
    if density < 1.0:
        values *= rng.random(shape) < density
    return values


@io.register("reservoir.Reservoir")
class Reservoir:
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
    inputs is known (or at construction if ``n_inputs`` is given).
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
        self.activation = check_choice(
            activation, "activation", tuple(_kernels.ACTIVATIONS), owner=owner
        )
        for name, value in (
            ("weight_distribution", weight_distribution),
            ("input_distribution", input_distribution),
            ("bias_distribution", bias_distribution),
        ):
            setattr(self, name, check_choice(value, name, DISTRIBUTIONS, owner=owner))
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float64, np.float32):
            raise TypeError(f"Reservoir.dtype: expected float64 or float32 (got {self.dtype})")
        self.seed = check_seed(seed, "Reservoir.seed")
        self._input_scaling = input_scaling
        self.n_feedback = check_int(n_feedback, "n_feedback", low=0, owner=owner)
        streams = spawn(seed, 5, "Reservoir.seed")
        self._w_rng, self._win_rng, self._bias_rng, self._wfb_rng, self._noise_rng = streams

        recurrent = self._build_recurrent(n_units, W, graph)
        n = recurrent.shape[0]
        self.n_units = n
        use_dense = (recurrent.density >= 0.5) if sparse is None else not sparse
        self._set_recurrent(recurrent, use_dense)
        self._given = {"W_in": W_in, "bias": bias, "W_fb": W_fb}
        self.W_in: np.ndarray | None = None
        self.bias: np.ndarray | None = None
        self.W_fb: np.ndarray | None = None
        self._state = np.zeros(n, dtype=self.dtype)
        if n_inputs is not None or W_in is not None:
            self.initialize(n_inputs)

    # --- construction ------------------------------------------------------------
    def _build_recurrent(self, n_units, W, graph) -> graphs.CSRGraph:
        if W is not None:
            recurrent = graphs.as_csr(W, "Reservoir.W")
        elif graph is not None:
            if not isinstance(graph, graphs.CSRGraph | nx.Graph):
                raise TypeError(
                    f"Reservoir.graph: expected a networkx graph or CSRGraph (got {type(graph).__name__})"
                )
            structure = (
                graphs.from_networkx(graph, weight=None) if isinstance(graph, nx.Graph) else graph
            )
            recurrent = structure.with_weights(
                _draw(self.weight_distribution, self._w_rng, structure.n_edges)
            )
        else:
            if n_units is None:
                raise ValueError("Reservoir.n_units: required unless W= or graph= is given")
            n_units = check_int(n_units, "n_units", low=1, owner="Reservoir")
            recurrent = graphs.erdos_renyi(
                n_units,
                self.density,
                seed=self._w_rng,
                weight=lambda rng, size: _draw(self.weight_distribution, rng, size),
            )
        n = recurrent.shape[0]
        if recurrent.shape[1] != n:
            raise ValueError(f"Reservoir.W: must be square (got shape {recurrent.shape})")
        if n_units is not None and check_int(n_units, "n_units", low=1, owner="Reservoir") != n:
            raise ValueError(f"Reservoir.n_units: is {n_units} but W has {n} units")
        target = self.spectral_radius
        if target is None and W is None:
            target = 0.9
        if target is not None:
            radius = graphs.spectral_radius(recurrent)
            if radius == 0.0:
                raise ValueError(
                    "Reservoir.W: has spectral radius 0 (an empty or nilpotent graph), so it "
                    "cannot be rescaled to spectral_radius; add edges or raise density"
                )
            recurrent = recurrent.with_weights(recurrent.weights * (target / radius))
        return recurrent

    def _set_recurrent(self, recurrent: graphs.CSRGraph, use_dense: bool) -> None:
        self.W_graph = recurrent
        self._use_dense = bool(use_dense)
        dtype = self.dtype
        if self._use_dense:
            self._dense = np.ascontiguousarray(recurrent.to_dense(), dtype=dtype)
            self._csr = (np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, dtype))
        else:
            self._dense = np.zeros((0, 0), dtype=dtype)
            self._csr = (recurrent.indptr, recurrent.indices, recurrent.weights.astype(dtype))

    def initialize(self, n_inputs: int | None = None) -> Reservoir:
        """Create W_in, bias and W_fb for ``n_inputs`` inputs (done by the first run)."""
        n, owner = self.n_units, "Reservoir"
        given_in = self._given["W_in"]
        if given_in is not None:
            w_in = as_float_array(given_in, "W_in", ndim=2, owner=owner)
            if w_in.shape[0] != n or (n_inputs is not None and w_in.shape[1] != n_inputs):
                raise ValueError(
                    f"Reservoir.W_in: expected shape ({n}, {n_inputs if n_inputs is not None else 'n_inputs'}) "
                    f"(got {w_in.shape})"
                )
        else:
            n_inputs = check_int(n_inputs, "n_inputs", low=0, owner=owner)
            scaling = as_float_array(self._input_scaling, "input_scaling", ndim=(0, 1), owner=owner)
            if scaling.ndim == 1 and scaling.shape != (n_inputs,):
                raise ValueError(
                    f"Reservoir.input_scaling: expected a float or {n_inputs} values (got {scaling.shape})"
                )
            w_in = _sparse_matrix(
                self._win_rng, (n, n_inputs), self.input_density, self.input_distribution
            )
            w_in = w_in * scaling
        if self._given["bias"] is not None:
            bias = as_float_array(self._given["bias"], "bias", ndim=1, owner=owner)
            if bias.shape != (n,):
                raise ValueError(f"Reservoir.bias: expected shape ({n},) (got {bias.shape})")
        else:
            bias = self.bias_scaling * _draw(self.bias_distribution, self._bias_rng, n)
        if self._given["W_fb"] is not None:
            w_fb = as_float_array(self._given["W_fb"], "W_fb", ndim=2, owner=owner)
            if w_fb.shape != (n, self.n_feedback):
                raise ValueError(
                    f"Reservoir.W_fb: expected shape ({n}, {self.n_feedback}) (got {w_fb.shape})"
                )
        else:
            w_fb = self.feedback_scaling * self._wfb_rng.uniform(-1.0, 1.0, (n, self.n_feedback))
        self.W_in = np.ascontiguousarray(w_in, dtype=self.dtype)
        self.bias = np.ascontiguousarray(bias, dtype=self.dtype)
        self.W_fb = np.ascontiguousarray(w_fb, dtype=self.dtype)
        return self

    # --- state ---------------------------------------------------------------------
    @property
    def n_inputs(self) -> int | None:
        return None if self.W_in is None else self.W_in.shape[1]

    @property
    def input_scaling(self):
        return self._input_scaling

    @property
    def W(self):
        """Recurrent weights: a scipy CSR array (sparse storage) or a dense array."""
        return self._dense.copy() if self._use_dense else self.W_graph.to_scipy()

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
        """Set the state to zero (or to ``state``)."""
        if state is None:
            self._state = np.zeros(self.n_units, dtype=self.dtype)
        else:
            self.state = state
        return self

    # --- running -----------------------------------------------------------------------
    def _kernel_weights(self):
        indptr, indices, weights = self._csr
        return (
            np.ascontiguousarray(self.W_in.T),  # kernels read input weights column-wise
            np.ascontiguousarray(self.W_fb.T),
            self.bias,
            indptr,
            indices,
            weights,
            self._dense,
            self._use_dense,
            self.leak_rate,
            _kernels.ACTIVATIONS[self.activation],
        )

    def _use_parallel(self, batch: int) -> bool:
        if self._use_dense and batch == 1:
            # a parallel kernel would replace BLAS's matrix-vector product by Numba's own,
            # which sums in another order: dense single runs stay serial (BLAS threads itself)
            return False
        if self.parallel is not None:
            return bool(self.parallel)
        per_step = (self.n_units**2 if self._use_dense else self.W_graph.n_edges) * batch
        return numba.get_num_threads() > 1 and per_step >= _PARALLEL_WORK

    def _prepare(self, n_inputs: int) -> None:
        if self.W_in is None:
            self.initialize(n_inputs)
        elif n_inputs != self.W_in.shape[1]:
            raise ValueError(
                f"Reservoir.run: expected {self.W_in.shape[1]} input features (got {n_inputs})"
            )

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

    def _run_one(self, inputs, feedback, with_noise: bool, report: Progress) -> np.ndarray:
        """Advance ``self._state`` through one (T, n_in) sequence; returns states (T, n)."""
        n_steps, n = inputs.shape[0], self.n_units
        out = np.empty((n_steps, n), dtype=self.dtype)
        inputs = self._noisy_inputs(inputs, with_noise)
        use_noise = with_noise and self.noise > 0
        chunk = max(1, _CHUNK_VALUES // n) if use_noise else n_steps
        chunk = min(chunk, max(1, int(1e7 // max(self.W_graph.n_edges, n))))  # progress granularity
        no_noise = np.zeros((0, n), dtype=self.dtype)
        weights = self._kernel_weights()
        kernel = _kernels.run_parallel if self._use_parallel(1) else _kernels.run
        for start in range(0, n_steps, chunk):
            stop = min(start + chunk, n_steps)
            step_noise = (
                (self.noise * self._noise_rng.standard_normal((stop - start, n))).astype(self.dtype)
                if use_noise
                else no_noise
            )
            bad = kernel(
                inputs[start:stop],
                feedback[start:stop],
                step_noise,
                *weights,
                self._state,
                out[start:stop],
            )
            if bad >= 0:
                self._raise_diverged(start + bad)
            report.update(stop - start)
        return out

    def _run_batch(self, inputs, feedback, with_noise: bool, report: Progress) -> np.ndarray:
        batch, n_steps, _ = inputs.shape
        n = self.n_units
        states = np.ascontiguousarray(np.repeat(self._state[:, None], batch, axis=1))
        out = np.empty((batch, n_steps, n), dtype=self.dtype)
        inputs_tb = np.ascontiguousarray(self._noisy_inputs(inputs, with_noise).transpose(1, 0, 2))
        feedback_tb = np.ascontiguousarray(feedback.transpose(1, 0, 2))
        use_noise = with_noise and self.noise > 0
        chunk = max(1, _CHUNK_VALUES // (n * batch)) if use_noise else n_steps
        chunk = min(chunk, max(1, int(1e7 // (max(self.W_graph.n_edges, n) * batch))))
        no_noise = np.zeros((0, n, batch), dtype=self.dtype)
        weights = self._kernel_weights()
        kernel = _kernels.run_batch_parallel if self._use_parallel(batch) else _kernels.run_batch
        for start in range(0, n_steps, chunk):
            stop = min(start + chunk, n_steps)
            step_noise = (
                (self.noise * self._noise_rng.standard_normal((stop - start, n, batch))).astype(
                    self.dtype
                )
                if use_noise
                else no_noise
            )
            bad = kernel(
                inputs_tb[start:stop],
                feedback_tb[start:stop],
                step_noise,
                *weights,
                states,
                out[:, start:stop],
            )
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
        n_inputs = data.shape[2] if kind == "batch" else data[0].shape[1]
        self._prepare(n_inputs)
        if reset:
            self.reset()
        if kind == "batch":
            feedback = self._check_feedback(feedback, data.shape[:2])
            work = data.shape[0] * data.shape[1]
            with Progress(
                work,
                progress,
                desc="Reservoir.run",
                auto=work * self.W_graph.n_edges > _AUTO_PROGRESS_WORK,
            ) as report:
                return self._run_batch(data, feedback, with_noise, report)
        if kind == "list":
            if feedback is not None and (
                not isinstance(feedback, list | tuple) or len(feedback) != len(data)
            ):
                raise ValueError(
                    "Reservoir.feedback: expected a list with one array per sequence of X"
                )
            feedbacks = [
                self._check_feedback(None if feedback is None else f, (x.shape[0],))
                for x, f in zip(
                    data, feedback if feedback is not None else [None] * len(data), strict=True
                )
            ]
        else:
            feedbacks = [self._check_feedback(feedback, (data[0].shape[0],))]
        work = sum(x.shape[0] for x in data)
        start_state = self._state.copy()
        results = []
        with Progress(
            work,
            progress,
            desc="Reservoir.run",
            auto=work * self.W_graph.n_edges > _AUTO_PROGRESS_WORK,
        ) as report:
            for k, (inputs, fb) in enumerate(zip(data, feedbacks, strict=True)):
                if k:
                    self._state = start_state.copy()
                results.append(self._run_one(inputs, fb, with_noise, report))
        return results[0] if kind == "single" else results

    # --- saving ---------------------------------------------------------------------
    def _io_state(self):
        if self.W_in is None:
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

    def save(self, path):
        """Save weights, state and configuration to ``path`` (.npz + JSON metadata)."""
        return io.save(self, path, seed=seed_metadata(self.seed))

    @classmethod
    def load(cls, path) -> Reservoir:
        return io.load(path, expected_kind="reservoir.Reservoir")

    def __repr__(self) -> str:
        storage = "dense" if self._use_dense else f"CSR, {self.W_graph.n_edges} edges"
        return (
            f"Reservoir(n_units={self.n_units}, leak_rate={self.leak_rate:g}, "
            f"activation={self.activation!r}, {storage}, dtype={self.dtype.name})"
        )
