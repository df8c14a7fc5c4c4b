"""Neuron models with NEST's semantics, parameter names, units and defaults.

========================  ==================  =====================================================
ours                      NEST                integration on the clock driver
========================  ==================  =====================================================
``LIF(synapse="delta")``  ``iaf_psc_delta``   exact (propagators of the linear ODE), NEST's update
``LIF(synapse="exp")``    ``iaf_psc_exp``     exact (Rotter & Diesmann 1999 propagators, NEST's)
``LIFCond``               ``iaf_cond_exp``    classical RK4 per step, conductances decayed exactly
``AdEx``                  ``aeif_cond_exp``   adaptive Runge–Kutta–Fehlberg 4(5), GSL's controller
``Izhikevich``            ``izhikevich``      NEST's forward Euler (``consistent_integration``)
========================  ==================  =====================================================

Units are NEST's: time ms, voltage mV, current pA, conductance nS, capacitance pF.
Every model is a description: it validates its parameters when built (an unknown
name lists the valid ones) and compiles into one row of coefficients per
population (:meth:`NeuronModel.coefficients`), the kernels' only view of it.

The parameter table of each model (name, unit, default, meaning) is
``Model.parameter_table()``; ``docs/snn.md`` prints all of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neurodyn._validation import check_choice, check_float

__all__ = [
    "LIF",
    "MODEL_CODES",
    "N_COEFFICIENTS",
    "N_VARIABLES",
    "AdEx",
    "Izhikevich",
    "LIFCond",
    "NeuronModel",
    "Parameter",
]

# Model codes the kernels branch on (one per population, never a callable).
LIF_DELTA, LIF_EXP, LIF_COND, IZHIKEVICH, ADEX = 0, 1, 2, 3, 4
MODEL_CODES = {
    "iaf_psc_delta": LIF_DELTA,
    "iaf_psc_exp": LIF_EXP,
    "iaf_cond_exp": LIF_COND,
    "izhikevich": IZHIKEVICH,
    "aeif_cond_exp": ADEX,
}
N_VARIABLES = 5  # rows of the state array: V, synapse ex, synapse in, fourth variable, RKF45 step
N_COEFFICIENTS = 20
_INF = math.inf


@dataclass(frozen=True)
class Parameter:
    """One model parameter: NEST's name, unit, default and the interval it must lie in."""

    name: str
    unit: str
    default: float
    doc: str
    low: float | None = None
    low_open: bool = False
    in_nest: bool = True  # False: our extension, left out of what NEST is given


@dataclass(frozen=True)
class Variable:
    """A state variable: NEST's recordable name, unit, row of the state array, and whether
    the kernel stores it relative to E_L (NEST does so for the current-based LIF models)."""

    name: str
    unit: str
    row: int
    relative_to_rest: bool = False
    in_nest: bool = True


def _time(name, default, doc, low=0.0, low_open=True):
    return Parameter(name, "ms", default, doc, low, low_open)


