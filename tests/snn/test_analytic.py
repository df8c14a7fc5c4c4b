"""Single neurons against exact solutions and independent integrators."""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.linalg import expm

import snn
from snn.models import psc_exp_propagator

# REFERENCES.md §9: tau = 10 ms, E_L = V_r = -65, V_th = -50 mV, R I = 20 mV, t_ref = 2 ms
TAU, REST, THRESHOLD, DRIVE_MV, T_REF, C_M = 10.0, -65.0, -50.0, 20.0, 2.0, 250.0
CURRENT = DRIVE_MV * C_M / TAU  # pA: R I = 20 mV with R = tau / C


def _single(dt, current=CURRENT, synapse="delta", duration=1000.0):
    net = snn.Network(dt=dt)
    model = snn.LIF(
        synapse=synapse, E_L=REST, V_reset=REST, V_th=THRESHOLD, tau_m=TAU, C_m=C_M,
        t_ref=T_REF, I_e=current,
    )  # fmt: skip
    neuron = net.add_population(1, model, V_m=REST)
    spikes = net.record_spikes(neuron)
    trace = net.record_state(neuron, "V_m")
    net.run(duration, progress=False)
    return spikes, trace


def test_lif_rate_under_constant_current_is_the_analytic_one():
    """ISI = t_ref + tau ln(RI / (RI - (V_th - E_L))) = 15.863 ms (63.04 Hz); on a grid the
    crossing waits for the next step, so the ISI is the next multiple of dt above it."""
    exact_isi = T_REF + TAU * math.log(DRIVE_MV / (DRIVE_MV - (THRESHOLD - REST)))
    assert exact_isi == pytest.approx(15.8629436, abs=1e-6)
    for dt in (0.1, 0.01, 0.001):
        spikes, _ = _single(dt)
        isi = np.diff(spikes.times)
        crossing_steps = math.ceil((exact_isi - T_REF) / dt - 1e-9)
        expected = T_REF + crossing_steps * dt
        np.testing.assert_allclose(isi, expected, rtol=0, atol=1e-9)
        assert abs(isi.mean() - exact_isi) <= dt  # converges as dt shrinks
    spikes, _ = _single(0.001)
    assert 1000.0 / np.diff(spikes.times).mean() == pytest.approx(63.04, abs=0.01)


def test_lif_below_rheobase_never_fires():
    spikes, trace = _single(0.1, current=(THRESHOLD - REST) * C_M / TAU * 0.999)
    assert len(spikes) == 0
    assert trace.values.max() < THRESHOLD


def test_lif_membrane_trace_is_the_exact_solution():
    """V(t) = E_L + R I (1 - exp(-t / tau)) between spikes, to rounding."""
    _, trace = _single(0.1, duration=12.0)
    t = trace.times
    exact = REST + DRIVE_MV * (1.0 - np.exp(-t / TAU))
    np.testing.assert_allclose(trace.values[:, 0], exact, rtol=0, atol=1e-12)


def test_exponential_synapse_psp_is_the_exact_solution():
    """One input spike of weight w (pA) into iaf_psc_exp: the potential is the difference of
    two exponentials, tau_s tau_m / (C (tau_m - tau_s)) w (e^{-t/tau_m} - e^{-t/tau_s})."""
    tau_s, weight = 2.0, 500.0
    net = snn.Network(dt=0.1)
    neuron = net.add_population(
        1, snn.LIF(synapse="exp", tau_syn_ex=tau_s, E_L=0.0, V_th=1e3, V_reset=0.0), V_m=0.0
    )
    source = net.add_spike_source([1.0])
    net.connect(source, neuron, rule="all_to_all", weight=weight, delay=1.0)
    trace = net.record_state(neuron, "V_m")
    net.run(60.0, progress=False)
    t = trace.times - 2.0  # the current jumps at t = 2 ms (spike at 1 ms + 1 ms delay)
    amplitude = tau_s * 10.0 / (250.0 * (10.0 - tau_s)) * weight
    exact = np.where(t > 0, amplitude * (np.exp(-t / 10.0) - np.exp(-t / tau_s)), 0.0)
    np.testing.assert_allclose(trace.values[:, 0], exact, rtol=0, atol=1e-12)


