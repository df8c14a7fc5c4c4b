"""Liquid state machine (Maass, Natschläger & Markram 2002): a recurrent network of
spiking neurons driven by input currents, read out linearly from its low-pass
filtered spike trains and membrane potentials.

The liquid is a random network of current-based LIF neurons (``iaf_psc_exp``), 80 %
excitatory and 20 % inhibitory, with the paper's membrane (tau_m = 30 ms, threshold
15 mV above rest, reset 13.5 mV, a background current keeping each neuron just below
threshold) and synapses (tau_syn 3 ms excitatory, 6 ms inhibitory; delays 1.5 and
0.8 ms). Connections are drawn with one probability ``p`` (the paper's depend on
distance in a column; its dynamic synapses are static here). Each input value is
held for ``step`` ms as a current ``input_scaling * W_in u`` (pA). The state read
at the end of each step is every neuron's spike train filtered by exp(-t / tau_filter)
and, by default, its membrane potential; standardised, it goes to a ridge readout
(:class:`neurodyn.readouts.Ridge`). Sequences are given one after another, ``gap``
silent steps apart, each read from its mean (or last) state.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from neurodyn._validation import as_float_array, check_choice, check_float, check_int
from neurodyn.progress import ProgressLike
from neurodyn.random import SeedLike, spawn
from neurodyn.readouts import Ridge
from snn.models import LIF
from snn.network import Network

__all__ = ["LiquidStateMachine"]

# Maass et al. (2002): R = 1 MΩ there; here C_m = 30 pF makes R = tau_m / C_m = 1 GΩ, so
# 1 pA moves V by 1 mV and their currents in nA become ours in pA.
MEMBRANE = dict(E_L=0.0, V_th=15.0, V_reset=13.5, tau_m=30.0, C_m=30.0, tau_syn_ex=3.0,
                tau_syn_in=6.0)  # fmt: skip
BACKGROUND = (13.5, 14.5)  # pA, uniform per neuron: just below threshold (15 mV)
DELAYS = (1.5, 0.8)  # ms, from excitatory and from inhibitory neurons


class LiquidStateMachine:
    """A spiking reservoir with a trained linear readout (see the module docstring).

    Parameters
    ----------
    n_neurons : neurons in the liquid (``excitatory_fraction`` of them excitatory).
    p : connection probability between any two neurons.
    weight : pA, excitatory synaptic current; inhibitory synapses are ``-g * weight``.
    input_scaling : pA per unit of input; ``input_density`` of the neurons receive
        each input, with weights uniform in [-1, 1].
    step : ms each input sample is held; the state is read at the end of each step.
    tau_filter : ms, time constant of the filter turning spikes into the state.
    ridge, washout : the readout's regularisation and the steps it skips.
    state : what is read out: ``"spikes"`` (filtered), ``"voltage"`` or ``"both"``.
    summary, gap : sequences: the ``"mean"`` or ``"last"`` state of each; silent steps
        between them.
    dt : ms; seed; progress : a tqdm bar for long runs (None: when long).
    """

    def __init__(
        self,
        n_neurons: int = 500,
        *,
        excitatory_fraction: float = 0.8,
        p: float = 0.1,
        weight: float = 2.0,
        g: float = 2.0,
        input_scaling: float = 40.0,
        input_density: float = 0.3,
        step: float = 10.0,
        tau_filter: float = 20.0,
        ridge: float = 10.0,
        washout: int = 50,
        state: str = "both",
        summary: str = "mean",
        gap: int = 5,
        dt: float = 0.5,
        seed: SeedLike = None,
        progress: ProgressLike = None,
    ) -> None:
        owner = "LiquidStateMachine"
        self.n_neurons = check_int(n_neurons, "n_neurons", low=2, owner=owner)
        self.excitatory_fraction = check_float(
            excitatory_fraction, "excitatory_fraction", low=0.0, high=1.0, owner=owner
        )
        self.p = check_float(p, "p", low=0.0, high=1.0, owner=owner)
        self.weight = check_float(weight, "weight", low=0.0, owner=owner)
        self.g = check_float(g, "g", low=0.0, owner=owner)
        self.input_scaling = check_float(input_scaling, "input_scaling", low=0.0, owner=owner)
        self.input_density = check_float(
            input_density, "input_density", low=0.0, low_open=True, high=1.0, owner=owner
        )
        self.dt = check_float(dt, "dt", low=0.0, low_open=True, owner=owner)
        self.step = check_float(step, "step", low=dt, owner=owner)
        if abs(round(self.step / self.dt) * self.dt - self.step) > 1e-9 * self.step:
            raise ValueError(f"{owner}.step: must be a multiple of dt = {dt:g} ms (got {step:g})")
        self.tau_filter = check_float(tau_filter, "tau_filter", low=0.0, low_open=True, owner=owner)
        self.ridge = check_float(ridge, "ridge", low=0.0, owner=owner)
        self.washout = check_int(washout, "washout", low=0, owner=owner)
        self.state = check_choice(state, "state", ("spikes", "voltage", "both"), owner=owner)
        self.summary = check_choice(summary, "summary", ("mean", "last"), owner=owner)
        self.gap = check_int(gap, "gap", low=0, owner=owner)
        self.seed = seed
        self.progress = progress
        self.readout: Ridge | None = None
        self.W_in_: np.ndarray | None = None
        self._structure_seed, self._input_seed = (
            int(stream.integers(2**63)) for stream in spawn(seed, 2)
        )

    # --- the liquid ------------------------------------------------------------------------
    def states(self, X) -> np.ndarray:
        """The liquid's state at the end of each input step, for inputs ``X`` (T, n_inputs)
        given to a liquid at rest: each neuron's spike train filtered by exp(-t / tau_filter)
        (``state="spikes"``), its membrane potential (mV, ``"voltage"``) or both, side by
        side: (T, n_neurons), or (T, 2 n_neurons) for ``"both"``."""
        X = as_float_array(X, "X", ndim=(2,), owner="LiquidStateMachine")
        if not np.all(np.isfinite(X)):
            raise ValueError("LiquidStateMachine.X: inputs must be finite")
        net, populations = self._liquid(X.shape[1])
        currents = self.input_scaling * X @ self.W_in_.T  # (T, n_neurons) pA
        recorders, voltages = [], []
        for population in populations:
            local = currents[:, population.start : population.stop]
            net.add_current_array(population, local, interval=self.step)
            recorders.append(net.record_spikes(population))
            if self.state in ("voltage", "both"):
                voltages.append(net.record_state(population, "V_m", interval=self.step))
        net.run(X.shape[0] * self.step, progress=self.progress)
        parts = []
        if self.state in ("spikes", "both"):
            times = np.concatenate([r.times for r in recorders])
            neurons = np.concatenate(
                [r.indices + p.start for r, p in zip(recorders, populations, strict=True)]
            )
            parts.append(self._filtered(times, neurons, X.shape[0]))
        if voltages:
            parts.append(np.concatenate([v.values for v in voltages], axis=1))
        return np.concatenate(parts, axis=1)

    def _liquid(self, n_inputs: int) -> tuple[Network, tuple]:
        """A fresh liquid at rest, the same for the same seed every time: (network,
        (excitatory, inhibitory) populations, neurons 0..n_ex-1 and n_ex..n-1)."""
        if self.W_in_ is None or self.W_in_.shape[1] != n_inputs:
            inputs = np.random.default_rng(self._input_seed)
            mask = inputs.random((self.n_neurons, n_inputs)) < self.input_density
            self.W_in_ = np.where(mask, inputs.uniform(-1.0, 1.0, mask.shape), 0.0)
        structure = np.random.default_rng(self._structure_seed)
        net = Network(dt=self.dt, seed=structure)
        n_ex = round(self.excitatory_fraction * self.n_neurons)
        excitatory = net.add_population(n_ex, LIF("exp", t_ref=3.0, **MEMBRANE), name="ex")
        inhibitory = net.add_population(
            self.n_neurons - n_ex, LIF("exp", t_ref=2.0, **MEMBRANE), name="in"
        )
        populations = tuple(p for p in (excitatory, inhibitory) if p.n)
        for pre, weight, delay in (
            (excitatory, self.weight, DELAYS[0]),
            (inhibitory, -self.g * self.weight, DELAYS[1]),
        ):
            for post in populations:
                if pre.n and weight != 0.0:
                    net.connect(pre, post, p=self.p, weight=weight, delay=delay, autapses=False)
        for population in populations:
            net.add_current(population, structure.uniform(*BACKGROUND, population.n))
        return net, populations

    def _filtered(self, times: np.ndarray, neurons: np.ndarray, n_steps: int) -> np.ndarray:
        """Spike trains filtered by exp(-t / tau_filter), read at the end of each step."""
        # a spike at t belongs to the step (k step, (k + 1) step] it was emitted in
        step_of = np.ceil(times / self.step - 1e-9).astype(np.int64) - 1
        step_of = np.clip(step_of, 0, n_steps - 1)
        left = (step_of + 1) * self.step - times  # ms from the spike to its step's end
        jumps = np.zeros((n_steps, self.n_neurons))
        np.add.at(jumps, (step_of, neurons), np.exp(-left / self.tau_filter))
        return lfilter([1.0], [1.0, -np.exp(-self.step / self.tau_filter)], jumps, axis=0)

    # --- readout --------------------------------------------------------------------------
    def fit(self, X, Y) -> LiquidStateMachine:
        """Fit the readout on standardised states.

        A series: ``X`` (T, n_inputs), ``Y`` (T, n_outputs) or (T,); the first
        ``washout`` steps are skipped. Sequences: ``X`` (B, T, n_inputs), ``Y``
        (B, n_outputs) or (B,), one target per sequence read from its ``summary`` state.
        """
        X = np.asarray(X, dtype=np.float64)
        Y = as_float_array(Y, "Y", ndim=(1, 2), owner="LiquidStateMachine.fit")
        Y = Y[:, None] if Y.ndim == 1 else Y
        states = self._states_for(X)
        if Y.shape[0] != states.shape[0]:
            raise ValueError(
                f"LiquidStateMachine.fit.Y: expected {states.shape[0]} rows (got {Y.shape[0]})"
            )
        skip = self.washout if X.ndim == 2 else 0
        if skip >= states.shape[0]:
            raise ValueError(
                f"LiquidStateMachine.washout: {skip} steps leave nothing of {states.shape[0]} to fit"
            )
        states = states[skip:]
        self.mean_, self.scale_ = states.mean(axis=0), states.std(axis=0)
        self.scale_[self.scale_ == 0.0] = 1.0  # silent neurons
        self.readout = Ridge(self.ridge).fit((states - self.mean_) / self.scale_, Y[skip:])
        return self

    def predict(self, X, *, warmup=None) -> np.ndarray:
        """Outputs for a series ``X`` (T, n_inputs) → (T, n_outputs), the liquid first driven
        by ``warmup`` (T0, n_inputs) inputs when given; or for sequences (B, T, n_inputs) →
        (B, n_outputs)."""
        if self.readout is None:
            raise RuntimeError("LiquidStateMachine: call fit() before predict()")
        X = np.asarray(X, dtype=np.float64)
        n_warmup = 0
        if warmup is not None:
            if X.ndim != 2:
                raise ValueError("LiquidStateMachine.predict.warmup: for a series (2-d X) only")
            warmup = as_float_array(warmup, "warmup", ndim=(2,), owner="LiquidStateMachine")
            X, n_warmup = np.concatenate([warmup, X]), warmup.shape[0]
        states = self._states_for(X)[n_warmup:]
        return self.readout.predict((states - self.mean_) / self.scale_)

    def _states_for(self, X: np.ndarray) -> np.ndarray:
        if X.ndim == 2:
            return self.states(X)
        if X.ndim == 3:
            return self.summarize(X, self.summary)
        raise ValueError(
            f"LiquidStateMachine.X: expected a series (T, n_inputs) or sequences "
            f"(B, T, n_inputs) (got shape {X.shape})"
        )

    def summarize(self, sequences, how: str = "mean") -> np.ndarray:
        """One state per sequence (B, n_features) for ``sequences`` (B, T, n_inputs): the
        sequences are given one after another, each after ``gap`` silent steps, and each
        gives its ``"mean"`` or ``"last"`` state."""
        check_choice(how, "how", ("mean", "last"), owner="LiquidStateMachine.summarize")
        sequences = np.asarray(sequences, dtype=np.float64)
        if sequences.ndim != 3:
            raise ValueError(
                f"LiquidStateMachine.summarize.sequences: expected (B, T, n_inputs) "
                f"(got shape {sequences.shape})"
            )
        batch, length, n_inputs = sequences.shape
        gap = self.gap
        padded = np.concatenate([np.zeros((batch, gap, n_inputs)), sequences], axis=1)
        states = self.states(padded.reshape(-1, n_inputs)).reshape(batch, gap + length, -1)
        shown = states[:, gap:]
        return shown.mean(axis=1) if how == "mean" else shown[:, -1]
