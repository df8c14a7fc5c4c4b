"""Echo state network: a reservoir plus a trained linear readout."""

from __future__ import annotations

import numpy as np

from neurodyn import io
from neurodyn._validation import as_float_array, as_sequences, check_choice, check_int
from neurodyn.errors import NotFittedError, SimulationError
from neurodyn.progress import Progress, ProgressLike
from neurodyn.random import seed_metadata
from neurodyn.readouts import RLS, Ridge
from reservoir import _kernels
from reservoir._kernels import ClosedLoop, Readout
from reservoir.reservoir import Reservoir, reservoir_parameters

__all__ = ["ESN"]

_SET_BY_ESN = ("n_feedback",)  # reservoir arguments the ESN chooses itself


@io.register("reservoir.ESN")
class ESN(io.Saveable):
    """Echo state network (Jaeger 2001): a fixed random reservoir and a linear readout.

    The readout maps features [x(t)] (or [x(t); u(t)] with ``readout_input``)
    to y(t). Offline training (``fit``) uses ridge regression; online training
    (``partial_fit``) uses recursive least squares, which with ``feedback=True``
    is FORCE learning.

    Parameters
    ----------
    n_units : int, optional
        Reservoir size: 100 by default, or taken from ``W`` / ``graph``.
    ridge : float
        Ridge regularisation of the offline readout.
    washout : int
        Leading steps of every training sequence left out of the fit.
    readout : {"ridge", "rls"} or a Ridge / RLS instance
        The readout; ``"rls"`` allows ``partial_fit``.
    readout_input : bool
        Feed the input u(t) to the readout as well as the state.
    feedback : bool
        Feed the output back into the reservoir through W_fb (teacher-forced
        during ``fit``; the network's own output during ``predict``,
        ``generate`` and ``partial_fit``).
    rls_alpha, rls_forgetting : float
        Parameters of the ``"rls"`` readout (see :class:`~neurodyn.readouts.RLS`).
    **reservoir
        Every keyword argument of :class:`Reservoir` (spectral_radius, leak_rate,
        input_scaling, density, input_density, bias_scaling, activation, noise,
        input_noise, feedback_scaling, the distributions, W, graph, W_in, bias,
        W_fb, sparse, parallel, dtype, seed), with its defaults; that class is
        their one definition. Noise is applied while fitting only.
    """

    def __init__(
        self,
        n_units: int | None = None,
        *,
        ridge: float = 1e-6,
        washout: int = 0,
        readout: str | Ridge | RLS = "ridge",
        readout_input: bool = False,
        feedback: bool = False,
        rls_alpha: float = 1.0,
        rls_forgetting: float = 1.0,
        **reservoir,
    ) -> None:
        valid = [name for name in reservoir_parameters() if name not in _SET_BY_ESN]
        unknown = sorted(set(reservoir) - set(valid))
        if unknown:
            raise TypeError(
                f"ESN: unknown parameter(s) {unknown}; the reservoir's are {', '.join(valid)}"
            )
        self._reservoir_args = reservoir
        self.n_units = n_units
        self.washout = check_int(washout, "washout", low=0, owner="ESN")
        self.ridge = ridge
        self.readout_input = bool(readout_input)
        self.feedback = bool(feedback)
        if isinstance(readout, str):
            check_choice(readout, "readout", ("ridge", "rls"), owner="ESN")
            readout = Ridge(ridge) if readout == "ridge" else RLS(rls_alpha, rls_forgetting)
        elif not isinstance(readout, Ridge | RLS):
            raise TypeError(
                f"ESN.readout: expected 'ridge', 'rls', a Ridge or an RLS (got {readout!r})"
            )
        self.readout = readout
        self._reservoir: Reservoir | None = None
        self.n_outputs_: int | None = None
        self._last_input: np.ndarray | None = None
        self._last_output: np.ndarray | None = None
        self._pending = False  # is the readout of the current state still to be emitted?
        if not self.feedback:
            self._build_reservoir(0)

    # --- parts ---------------------------------------------------------------------
    def _build_reservoir(self, n_feedback: int) -> None:
        given = any(self._reservoir_args.get(name) is not None for name in ("W", "graph"))
        n_units = self.n_units if self.n_units is not None or given else 100
        self._reservoir = Reservoir(n_units, n_feedback=n_feedback, **self._reservoir_args)
        self.n_units = self._reservoir.n_units

    @property
    def reservoir(self) -> Reservoir:
        """The :class:`Reservoir` (built at the first fit when ``feedback=True``)."""
        if self._reservoir is None:
            raise NotFittedError(
                "ESN.reservoir: with feedback=True the reservoir is built by fit()"
            )
        return self._reservoir

    @property
    def is_fitted(self) -> bool:
        return hasattr(self.readout, "coef_")

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError("ESN: call fit() (or partial_fit()) first")

    def reset(self) -> ESN:
        """Zero the reservoir state and the remembered last input and output."""
        if self._reservoir is not None:
            self._reservoir.reset()
        self._last_input = self._last_output = None
        self._pending = False
        return self

    def _features(self, states: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        if self.readout_input:
            return np.concatenate([states, inputs.astype(states.dtype)], axis=-1)
        return states

    def _previous_output(self) -> np.ndarray:
        if self._last_output is None:
            return np.zeros(self.n_outputs_)
        return self._last_output

    def _teacher_feedback(self, targets: np.ndarray) -> np.ndarray:
        """Row t is the target of step t-1: what the output should have been."""
        return np.vstack([self._previous_output()[None, :], targets[:-1]])

    # --- offline training --------------------------------------------------------------
    def fit(self, X, Y, *, progress: ProgressLike = None) -> ESN:
        """Train the readout by ridge regression (or RLS over the whole data).

        Parameters
        ----------
        X : array (T, n_inputs), list of such arrays, or (B, T, n_inputs)
        Y : targets with the same layout, n_outputs columns
            ``Y[t]`` is the desired output once ``X[t]`` has been read.

        Every sequence starts from the zero state; the first ``washout`` steps of
        each are not fitted. Afterwards the reservoir holds the final state of the
        last sequence, so ``predict`` on the data that follows continues
        seamlessly.
        """
        _kind_x, xs = as_sequences(X, "X", owner="ESN")
        _kind_y, ys = as_sequences(Y, "Y", owner="ESN")
        xs, ys = list(xs), list(ys)
        if len(xs) != len(ys):
            raise ValueError(f"ESN.fit: X has {len(xs)} sequences but Y has {len(ys)}")
        for k, (x, y) in enumerate(zip(xs, ys, strict=True)):
            if x.shape[0] != y.shape[0]:
                raise ValueError(
                    f"ESN.fit: sequence {k} has {x.shape[0]} steps in X but {y.shape[0]} in Y"
                )
            if x.shape[0] <= self.washout:
                raise ValueError(f"ESN.washout: {self.washout} steps leave nothing of sequence {k}")
        n_outputs = ys[0].shape[1]
        if self.feedback and (self._reservoir is None or self._reservoir.n_feedback != n_outputs):
            self._build_reservoir(n_outputs)
        self.n_outputs_ = n_outputs
        reservoir = self.reservoir
        self.readout.reset()
        washout = self.washout
        total = sum(x.shape[0] for x in xs)
        with Progress(
            total, progress, desc="ESN.fit", auto=total * max(reservoir.W_graph.n_edges, 1) > 2e10
        ) as report:
            for x, y in zip(xs, ys, strict=True):
                self.reset()
                feedback = self._teacher_feedback(y) if self.feedback else None
                states = reservoir.run(x, feedback=feedback, with_noise=True, progress=False)
                features = self._features(states, x)
                if isinstance(self.readout, Ridge):
                    self.readout.accumulate(features[washout:], y[washout:])
                else:
                    self.readout.partial_fit(features[washout:], y[washout:])
                report.update(x.shape[0])
        if isinstance(self.readout, Ridge):
            self.readout.solve()
        self._last_input, self._last_output = xs[-1][-1].copy(), ys[-1][-1].copy()
        self._pending = False
        return self

    # --- online training -------------------------------------------------------------------
    def partial_fit(self, X, Y) -> ESN:
        """Online training with the RLS readout, continuing from the current state.

        Without feedback the reservoir is driven by X and RLS learns from its
        states. With ``feedback=True`` this is FORCE learning: the reservoir is
        driven by the readout's own output while RLS corrects it at every step.
        """
        if not isinstance(self.readout, RLS):
            raise TypeError("ESN.partial_fit: needs readout='rls' (ridge is an offline readout)")
        kind_x, xs = as_sequences(X, "X", owner="ESN")
        kind_y, ys = as_sequences(Y, "Y", owner="ESN")
        if kind_x != "single" or kind_y != "single":
            raise ValueError("ESN.partial_fit: expects one (T, n) sequence of X and of Y per call")
        x, y = xs[0], ys[0]
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"ESN.partial_fit: X has {x.shape[0]} steps but Y has {y.shape[0]}")
        if self.n_outputs_ is None:
            self.n_outputs_ = y.shape[1]
            if self.feedback:
                self._build_reservoir(y.shape[1])
        elif y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"ESN.partial_fit: expected {self.n_outputs_} outputs (got {y.shape[1]})"
            )
        if self.feedback:
            # FORCE feeds back the network's own output, so the next chunk continues from it
            last_output = self._force(x, y)
        else:
            states = self.reservoir.run(x, with_noise=True, progress=False)
            self.readout.partial_fit(self._features(states, x), y)
            last_output = y[-1].copy()
        self._last_input, self._last_output = x[-1].copy(), last_output
        self._pending = False
        return self

    def _force(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """FORCE over one chunk; returns the network's last output (fed back next)."""
        if self.readout_input:
            raise ValueError(
                "ESN.partial_fit: FORCE (feedback=True) does not support readout_input"
            )
        reservoir, readout = self.reservoir, self.readout
        drive = reservoir.drive(x, np.zeros((x.shape[0], reservoir.n_feedback)), with_noise=True)
        learned = readout.state_
        if learned is None:
            learned = readout.begin(reservoir.n_units, y.shape[1])
        y_prev = self._previous_output().astype(np.float64)
        state = reservoir.state
        bad = _kernels.force(
            reservoir.compile(),
            drive,
            y,
            learned,
            readout.forgetting,
            y_prev,
            state,
            np.empty_like(y),
        )
        reservoir.state = state
        if bad >= 0:
            raise SimulationError(
                f"ESN.partial_fit: FORCE learning diverged at step {bad}; raise rls_alpha"
            )
        return y_prev

    # --- running --------------------------------------------------------------------------
    def predict(self, X, *, reset: bool = False, progress: ProgressLike = None):
        """Outputs driven by X: (T, n_outputs) for (T, n_inputs); lists and batches alike.

        Continues from the current reservoir state unless ``reset=True``. With
        feedback, the network's own previous output is fed back.
        """
        self._check_fitted()
        reservoir = self.reservoir
        if reset:
            self.reset()
        kind, xs = as_sequences(X, "X", n_features=reservoir.n_inputs, owner="ESN")
        if self.feedback:
            if kind != "single":
                raise ValueError("ESN.predict: with feedback=True, pass one (T, n_inputs) sequence")
            outputs = self._predict_with_feedback(xs[0])
        else:
            states = reservoir.run(
                X if kind != "single" else xs[0], with_noise=False, progress=progress
            )
            if kind == "single":
                outputs = self.readout.predict(self._features(states, xs[0]))
            elif kind == "batch":
                outputs = self.readout.predict(self._features(states, xs))
            else:
                outputs = [
                    self.readout.predict(self._features(s, x))
                    for s, x in zip(states, xs, strict=True)
                ]
        last_x = xs[-1][-1]
        last_y = outputs[-1][-1] if kind != "single" else outputs[-1]
        self._last_input, self._last_output = np.array(last_x), np.array(last_y)
        self._pending = False
        return outputs

    def _readout_bundle(self) -> Readout:
        coef = np.ascontiguousarray(self.readout.coef_)
        n = self.reservoir.n_units
        return Readout(
            np.ascontiguousarray(coef[:, :n]),
            np.ascontiguousarray(coef[:, n:]),
            np.ascontiguousarray(self.readout.intercept_, dtype=np.float64),
        )

    def _loop(self, n_steps, u_last, exogenous, close_input: bool, record_states: bool):
        reservoir = self.reservoir
        out_y = np.empty((n_steps, self.n_outputs_))
        out_x = np.empty(
            (n_steps if record_states else 0, reservoir.n_units), dtype=reservoir.dtype
        )
        state = reservoir.state
        bad = _kernels.generate(
            reservoir.compile(),
            self._readout_bundle(),
            ClosedLoop(close_input, self.feedback, exogenous),
            np.array(u_last, dtype=reservoir.dtype),
            state,
            out_y,
            out_x,
        )
        reservoir.state = state
        if bad >= 0:
            raise SimulationError(f"ESN: the closed loop diverged at step {bad}")
        return out_y, out_x

    def _predict_with_feedback(self, x: np.ndarray) -> np.ndarray:
        reservoir = self.reservoir
        u_last = self._last_input if self._last_input is not None else np.zeros(reservoir.n_inputs)
        exogenous = np.ascontiguousarray(x, dtype=reservoir.dtype)
        emitted, _ = self._loop(x.shape[0], u_last, exogenous, False, False)
        w_out, w_out_in, b_out = self._readout_bundle()
        final = w_out @ reservoir.state + w_out_in @ x[-1] + b_out
        return np.vstack([emitted[1:], final[None, :]])

    def generate(
        self, n_steps: int, *, warmup=None, reset: bool = False, return_states: bool = False
    ):
        """Run in closed loop on the network's own output for ``n_steps`` steps.

        Two kinds of network can generate:

        * a forecaster without feedback whose outputs are its next inputs
          (n_outputs == n_inputs): ``warmup`` (T, n_inputs) is the true series,
          read to set the state; output k is the forecast k + 1 steps past its end;
        * an input-free network with ``feedback=True``: ``warmup`` (T, n_outputs)
          is the true output history, fed back teacher-forced.

        Without ``warmup`` generation continues where the network stopped:
        after ``fit`` or ``predict`` the first output is the step after the last
        one they returned (their last output is fed back first); after
        ``generate`` it is the step after the last generated one. Returns
        (n_steps, n_outputs), and the states (n_steps, n_units) too if
        ``return_states``.
        """
        self._check_fitted()
        n_steps = check_int(n_steps, "n_steps", low=1, owner="ESN")
        reservoir = self.reservoir
        if reset:
            self.reset()
        n_in = reservoir.n_inputs
        if self.feedback:
            if n_in:
                raise ValueError(
                    "ESN.generate: with feedback=True only input-free networks can generate"
                )
            if warmup is not None:
                history = as_float_array(warmup, "warmup", ndim=2, owner="ESN")
                if history.shape[1] != self.n_outputs_:
                    raise ValueError(
                        f"ESN.warmup: expected {self.n_outputs_} columns (got {history.shape[1]})"
                    )
                reservoir.run(
                    np.zeros((history.shape[0], 0)),
                    feedback=history,
                    with_noise=False,
                    progress=False,
                )
                self._last_output = history[-1].copy()
                self._pending = True
            u_last = np.zeros(0)
            close_input = False
        else:
            if n_in != self.n_outputs_:
                raise ValueError(
                    f"ESN.generate: outputs ({self.n_outputs_}) must match inputs ({n_in}) to close the loop"
                )
            if warmup is not None:
                series = as_float_array(warmup, "warmup", ndim=2, owner="ESN")
                if series.shape[1] != n_in:
                    raise ValueError(f"ESN.warmup: expected {n_in} columns (got {series.shape[1]})")
                reservoir.run(series, with_noise=False, progress=False)
                self._last_input = series[-1].copy()
                self._pending = True
            if self._last_input is None:
                raise ValueError("ESN.generate: pass warmup= (no input has been read yet)")
            u_last = self._last_input
            close_input = True
        # The loop emits the readout of the current state first; drop it when fit or
        # predict has already returned it.
        skip = 0 if self._pending else 1
        exogenous = np.zeros((n_steps + skip, 0), dtype=reservoir.dtype)
        outputs, states = self._loop(n_steps + skip, u_last, exogenous, close_input, return_states)
        outputs, states = outputs[skip:], states[skip:]
        self._pending = True
        self._last_output = outputs[-1].copy()
        if close_input:
            self._last_input = outputs[-1].copy()
        return (outputs, states) if return_states else outputs

    # --- saving ----------------------------------------------------------------------------
    def _io_state(self):
        self._check_fitted()
        reservoir_arrays, reservoir_config = io.state_of(self.reservoir)
        readout_arrays, readout_config = io.state_of(self.readout)
        arrays = {f"reservoir.{k}": v for k, v in reservoir_arrays.items()}
        arrays |= {f"readout.{k}": v for k, v in readout_arrays.items()}
        if self._last_input is not None:
            arrays["last_input"] = self._last_input
        if self._last_output is not None:
            arrays["last_output"] = self._last_output
        config = {
            "reservoir": reservoir_config,
            "readout": readout_config,
            "readout_kind": type(self.readout).__name__,
            "washout": self.washout,
            "readout_input": self.readout_input,
            "feedback": self.feedback,
            "n_outputs": self.n_outputs_,
            "pending": self._pending,
        }
        return arrays, config

    @classmethod
    def _from_io_state(cls, arrays, config) -> ESN:
        def part(prefix):
            return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}

        readout_cls = {"Ridge": Ridge, "RLS": RLS}[config["readout_kind"]]
        esn = cls(
            None,
            washout=config["washout"],
            readout=io.from_state(readout_cls, part("readout."), config["readout"]),
            readout_input=config["readout_input"],
            feedback=True,
        )
        esn.feedback = config["feedback"]
        esn._reservoir = io.from_state(Reservoir, part("reservoir."), config["reservoir"])
        esn.n_units = esn._reservoir.n_units
        esn.n_outputs_ = config["n_outputs"]
        esn._last_input = arrays.get("last_input")
        esn._last_output = arrays.get("last_output")
        esn._pending = bool(config.get("pending", False))
        return esn

    def _io_seed(self):
        return seed_metadata(self._reservoir_args.get("seed"))

    def __repr__(self) -> str:
        status = "fitted" if self.is_fitted else "not fitted"
        return f"ESN(n_units={self.n_units}, readout={type(self.readout).__name__}, {status})"
