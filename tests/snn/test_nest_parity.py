"""The same small networks in NEST and here: traces equal to rounding for the exactly
integrated models, to a stated tolerance for the adaptive ones (skipped without NEST).

NEST runs in a process of its own (``nest_worker.py``): its bundled libgomp and Numba's
OpenMP threading layer crash when they share a process.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import snn

pytest.importorskip("nest")
WORKER = Path(__file__).with_name("nest_worker.py")

DT = 0.1
DURATION = 300.0


def _driven(model, weight_ex, weight_in, *, n=3, seed=0, current=None, record="V_m"):
    """``n`` neurons driven by the same given input spike trains (excitatory and
    inhibitory, random times) and, optionally, a step current."""
    rng = np.random.default_rng(seed)
    net = snn.Network(dt=DT, seed=seed)
    pop = net.add_population(n, model, name="pop")
    times = np.sort(rng.uniform(1.0, DURATION - 5, 400)).round(1)
    sources = net.add_spike_source(times, rng.integers(0, 8, times.size), n=8, name="input")
    weights = np.where(np.arange(8) < 6, weight_ex, weight_in)
    delays = rng.choice([1.0, 1.5, 2.3], size=8 * n)
    net.connect(
        sources, pop, rule="all_to_all", weight=np.repeat(weights[None], n, 0).ravel(), delay=delays
    )
    if current is not None:
        net.add_step_current(pop, *current)
    spikes = net.record_spikes(pop)
    trace = net.record_state(pop, record)
    return net, spikes, trace


class _NestRun:
    """NEST's recordings of one network, read back from the worker's file."""

    def __init__(self, data) -> None:
        self.data = data

    def spikes(self, k):
        return self.data[f"0.{k}.times"], self.data[f"0.{k}.indices"]

    def trace(self, k):
        return self.data[f"0.{k}.times"], self.data[f"0.{k}.values"]


def _both(net, duration=DURATION, *, driver="clock"):
    """Run ``net`` in NEST (in a worker process, from its saved file) and here; the event
    driver is compared with NEST's precise-spike-time models."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="nest-parity-"))
    path = net.save(folder / "net")
    out = folder / "nest.npz"
    done = subprocess.run(
        [sys.executable, str(WORKER), str(out), str(duration), str(path)]
        + (["--precise"] if driver == "event" else []),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    net.run(duration, driver=driver, progress=False)
    return _NestRun(dict(np.load(out)))


CURRENT = ([0.0, 50.0, 120.0, 200.0], [[0.0], [380.0], [150.0], [460.0]])


@pytest.mark.parametrize(
    "model, w_ex, w_in",
    [
        (snn.LIF(synapse="delta", t_ref=2.0), 3.0, -4.0),
        (snn.LIF(synapse="delta", refractory_input=1.0), 3.0, -4.0),
        (snn.LIF(synapse="exp", tau_syn_ex=1.5, tau_syn_in=4.0), 600.0, -500.0),
        (snn.LIF(synapse="exp", tau_syn_ex=10.0, tau_syn_in=10.0), 300.0, -300.0),
    ],
)
def test_current_based_lif_matches_nest_to_rounding(model, w_ex, w_in):
    net, spikes, trace = _driven(model, w_ex, w_in, current=CURRENT)
    handle = _both(net)
    nest_times, nest_indices = handle.spikes(0)
    assert len(spikes) > 10  # the input makes the neurons fire
    np.testing.assert_array_equal(np.round(spikes.times / DT), np.round(nest_times / DT))
    np.testing.assert_array_equal(spikes.indices, nest_indices)
    t, values = handle.trace(1)
    ours = trace.values[: t.size]  # NEST's multimeter stops one sample short of the end
    np.testing.assert_allclose(trace.times[: t.size], t, atol=1e-9)
    np.testing.assert_allclose(ours, values, rtol=0, atol=1e-10)


ADEX_CURRENT = ([0.0, 50.0, 120.0, 200.0], [[0.0], [700.0], [450.0], [900.0]])


@pytest.mark.parametrize(
    "model, w_ex, w_in, current, atol",
    [
        (snn.LIFCond(), 12.0, -15.0, CURRENT, 2e-3),
        (snn.AdEx(), 15.0, -10.0, ADEX_CURRENT, 2e-5),
        (snn.AdEx(t_ref=2.0, a=2.0, b=60.0), 15.0, -10.0, ADEX_CURRENT, 2e-5),
    ],
)
def test_conductance_models_match_nest(model, w_ex, w_in, current, atol):
    net, spikes, trace = _driven(model, w_ex, w_in, current=current)
    handle = _both(net)
    nest_times, nest_indices = handle.spikes(0)
    assert len(spikes) > 10
    np.testing.assert_array_equal(np.round(spikes.times / DT), np.round(nest_times / DT))
    np.testing.assert_array_equal(spikes.indices, nest_indices)
    t, values = handle.trace(1)
    assert np.max(np.abs(trace.values[: t.size] - values)) < atol


def test_izhikevich_matches_nest_to_rounding():
    model = snn.Izhikevich.preset("regular_spiking")
    net, spikes, trace = _driven(model, 8.0, -8.0, current=([0.0, 80.0], [[4.0], [9.0]]))
    handle = _both(net)
    nest_times, _ = handle.spikes(0)
    assert len(spikes) > 10
    np.testing.assert_array_equal(np.round(spikes.times / DT), np.round(nest_times / DT))
    t, values = handle.trace(1)
    np.testing.assert_allclose(trace.values[: t.size], values, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    "model, w_ex, w_in, atol",
    [
        (snn.LIF(synapse="delta", t_ref=2.0), 3.0, -4.0, 1e-13),  # measured 2.8e-14 ms
        (snn.LIF(synapse="exp", tau_syn_ex=1.5, tau_syn_in=4.0), 600.0, -500.0, 5e-13),  # 1.1e-13
    ],
)
def test_the_event_driver_matches_nests_precise_spike_models(model, w_ex, w_in, atol):
    """iaf_psc_delta_ps / iaf_psc_exp_ps with input spikes off the grid: the same spikes
    at the same times."""
    rng = np.random.default_rng(4)
    net = snn.Network(dt=DT, seed=4)
    pop = net.add_population(3, model, name="pop")
    times = np.sort(rng.uniform(1.0, DURATION - 5, 400))  # off the grid
    sources = net.add_spike_source(times, rng.integers(0, 8, times.size), n=8, name="input")
    weights = np.where(np.arange(8) < 6, w_ex, w_in)
    delays = rng.choice([1.0, 1.5, 2.3], size=8 * 3)
    net.connect(
        sources, pop, rule="all_to_all", weight=np.repeat(weights[None], 3, 0).ravel(), delay=delays
    )
    net.add_current(pop, 300.0)
    spikes = net.record_spikes(pop)
    handle = _both(net, driver="event")
    nest_times, nest_indices = handle.spikes(0)
    assert len(spikes) > 20
    np.testing.assert_array_equal(spikes.indices, nest_indices)
    np.testing.assert_allclose(spikes.times, nest_times, rtol=0, atol=atol)