class NeuronModel:
    """Base of the neuron models: parameters by NEST's names, validated on construction.

    Subclasses list ``PARAMETERS`` and ``VARIABLES`` and implement
    :meth:`coefficients` (the kernel's constants for a time step ``dt``).
    """

    nest_model: str = ""
    PARAMETERS: tuple[Parameter, ...] = ()
    VARIABLES: tuple[Variable, ...] = ()

    def __init__(self, **params) -> None:
        known = {p.name: p for p in self.PARAMETERS}
        unknown = sorted(set(params) - set(known))
        if unknown:
            valid = ", ".join(known)
            raise TypeError(
                f"{type(self).__name__}: unknown parameter(s) {', '.join(map(repr, unknown))}; "
                f"valid names are {valid}"
            )
        values = {}
        for name, spec in known.items():
            value = params.get(name, spec.default)
            unbounded = value == spec.default and not math.isfinite(spec.default)  # V_min = -inf
            values[name] = (
                spec.default
                if unbounded
                else check_float(
                    value, name, low=spec.low, low_open=spec.low_open, owner=type(self).__name__
                )
            )
        self._params = values
        self._check()

    # --- description ----------------------------------------------------------------
    def _check(self) -> None:
        """Constraints between parameters (NEST's ``BadProperty`` checks)."""

    @property
    def params(self) -> dict[str, float]:
        """The parameters by NEST's names (a copy)."""
        return dict(self._params)

    def __getattr__(self, name: str):
        params = self.__dict__.get("_params")
        if params is not None and name in params:
            return params[name]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def __repr__(self) -> str:
        changed = {
            p.name: self._params[p.name]
            for p in self.PARAMETERS
            if self._params[p.name] != p.default
        }
        inner = ", ".join(f"{k}={v:g}" for k, v in changed.items())
        return f"{type(self).__name__}({inner})"

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.config() == self.config()

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(self.config().items()))))

    def config(self) -> dict:
        """What rebuilds this model: ``type(model)(**config)`` (JSON-serialisable)."""
        return {k: (None if not math.isfinite(v) else v) for k, v in self._params.items()}

    @classmethod
    def from_config(cls, config: dict) -> NeuronModel:
        return cls(**{k: v for k, v in config.items() if v is not None})

    @classmethod
    def parameter_table(cls) -> list[tuple[str, str, str, float, str]]:
        """Rows (our name, NEST's name, unit, default, meaning); the names are NEST's."""
        return [(p.name, p.name, p.unit, p.default, p.doc) for p in cls.PARAMETERS]

    # --- what the network and the kernels need -----------------------------------------
    @property
    def code(self) -> int:
        return MODEL_CODES[self.nest_model]

    def variable(self, name: str) -> Variable:
        """The recordable state variable ``name`` (NEST's name), listing the valid ones."""
        for variable in self.VARIABLES:
            if variable.name == name:
                return variable
        valid = ", ".join(repr(v.name) for v in self.VARIABLES)
        raise ValueError(f"variable: {type(self).__name__} records {valid} (got {name!r})")

    @property
    def rest(self) -> float:
        """The potential the kernel's relative variables are measured from (E_L)."""
        return self._params.get("E_L", 0.0)

    def default_state(self) -> dict[str, float]:
        """Initial value of each state variable, as NEST initialises it (ours start at 0
        without being set: setting draws a random stream, and one more would change what
        a seed gives every later component)."""
        return {v.name: 0.0 for v in self.VARIABLES if v.in_nest} | {"V_m": self.rest}

    def refractory_steps(self, dt: float) -> int:
        """t_ref in whole steps of ``dt`` (rounded to the nearest, as NEST's Time does)."""
        return round(self._params.get("t_ref", 0.0) / dt)

    def coefficients(self, dt: float) -> np.ndarray:
        """The kernel's constants for steps of ``dt`` ms, shape (N_COEFFICIENTS,)."""
        raise NotImplementedError

    def nest_params(self) -> dict[str, float | bool]:
        """The parameters as NEST's ``SetStatus`` takes them (switches as booleans)."""
        switches = ("refractory_input", "consistent_integration")
        ours = {p.name for p in self.PARAMETERS if not p.in_nest}
        return {
            k: (bool(v) if k in switches else v)
            for k, v in self._params.items()
            if math.isfinite(v) and k not in ours
        }


def _pad(values) -> np.ndarray:
    out = np.zeros(N_COEFFICIENTS)
    out[: len(values)] = values
    return out


_LIF_COMMON = (
    Parameter("E_L", "mV", -70.0, "resting potential"),
    Parameter("C_m", "pF", 250.0, "membrane capacitance", 0.0, True),
    _time("tau_m", 10.0, "membrane time constant"),
    _time("t_ref", 2.0, "absolute refractory period", low_open=False),
    Parameter("V_th", "mV", -55.0, "spike threshold"),
    Parameter("V_reset", "mV", -70.0, "reset potential"),
    Parameter("I_e", "pA", 0.0, "constant external current"),
)