@pytest.mark.parametrize("tau_s", [2.0, 10.0, 10.0 - 1e-9])
def test_psc_exp_propagator_matches_the_matrix_exponential(tau_s):
    """P21 is the (V, I) entry of exp(A h) for dI/dt = -I/tau_s, C dV/dt = -C V/tau_m + I,
    including the singular case tau_s = tau_m."""
    tau_m, c_m, h = 10.0, 250.0, 0.1
    matrix = np.array([[-1.0 / tau_s, 0.0], [1.0 / c_m, -1.0 / tau_m]])
    expected = expm(matrix * h)[1, 0]
    assert psc_exp_propagator(tau_s, tau_m, c_m, h) == pytest.approx(expected, rel=1e-9)


def _cond_reference(t_end, g_ex0, g_in0, v0, params, current):
    p = params

    def rates(t, y):
        v, ge, gi = y
        dv = (
            -p["g_L"] * (v - p["E_L"]) - ge * (v - p["E_ex"]) - gi * (v - p["E_in"]) + current
        ) / p["C_m"]
        return [dv, -ge / p["tau_syn_ex"], -gi / p["tau_syn_in"]]

    return solve_ivp(
        rates,
        (0, t_end),
        [v0, g_ex0, g_in0],
        method="DOP853",
        rtol=1e-12,
        atol=1e-12,
        dense_output=True,
    )


def test_conductance_lif_is_fourth_order_against_a_tight_reference():
    """Subthreshold iaf_cond_exp from given conductances, against DOP853 at 1e-12: the
    error falls about 16-fold per halving of dt (RK4); 1.0e-7 mV at dt = 0.1."""
    params = dict(snn.LIFCond().params, V_th=100.0, tau_syn_ex=1.0, tau_syn_in=3.0, I_e=300.0)
    reference = _cond_reference(20.0, 40.0, 60.0, -65.0, params, 300.0)
    errors = []
    for dt in (0.2, 0.1, 0.05):
        net = snn.Network(dt=dt)
        neuron = net.add_population(1, snn.LIFCond(**params), V_m=-65.0, g_ex=40.0, g_in=60.0)
        trace = net.record_state(neuron, "V_m")
        net.run(20.0, progress=False)
        errors.append(np.max(np.abs(trace.values[:, 0] - reference.sol(trace.times)[0])))
    assert errors[1] < 2e-7  # measured 1.0e-7
    assert 10.0 < errors[0] / errors[1] < 20.0 and 10.0 < errors[1] / errors[2] < 20.0


def test_adex_subthreshold_trace_matches_a_tight_reference():
    """aeif_cond_exp below threshold, against DOP853 at 1e-12: within the controller's
    tolerance (gsl_error_tol = 1e-6 on h dy/dt; measured 3e-7 mV)."""
    model = snn.AdEx(V_peak=0.0, a=4.0, tau_w=100.0)
    p = model.params
    current = 400.0

    def rates(t, y):
        v, w = y
        spike = p["g_L"] * p["Delta_T"] * np.exp((v - p["V_th"]) / p["Delta_T"])
        dv = (-p["g_L"] * (v - p["E_L"]) + spike - w + current) / p["C_m"]
        return [dv, (p["a"] * (v - p["E_L"]) - w) / p["tau_w"]]

    reference = solve_ivp(
        rates,
        (0, 100.0),
        [p["E_L"], 0.0],
        method="DOP853",
        rtol=1e-12,
        atol=1e-12,
        dense_output=True,
    )
    net = snn.Network(dt=0.1)
    neuron = net.add_population(1, model)
    net.add_current(neuron, current)
    trace = net.record_state(neuron, "V_m")
    spikes = net.record_spikes(neuron)
    net.run(100.0, progress=False)
    assert len(spikes) == 0
    assert np.max(np.abs(trace.values[:, 0] - reference.sol(trace.times)[0])) < 2e-6


def test_izhikevich_presets_show_their_firing_patterns():
    """Izhikevich (2003), Fig. 2, at I = 10: regular spiking adapts (measured ISIs 23.7 then
    45.1 ms), intrinsic bursting opens with a burst (2.5, 4.6, then 31.5 ms), fast
    spiking fires fast with little adaptation (66 spikes in 500 ms against 12)."""

    def intervals(preset):
        net = snn.Network(dt=0.1)
        neuron = net.add_population(1, snn.Izhikevich.preset(preset, I_e=10.0))
        spikes = net.record_spikes(neuron)
        net.run(500.0, progress=False)
        return np.diff(spikes.times)

    regular = intervals("regular_spiking")
    assert regular[-1] > 1.5 * regular[0]
    bursting = intervals("intrinsically_bursting")
    assert bursting[:2].max() < 0.2 * np.median(bursting[2:])
    fast = intervals("fast_spiking")
    assert fast.size > 4 * regular.size
    assert fast[-1] < 2.0 * fast[0]
