"""The field's standard benchmark networks, built on :class:`snn.Network`.

* :func:`vogels_abbott` — the COBA network of Vogels & Abbott (2005) as Brette et
  al. (2007) made it a simulator benchmark: 4000 conductance-based LIF neurons,
  80 % excitatory, 2 % random connectivity, self-sustained irregular activity.
* :func:`brunel` — Brunel's (2000) sparse network of 12,500 current-based (delta)
  LIF neurons with relative inhibition ``g`` and external Poisson drive ``eta``
  (its four regimes: SR, AI, SI fast, SI slow).
* :func:`song_abbott` — Song, Miller & Abbott (2000) as Brian2's STDP example: one
  conductance-based neuron, 1000 Poisson inputs through plastic synapses.
* :func:`reward_conditioning` — reward-modulated STDP teaching one neuron to answer
  one input pattern and not another (an experiment: it runs the trials).

Both return the network and a dict of its populations, so that scripts add their
own recorders; the tests and ``benchmarks/snn_vs_brian2.py`` build Brian2's and
NEST's versions of the same definitions.
"""

from __future__ import annotations

import numpy as np

from neurodyn.distributions import Uniform
from neurodyn.progress import Progress
from snn.models import LIF, LIFCond
from snn.network import Network
from snn.plasticity import STDP, Additive, Dopamine, PairTiming, PowerLaw

__all__ = [
    "BRUNEL_REGIMES",
    "brunel",
    "reward_conditioning",
    "song_abbott",
    "vogels_abbott",
]

# Vogels & Abbott (2005) as benchmark 1 (COBA) of Brette et al. (2007), in the definition of
# PyNN's VAbenchmarks.py (the one run on NEST, NEURON and Brian for that review)
COBA = {
    "C_m": 200.0,  # pF (20,000 µm² at 1 µF/cm²)
    "g_L": 10.0,  # nS: tau_m = 20 ms
    "E_L": -60.0,
    "V_th": -50.0,
    "V_reset": -60.0,
    "t_ref": 5.0,
    "E_ex": 0.0,
    "E_in": -80.0,
    "tau_syn_ex": 5.0,
    "tau_syn_in": 10.0,
}
COBA_WEIGHTS = (4.0, -51.0)  # nS, excitatory and inhibitory conductance jumps
COBA_KICK = {"n": 20, "rate": 100.0, "duration": 50.0, "p": 0.01, "weight": 100.0}


def vogels_abbott(
    n: int = 4000,
    *,
    dt: float = 0.1,
    seed=None,
    p: float = 0.02,
    delay: float = 0.2,
    weights: tuple[float, float] = COBA_WEIGHTS,
) -> tuple[Network, dict]:
    """The COBA benchmark: ``n`` neurons (80 % excitatory) connected with probability ``p``,
    delays ``delay`` ms and conductance jumps ``weights`` (nS: excitatory, inhibitory).

    V starts uniform in [V_reset, V_th]; activity is started by 20 Poisson sources at
    100 Hz during the first 50 ms (each reaching a neuron with probability 0.01,
    100 nS), after which the network sustains itself.
    """
    net = Network(dt=dt, seed=seed)
    model = LIFCond(**COBA)
    n_exc = round(0.8 * n)
    start = Uniform(COBA["V_reset"], COBA["V_th"])
    exc = net.add_population(n_exc, model, name="exc", V_m=start)
    inh = net.add_population(n - n_exc, model, name="inh", V_m=start)
    kick = COBA_KICK
    course = np.full((1, kick["n"]), kick["rate"])
    stimulus = net.add_poisson(
        kick["n"], course, interval=kick["duration"], start=0.0, name="stimulus"
    )
    for post in (exc, inh):
        net.connect(stimulus, post, p=kick["p"], weight=kick["weight"], delay=delay)
    for pre, weight in ((exc, weights[0]), (inh, weights[1])):
        for post in (exc, inh):
            net.connect(pre, post, p=p, weight=weight, delay=delay)
    return net, {"exc": exc, "inh": inh, "stimulus": stimulus}


# Brunel (2000), Fig. 8: (g, eta) of the four regimes
BRUNEL_REGIMES = {
    "SR": (3.0, 2.0),  # synchronous regular
    "AI": (5.0, 2.0),  # asynchronous irregular
    "SI fast": (6.0, 4.0),  # synchronous irregular, fast oscillation
    "SI slow": (4.5, 0.9),  # synchronous irregular, slow oscillation
}