class LIF(NeuronModel):
    """Leaky integrate-and-fire with current-based synapses.

    ``synapse="delta"`` is NEST's ``iaf_psc_delta``: a spike of weight w (mV)
    makes V jump by w in the step it arrives; spikes arriving while refractory
    are dropped (unless ``refractory_input=1``, then they are added, decayed, when
    the refractory period ends). ``synapse="exp"`` is ``iaf_psc_exp``: weights
    are currents (pA) with exponential decay ``tau_syn_ex`` / ``tau_syn_in``,
    positive weights into the excitatory synapse, negative into the inhibitory.

    Both are integrated exactly on the grid with NEST's propagators, so traces
    agree with NEST to rounding. V is stored relative to E_L, as NEST does.
    """

    def __init__(self, synapse: str = "delta", **params) -> None:
        self.synapse = check_choice(synapse, "synapse", ("delta", "exp"), owner="LIF")
        self.nest_model = "iaf_psc_delta" if synapse == "delta" else "iaf_psc_exp"
        self.PARAMETERS = _LIF_COMMON + (
            (
                Parameter("V_min", "mV", -_INF, "lower bound of V (none by default)"),
                Parameter("refractory_input", "", 0.0, "1: keep spikes arriving while refractory"),
            )
            if synapse == "delta"
            else (
                _time("tau_syn_ex", 2.0, "excitatory synaptic time constant"),
                _time("tau_syn_in", 2.0, "inhibitory synaptic time constant"),
            )
        )
        self.VARIABLES = (
            (Variable("V_m", "mV", 0, True),)
            if synapse == "delta"
            else (
                Variable("V_m", "mV", 0, True),
                Variable("I_syn_ex", "pA", 1),
                Variable("I_syn_in", "pA", 2),
            )
        )
        super().__init__(**params)

    def _check(self) -> None:
        if self.V_reset >= self.V_th:
            raise ValueError(
                f"LIF.V_reset: must be below V_th = {self.V_th:g} mV (got {self.V_reset:g})"
            )
        if self.synapse == "delta" and self.refractory_input not in (0.0, 1.0):
            raise ValueError("LIF.refractory_input: expected 0 or 1")

    def config(self) -> dict:
        return super().config() | {"synapse": self.synapse}

    @classmethod
    def from_config(cls, config: dict) -> LIF:
        return cls(**{k: v for k, v in config.items() if v is not None})

    def __repr__(self) -> str:
        inner = super().__repr__()[len("LIF(") : -1]
        return f"LIF(synapse={self.synapse!r}{', ' if inner else ''}{inner})"

    def coefficients(self, dt: float) -> np.ndarray:
        p = self._params
        tau, c_m, rest = p["tau_m"], p["C_m"], p["E_L"]
        decay = math.exp(-dt / tau)
        current = tau / c_m * (1.0 - decay)  # NEST writes 1 - exp, not -expm1
        relative = (p["V_th"] - rest, p["V_reset"] - rest)
        if self.synapse == "delta":
            v_min = p["V_min"] - rest if math.isfinite(p["V_min"]) else -np.finfo(float).max
            return _pad(
                (decay, current, p["I_e"], *relative, v_min, p["refractory_input"], dt / tau)
            )
        ex, inh = p["tau_syn_ex"], p["tau_syn_in"]
        return _pad(
            (
                decay,
                current,
                psc_exp_propagator(ex, tau, c_m, dt),
                psc_exp_propagator(inh, tau, c_m, dt),
                math.exp(-dt / ex),
                math.exp(-dt / inh),
                p["I_e"],
                *relative,
            )
        )


