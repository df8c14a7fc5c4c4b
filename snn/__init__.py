"""Spiking networks with NEST's models, names and units, run by a clock driver or,
for LIF neurons, an event driver with exact spike times (``run(T, driver="event")``).

    import snn
    net = snn.Network(dt=0.1, seed=0)
    exc = net.add_population(3200, snn.LIFCond(C_m=200.0, g_L=10.0), name="exc", V_m=-60.0)
    noise = net.add_poisson(1000, rate=15.0)
    net.connect(noise, exc, p=0.02, weight=1.0, delay=1.0)
    spikes = net.record_spikes(exc)
    net.run(1000.0)
    spikes.times, spikes.indices

Neuron models (``LIF``, ``LIFCond``, ``AdEx``, ``Izhikevich``) take NEST's
parameter names and defaults; :func:`to_nest` builds the same network in NEST.
"""

from neurodyn.distributions import LogNormal, Normal, Uniform
from snn.diehl_cook import DiehlCook
from snn.elements import CurrentInput, PoissonSource, Population, Projection, SpikeSource
from snn.models import LIF, AdEx, Izhikevich, LIFCond, NeuronModel
from snn.monitors import RateRecorder, SpikeRecorder, StateRecorder
from snn.network import Network
from snn.plasticity import (
    STDP,
    Additive,
    Dopamine,
    Multiplicative,
    PairTiming,
    PowerLaw,
    TripletTiming,
)


def to_nest(network, **options):
    """Build ``network`` in NEST (see :func:`snn.nest.to_nest`)."""
    from snn.nest import to_nest as build

    return build(network, **options)


__all__ = [
    "LIF",
    "STDP",
    "AdEx",
    "Additive",
    "CurrentInput",
    "DiehlCook",
    "Dopamine",
    "Izhikevich",
    "LIFCond",
    "LogNormal",
    "Multiplicative",
    "Network",
    "NeuronModel",
    "Normal",
    "PairTiming",
    "PoissonSource",
    "Population",
    "PowerLaw",
    "Projection",
    "RateRecorder",
    "SpikeRecorder",
    "SpikeSource",
    "StateRecorder",
    "TripletTiming",
    "Uniform",
    "to_nest",
]