def brunel(
    g: float = 5.0,
    eta: float = 2.0,
    *,
    n_exc: int = 10_000,
    epsilon: float = 0.1,
    J: float = 0.1,
    delay: float = 1.5,
    dt: float = 0.1,
    seed=None,
) -> tuple[Network, dict]:
    """Brunel's network: ``n_exc`` excitatory and ``n_exc / 4`` inhibitory delta-synapse LIF
    neurons (τ = 20 ms, θ = 20 mV, V_r = 10 mV, t_ref = 2 ms, rest 0 mV), random
    connections with probability ``epsilon``, weights J (mV) and -g J, delay D;
    each neuron also receives its own C_E = epsilon n_exc external Poisson trains of
    rate eta ν_thr, ν_thr = θ / (J C_E τ) (:meth:`Network.add_poisson_input`, as in
    Brunel's paper, NEST's example and Brian2's). With n_exc = 10,000 it holds 15.6 M
    recurrent synapses.
    """
    net = Network(dt=dt, seed=seed)
    tau, theta = 20.0, 20.0
    model = LIF(synapse="delta", E_L=0.0, V_th=theta, V_reset=10.0, tau_m=tau, t_ref=2.0, C_m=250.0)
    c_exc = round(epsilon * n_exc)
    external_rate = c_exc * eta * theta / (J * c_exc * tau) * 1e3  # C_E eta nu_thr, Hz
    exc = net.add_population(n_exc, model, name="exc", V_m=0.0)
    inh = net.add_population(n_exc // 4, model, name="inh", V_m=0.0)
    for post in (exc, inh):  # each neuron its own C_E trains of rate eta nu_thr
        net.add_poisson_input(post, external_rate / c_exc, J, n=c_exc, delay=delay)
    for pre, weight in ((exc, J), (inh, -g * J)):
        for post in (exc, inh):
            net.connect(pre, post, p=epsilon, weight=weight, delay=delay, autapses=False)
    return net, {"exc": exc, "inh": inh}


# Brian2's examples/synapses/STDP.py (Song, Miller & Abbott 2000): tau_m = 10 ms, E_L = -74,
# V_th = -54, V_reset = -60 mV, E_ex = 0, tau_e = 5 ms; its conductance is in units of
# the leak's, so with g_L = 10 nS its gmax = 0.01 is 0.1 nS and dApre = 0.01 gmax 1e-3 nS
SONG = {"C_m": 100.0, "g_L": 10.0, "E_L": -74.0, "V_th": -54.0, "V_reset": -60.0,
        "E_ex": 0.0, "tau_syn_ex": 5.0, "t_ref": 0.0}  # fmt: skip
SONG_W_MAX = 0.1  # nS
SONG_TIMING = PairTiming(tau_plus=20.0, tau_minus=20.0, A_plus=1e-3, A_minus=1.05e-3)


def song_abbott(
    weight: PowerLaw | None = None, *, n: int = 1000, rate: float = 15.0, dt: float = 0.1, seed=None
) -> tuple[Network, dict]:
    """One conductance-based neuron driven by ``n`` Poisson inputs at ``rate`` Hz through
    STDP synapses (pair timing, tau 20 ms, A_minus = 1.05 A_plus = 1.05e-3 nS), weights
    starting uniform in [0, w_max = 0.1 nS], delay one step. ``weight`` is the weight
    dependence (default additive with hard bounds, as in the paper). Returns the network
    and {"neuron", "inputs", "synapses"}."""
    net = Network(dt=dt, seed=seed)
    neuron = net.add_population(1, LIFCond(**SONG), name="neuron", V_m=SONG["E_L"])
    inputs = net.add_poisson(n, rate=rate, name="inputs")
    rule = STDP(SONG_TIMING, weight if weight is not None else Additive(0.0, SONG_W_MAX))
    synapses = net.connect(inputs, neuron, rule="all_to_all", weight=Uniform(0.0, SONG_W_MAX),
                           delay=dt, plasticity=rule)  # fmt: skip
    return net, {"neuron": neuron, "inputs": inputs, "synapses": synapses}


def reward_conditioning(
    n_trials: int = 400, *, trial: float = 500.0, n: int = 100, seed=0, progress=None
) -> dict:
    """Operant conditioning by reward-modulated STDP (in the spirit of Izhikevich 2007 and
    Florian 2007): one current-based LIF neuron, ``n`` Poisson inputs in two halves A and
    B. Each ``trial`` ms one half fires at 20 Hz and the other at 2 Hz, at random; if the
    neuron fired, it receives a reward of +0.5 after an A trial and -0.5 after a B trial,
    at the trial's end (up to ``trial`` ms after the spikes that earned it: the synapses'
    eligibility bridges the delay). Weights start at 50 pA in [0, 100].

    Returns per-trial arrays: ``shown_a`` (bool), ``spikes`` (the neuron's spikes in the
    trial), ``weight_a`` and ``weight_b`` (mean weight of each half at its end, pA), and
    the ``network``.
    """
    rng = np.random.default_rng(seed)
    half_a = rng.permutation(n) < n // 2
    shown_a = rng.integers(0, 2, n_trials).astype(bool)
    rates = np.where(shown_a[:, None] == half_a[None, :], 20.0, 2.0)
    net = Network(dt=0.1, seed=seed)
    neuron = net.add_population(1, LIF("exp", V_th=-55.0, tau_m=20.0, tau_syn_ex=5.0))
    inputs = net.add_poisson(n, rates, interval=trial, name="inputs")
    rule = STDP(PairTiming(20.0, 20.0, A_plus=1.0, A_minus=1.0), Additive(0.0, 100.0),
                dopamine=Dopamine(tau_c=1000.0, tau_n=200.0))  # fmt: skip
    synapses = net.connect(inputs, neuron, rule="all_to_all", weight=50.0, delay=1.0,
                           plasticity=rule)  # fmt: skip
    spikes = net.record_spikes(neuron)
    history = np.zeros((n_trials, 3))
    with Progress(n_trials, progress, desc="trials", unit="trial") as bar:
        for k in range(n_trials):
            before = spikes.times.size
            net.run(trial, progress=False)
            fired = spikes.times.size - before
            if fired:
                net.reward(0.5 if shown_a[k] else -0.5)
            weights = synapses.weights
            history[k] = fired, weights[half_a].mean(), weights[~half_a].mean()
            bar.update(1)
    return {"shown_a": shown_a, "spikes": history[:, 0], "weight_a": history[:, 1],
            "weight_b": history[:, 2], "network": net}  # fmt: skip