def psc_exp_propagator(tau_syn: float, tau_m: float, c_m: float, h: float) -> float:
    """P21: the voltage response after ``h`` ms to a unit current in an exponential synapse.

    NEST's stable form (``IAFPropagatorExp``): γ e^{-h/τs} expm1(h/β) with
    β = τs τm / (τm - τs), γ = β / C; where that is not a positive normal number
    (τs = τm, or cancellation) the singular limit h/C e^{-h/τm}.
    """
    beta_inverse = (tau_m - tau_syn) / (tau_syn * tau_m)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        gamma = np.float64(1.0) / beta_inverse / c_m
        value = float(gamma * math.exp(-h / tau_syn) * math.expm1(h * beta_inverse))
    if math.isfinite(value) and value > 0.0 and abs(value) >= np.finfo(float).tiny:
        return value
    return h / c_m * math.exp(-h / tau_m)


class LIFCond(NeuronModel):
    """Conductance-based LIF with exponential synaptic conductances: NEST's ``iaf_cond_exp``.

    C dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I(t);
    dg/dt = -g/τ. A spike of weight w > 0 adds w nS to g_ex, w < 0 adds -w to g_in.
    While refractory V is held at V_reset; outside, the currents see
    min(V, V_th) as NEST's do.

    Homeostatic threshold (ours, not NEST's; off by default): with ``theta_plus``
    > 0 each spike raises the threshold by ``theta_plus`` mV, and the rise
    ``theta`` decays back with ``tau_theta`` ms, so a neuron fires at
    V >= V_th + theta (Diehl & Cook 2015's adaptive threshold). ``theta`` is a
    state variable (settable, recordable); the currents still see min(V, V_th).

    Integration (clock driver): one classical Runge–Kutta step of ``dt`` for V
    with the conductances at the stage times taken exactly (they decay
    exponentially), then the conductances decayed exactly. Fourth order in dt: at
    dt = 0.1 ms it agrees with NEST's adaptive RKF45 (absolute tolerance 1e-3 mV)
    to about 1e-6 mV between spikes. RK4 is stable while dt (g_L + g_ex + g_in) / C_m
    < 2.78; a step beyond that diverges and the run stops with a SimulationError.
    """

    nest_model = "iaf_cond_exp"
    PARAMETERS = (
        Parameter("V_th", "mV", -55.0, "spike threshold"),
        Parameter("V_reset", "mV", -60.0, "reset potential"),
        _time("t_ref", 2.0, "absolute refractory period", low_open=False),
        Parameter("g_L", "nS", 16.6667, "leak conductance", 0.0),
        Parameter("C_m", "pF", 250.0, "membrane capacitance", 0.0, True),
        Parameter("E_ex", "mV", 0.0, "excitatory reversal potential"),
        Parameter("E_in", "mV", -85.0, "inhibitory reversal potential"),
        Parameter("E_L", "mV", -70.0, "leak reversal potential"),
        _time("tau_syn_ex", 0.2, "excitatory synaptic time constant"),
        _time("tau_syn_in", 2.0, "inhibitory synaptic time constant"),
        Parameter("I_e", "pA", 0.0, "constant external current"),
        Parameter(
            "theta_plus", "mV", 0.0, "threshold rise per spike (ours; 0: off)", 0.0, False, False
        ),
        Parameter(
            "tau_theta", "ms", 1e7, "decay time of the threshold rise (ours)", 0.0, True, False
        ),
    )
    VARIABLES = (
        Variable("V_m", "mV", 0),
        Variable("g_ex", "nS", 1),
        Variable("g_in", "nS", 2),
        Variable("theta", "mV", 3, in_nest=False),
    )

    def _check(self) -> None:
        if self.V_reset >= self.V_th:
            raise ValueError(
                f"LIFCond.V_reset: must be below V_th = {self.V_th:g} mV (got {self.V_reset:g})"
            )

    def coefficients(self, dt: float) -> np.ndarray:
        p = self._params
        half_ex, half_in = (
            math.exp(-0.5 * dt / p["tau_syn_ex"]),
            math.exp(-0.5 * dt / p["tau_syn_in"]),
        )
        return _pad(
            (
                p["C_m"],
                p["g_L"],
                p["E_L"],
                p["E_ex"],
                p["E_in"],
                p["I_e"],
                p["V_th"],
                p["V_reset"],
                half_ex,
                math.exp(-dt / p["tau_syn_ex"]),
                half_in,
                math.exp(-dt / p["tau_syn_in"]),
                p["theta_plus"],
                math.exp(-dt / p["tau_theta"]),
            )
        )


