"""The benchmark networks of :mod:`snn.networks` built in Brian2, from a neurodyn network.

Brian2 gets the very synapses (pre, post, weight, delay) and initial membrane
potentials of the neurodyn network, so that the two differ only in numerics and
in their random Poisson spikes. Used by ``benchmarks/snn_vs_brian2.py`` and by the
tests in ``tests/snn/test_brian2.py`` (Brian2's numpy target there: no compilation).
NEST needs no such builder: ``snn.to_nest(net)`` hands the network over.
"""

from __future__ import annotations

import numpy as np


def _synapses(net, pre_name, post_name):
    """(i, j, weight, delay) of every synapse from group ``pre_name`` to ``post_name``,
    ordered by pre-synaptic neuron as Brian2's own ``connect`` creates them (in the
    projections' by-target order Brian2 reads every synapse of a spike from another
    cache line: 4x slower on Brunel's network)."""
    parts = [
        (p.sources(), p.targets(), np.array(p.weights), p.delays)
        for p in net.projections
        if p.pre.name == pre_name and p.post.name == post_name
    ]
    i, j, w, d = (np.concatenate(x) for x in zip(*parts, strict=True))
    order = np.lexsort((j, i))
    return i[order], j[order], w[order], d[order]


def coba_brian2(net, pops, duration_ms: float, *, method: str = "exponential_euler"):
    """Brian2's COBA (conductances in nS, exponential Euler as Brian2 chooses) with the
    neurodyn network's synapses, initial V and stimulus; returns (run, monitors)."""
    import brian2 as b2

    from snn.networks import COBA, COBA_KICK

    b2.start_scope()
    b2.defaultclock.dt = net.dt * b2.ms
    p = COBA
    namespace = {
        "C_m": p["C_m"] * b2.pF, "g_L": p["g_L"] * b2.nS, "E_L": p["E_L"] * b2.mV,
        "E_ex": p["E_ex"] * b2.mV, "E_in": p["E_in"] * b2.mV, "V_th": p["V_th"] * b2.mV,
        "V_reset": p["V_reset"] * b2.mV, "tau_ex": p["tau_syn_ex"] * b2.ms,
        "tau_in": p["tau_syn_in"] * b2.ms,
    }  # fmt: skip
    equations = """
    dv/dt = (g_L*(E_L - v) + g_ex*(E_ex - v) + g_in*(E_in - v)) / C_m : volt (unless refractory)
    dg_ex/dt = -g_ex / tau_ex : siemens
    dg_in/dt = -g_in / tau_in : siemens
    """
    groups = {}
    for name in ("exc", "inh"):
        group = b2.NeuronGroup(
            pops[name].n, equations, threshold="v >= V_th", reset="v = V_reset",
            refractory=p["t_ref"] * b2.ms, method=method, namespace=namespace,
        )  # fmt: skip
        group.v = pops[name].get("V_m") * b2.mV
        groups[name] = group
    # the kick's rate as a TimedArray (network operations do not run in C++ standalone)
    kick_rate = b2.TimedArray([COBA_KICK["rate"], 0.0] * b2.Hz, dt=COBA_KICK["duration"] * b2.ms)
    kick = b2.PoissonGroup(COBA_KICK["n"], rates="kick_rate(t)", namespace={"kick_rate": kick_rate})
    objects = [*groups.values(), kick]
    for pre_name in ("stimulus", "exc", "inh"):
        source = kick if pre_name == "stimulus" else groups[pre_name]
        for post_name in ("exc", "inh"):
            i, j, w, d = _synapses(net, pre_name, post_name)
            variable = "g_ex" if w[0] > 0 else "g_in"
            synapses = b2.Synapses(source, groups[post_name], "w : siemens",
                                   on_pre=f"{variable}_post += w", **_delay(b2, d))  # fmt: skip
            synapses.connect(i=i, j=j)
            synapses.w = np.abs(w) * b2.nS
            if np.ptp(d) > 0:
                synapses.delay = d * b2.ms
            objects.append(synapses)
    monitors = {name: b2.SpikeMonitor(group) for name, group in groups.items()}
    network = b2.Network(*objects, *monitors.values())

    def run():
        network.run(duration_ms * b2.ms)

    return run, monitors


def _delay(b2, delays_ms) -> dict:
    """One delay for all synapses when they share it: Brian2's homogeneous-delay path
    (per-synapse delays take its much slower heterogeneous spike queue)."""
    return {"delay": float(delays_ms[0]) * b2.ms} if np.ptp(delays_ms) == 0 else {}


def brunel_brian2(net, pops, duration_ms: float, *, g: float, eta: float):
    """Brian2's Brunel network (exact integration, PoissonInput drive) with the neurodyn
    network's synapses; returns (run, monitors)."""
    import brian2 as b2

    b2.start_scope()
    b2.defaultclock.dt = net.dt * b2.ms
    tau, theta, v_r, t_ref, J = 20.0, 20.0, 10.0, 2.0, 0.1
    c_exc = round(0.1 * pops["exc"].n)
    nu_ext = eta * theta / (J * c_exc * tau) * 1e3
    groups = {}
    for name in ("exc", "inh"):
        group = b2.NeuronGroup(
            pops[name].n, "dv/dt = -v / tau : volt (unless refractory)",
            threshold="v >= theta", reset="v = v_r", refractory=t_ref * b2.ms, method="exact",
            namespace={"tau": tau * b2.ms, "theta": theta * b2.mV, "v_r": v_r * b2.mV},
        )  # fmt: skip
        group.v = pops[name].get("V_m") * b2.mV
        groups[name] = group
    objects = list(groups.values())
    for group in groups.values():
        objects.append(b2.PoissonInput(group, "v", c_exc, nu_ext * b2.Hz, weight=J * b2.mV))
    for pre_name in ("exc", "inh"):
        for post_name in ("exc", "inh"):
            i, j, w, d = _synapses(net, pre_name, post_name)
            synapses = b2.Synapses(groups[pre_name], groups[post_name], "w : volt",
                                   on_pre="v_post += w", **_delay(b2, d))  # fmt: skip
            synapses.connect(i=i, j=j)
            synapses.w = w * b2.mV
            if np.ptp(d) > 0:
                synapses.delay = d * b2.ms
            objects.append(synapses)
    monitors = {name: b2.SpikeMonitor(group) for name, group in groups.items()}
    network = b2.Network(*objects, *monitors.values())

    def run():
        network.run(duration_ms * b2.ms)

    return run, monitors


def spike_statistics(times_ms, indices, n: int, duration_ms: float, start_ms: float = 0.0):
    """(mean rate Hz, mean ISI CV over neurons with >= 3 spikes) after ``start_ms``."""
    times_ms, indices = np.asarray(times_ms), np.asarray(indices)
    keep = times_ms >= start_ms
    times_ms, indices = times_ms[keep], indices[keep]
    rate = times_ms.size / n / ((duration_ms - start_ms) * 1e-3)
    order = np.lexsort((times_ms, indices))
    times_ms, indices = times_ms[order], indices[order]
    cvs = []
    bounds = np.searchsorted(indices, np.arange(n + 1))
    for k in range(n):
        train = times_ms[bounds[k] : bounds[k + 1]]
        if train.size >= 3:
            isi = np.diff(train)
            cvs.append(isi.std() / isi.mean())
    return rate, float(np.mean(cvs)) if cvs else float("nan")