class AdEx(NeuronModel):
    """Adaptive exponential integrate-and-fire with conductances: NEST's ``aeif_cond_exp``
    (Brette & Gerstner 2005).

    C dV/dt = -g_L (V - E_L) + g_L Δ_T exp((V - V_th)/Δ_T) - g_ex (V - E_ex)
              - g_in (V - E_in) - w + I_e + I(t);
    τ_w dw/dt = a (V - E_L) - w. At V >= V_peak: V ← V_reset, w ← w + b.

    Integration, as NEST does it: an embedded Runge–Kutta–Fehlberg 4(5) method
    with GSL's step-size controller (absolute and relative tolerance
    ``gsl_error_tol`` on h·dy/dt), several internal steps per ``dt`` where the
    dynamics are fast, spikes detected after each internal step (so several can
    fall in one ``dt``), and the step size carried from one ``dt`` to the next.
    Accuracy is the controller's tolerance, whatever ``dt``; a run stops with a
    SimulationError if V drops below -1000 mV or |w| exceeds 10⁶ pA (NEST's
    numerical-instability bounds).
    """

    nest_model = "aeif_cond_exp"
    PARAMETERS = (
        Parameter("V_peak", "mV", 0.0, "spike detection threshold"),
        Parameter("V_reset", "mV", -60.0, "reset potential"),
        _time("t_ref", 0.0, "absolute refractory period", low_open=False),
        Parameter("g_L", "nS", 30.0, "leak conductance", 0.0),
        Parameter("C_m", "pF", 281.0, "membrane capacitance", 0.0, True),
        Parameter("E_ex", "mV", 0.0, "excitatory reversal potential"),
        Parameter("E_in", "mV", -85.0, "inhibitory reversal potential"),
        Parameter("E_L", "mV", -70.6, "leak reversal potential"),
        Parameter("Delta_T", "mV", 2.0, "slope factor (0: integrate-and-fire)", 0.0),
        _time("tau_w", 144.0, "adaptation time constant"),
        Parameter("a", "nS", 4.0, "subthreshold adaptation"),
        Parameter("b", "pA", 80.5, "spike-triggered adaptation"),
        Parameter("V_th", "mV", -50.4, "spike initiation threshold"),
        _time("tau_syn_ex", 0.2, "excitatory synaptic time constant"),
        _time("tau_syn_in", 2.0, "inhibitory synaptic time constant"),
        Parameter("I_e", "pA", 0.0, "constant external current"),
        Parameter(
            "gsl_error_tol", "", 1e-6, "error tolerance of the adaptive integrator", 0.0, True
        ),
    )
    VARIABLES = (
        Variable("V_m", "mV", 0),
        Variable("g_ex", "nS", 1),
        Variable("g_in", "nS", 2),
        Variable("w", "pA", 3),
    )

    def _check(self) -> None:
        if self.V_peak < self.V_th:
            raise ValueError(
                f"AdEx.V_peak: must be >= V_th = {self.V_th:g} mV (got {self.V_peak:g})"
            )
        if self.V_reset >= self.V_peak:
            raise ValueError(
                f"AdEx.V_reset: must be below V_peak = {self.V_peak:g} mV (got {self.V_reset:g})"
            )

    def coefficients(self, dt: float) -> np.ndarray:
        p = self._params
        peak = p["V_peak"] if p["Delta_T"] > 0.0 else p["V_th"]
        return _pad(
            (
                p["C_m"],
                p["g_L"],
                p["E_L"],
                p["E_ex"],
                p["E_in"],
                p["I_e"],
                p["V_th"],
                p["V_reset"],
                p["Delta_T"],
                p["V_peak"],  # the bound of V inside the dynamics (NEST's P_.V_peak_)
                peak,  # the spike condition (V_th when Delta_T = 0)
                p["tau_w"],
                p["a"],
                p["b"],
                p["tau_syn_ex"],
                p["tau_syn_in"],
                p["gsl_error_tol"],
                dt,
            )
        )


class Izhikevich(NeuronModel):
    """Izhikevich (2003) neuron: NEST's ``izhikevich``.

    dv/dt = 0.04 v² + 5 v + 140 - u + I,  du/dt = a (b v - u); at v >= V_th:
    v ← c, u ← u + d. Spikes add their weight (mV) to v. Integrated with NEST's
    forward Euler in which u uses the old v (``consistent_integration=1``), or
    Izhikevich's published scheme of two half steps for v with u updated from the
    new v (``consistent_integration=0``). Spike counts depend on the scheme and on
    dt (NEST recommends dt <= 0.1 ms); a step that makes v non-finite stops the
    run with a SimulationError.
    """

    nest_model = "izhikevich"
    PARAMETERS = (
        Parameter("a", "", 0.02, "time scale of the recovery variable u"),
        Parameter("b", "", 0.2, "sensitivity of u to v"),
        Parameter("c", "mV", -65.0, "after-spike reset value of v"),
        Parameter("d", "mV", 8.0, "after-spike increment of u"),
        Parameter("I_e", "pA", 0.0, "constant external current"),
        Parameter("V_th", "mV", 30.0, "spike cut-off"),
        Parameter("V_min", "mV", -_INF, "lower bound of v (none by default)"),
        Parameter("consistent_integration", "", 1.0, "1: forward Euler; 0: Izhikevich's scheme"),
    )
    VARIABLES = (Variable("V_m", "mV", 0), Variable("U_m", "mV", 3))

    # presets from Izhikevich (2003), Fig. 2
    PRESETS = {
        "regular_spiking": {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0},
        "intrinsically_bursting": {"a": 0.02, "b": 0.2, "c": -55.0, "d": 4.0},
        "chattering": {"a": 0.02, "b": 0.2, "c": -50.0, "d": 2.0},
        "fast_spiking": {"a": 0.1, "b": 0.2, "c": -65.0, "d": 2.0},
        "low_threshold_spiking": {"a": 0.02, "b": 0.25, "c": -65.0, "d": 2.0},
    }

    def _check(self) -> None:
        if self.consistent_integration not in (0.0, 1.0):
            raise ValueError("Izhikevich.consistent_integration: expected 0 or 1")

    @classmethod
    def preset(cls, name: str, **params) -> Izhikevich:
        """A named firing pattern of Izhikevich (2003): regular_spiking, intrinsically_bursting,
        chattering, fast_spiking, low_threshold_spiking."""
        check_choice(name, "name", tuple(cls.PRESETS), owner="Izhikevich.preset")
        return cls(**(cls.PRESETS[name] | params))

    @property
    def rest(self) -> float:
        return 0.0

    def default_state(self) -> dict[str, float]:
        return {"V_m": -65.0, "U_m": self.b * -65.0}  # NEST: v = -65, u = b v

    def coefficients(self, dt: float) -> np.ndarray:
        p = self._params
        v_min = p["V_min"] if math.isfinite(p["V_min"]) else -np.finfo(float).max
        return _pad(
            (
                p["a"],
                p["b"],
                p["c"],
                p["d"],
                p["I_e"],
                p["V_th"],
                v_min,
                dt,
                p["consistent_integration"],
            )
        )


MODELS = {"LIF": LIF, "LIFCond": LIFCond, "AdEx": AdEx, "Izhikevich": Izhikevich}
