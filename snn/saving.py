"""Saving and loading a spiking network through :mod:`neurodyn.io`: its structure,
parameters, live state (including spikes still in flight) and recorders' contents,
as arrays and JSON, never pickle. A loaded network continues exactly where the
saved one stopped, drawing the same random numbers."""

from __future__ import annotations

import numpy as np

from neurodyn.graph import CSRGraph
from neurodyn.record import SpikeMonitor
from snn._kernels import PendingArrivals
from snn.compile import no_arrivals
from snn.elements import (
    CurrentInput,
    PoissonInput,
    PoissonSource,
    Population,
    Projection,
    SpikeSource,
)
from snn.models import MODELS
from snn.monitors import RateRecorder, SpikeRecorder, StateRecorder, WeightRecorder
from snn.plasticity import STDP


def network_state(network) -> tuple[dict, dict]:
    arrays: dict[str, np.ndarray] = {}
    groups = []
    for k, group in enumerate(network.groups):
        entry = {"kind": group.kind, "name": group.name, "n": group.n}
        if isinstance(group, Population):
            entry |= {"model": type(group.model).__name__, "params": group.model.config()}
        elif isinstance(group, PoissonSource):
            arrays[f"group{k}.rates"] = group.rates
            if group.course is not None:
                arrays[f"group{k}.course"] = group.course
            entry |= {"interval": group.interval, "begin": group.begin}
        else:
            arrays[f"group{k}.times"] = group.times
            arrays[f"group{k}.indices"] = group.indices
        groups.append(entry)
    projections = []
    for k, projection in enumerate(network.projections):
        graph = projection.graph
        arrays |= {
            f"projection{k}.indptr": graph.indptr,
            f"projection{k}.indices": graph.indices,
            f"projection{k}.weights": graph.weights,
        }
        delay = projection._delays
        if not isinstance(delay, float):
            arrays[f"projection{k}.delays"] = delay
        rule = projection.plasticity
        traces = getattr(projection, "_traces", None)
        if traces is not None:
            arrays[f"projection{k}.pre_traces"], arrays[f"projection{k}.post_traces"] = traces
        eligibility = getattr(projection, "_eligibility", None)
        if eligibility is not None:
            arrays[f"projection{k}.eligibility"] = eligibility
        projections.append(
            {
                "pre": projection.pre.name,
                "post": projection.post.name,
                "receptor": projection.receptor,
                "name": projection.name,
                "delay": delay if isinstance(delay, float) else None,
                "plasticity": None if rule is None else rule.config(),
            }
        )
    currents = []
    for k, current in enumerate(network.currents):
        arrays[f"current{k}.indices"] = current.indices
        if current.sampled:
            arrays[f"current{k}.values"] = current.values
        else:
            arrays[f"current{k}.times"] = current.times
            arrays[f"current{k}.amplitudes"] = current.amplitudes
        currents.append(
            {"target": current.target.name, "interval": current.interval, "begin": current.begin}
        )
    inputs = []
    for k, source in enumerate(network.inputs):
        arrays[f"input{k}.indices"] = source.indices
        inputs.append(
            {
                "target": source.target.name,
                "rate": source.rate,
                "n": source.n,
                "weight": source.weight,
                "delay": source.delay,
                "receptor": source.receptor,
            }
        )
    recorders = [_recorder_state(k, r, arrays) for k, r in enumerate(network.recorders)]
    state = network._state
    arrays |= {
        "state.values": state.values,
        "state.refractory": state.refractory,
        "state.ring": state.ring,
        "state.poisson_rng": state.poisson_rng,
        "state.poisson_next": state.poisson_next,
        "state.input_rng": state.input_rng,
        "state.counters": state.counters,
        "state.pending_segment": state.pending.segment,
        "state.pending_count": state.pending.count,
        "state.pending_size": state.pending.size,
        "rewards.times": network.rewards.times,
        "rewards.amounts": network.rewards.amounts,
    }
    config = {
        "dt": network.dt,
        "seed": network.seed,
        "root_entropy": str(network._root.entropy),
        "root_spawn_key": list(network._root.spawn_key),
        "n_streams": network._n_streams,
        "groups": groups,
        "projections": projections,
        "currents": currents,
        "inputs": inputs,
        "recorders": recorders,
    }
    return arrays, config


def _recorder_state(k: int, recorder, arrays: dict) -> dict:
    if isinstance(recorder, SpikeRecorder):
        record = recorder.record()
        arrays[f"recorder{k}.times"] = record.times
        arrays[f"recorder{k}.indices"] = record.indices
        return {
            "kind": "spikes",
            "group": recorder.group.name,
            "t_start": recorder.monitor.t_start,
            "t_stop": recorder.monitor.t_stop,
        }
    record = recorder.record()
    arrays[f"recorder{k}.times"] = record.times
    arrays[f"recorder{k}.values"] = record.values
    if isinstance(recorder, RateRecorder):
        return {"kind": "rate", "group": recorder.group.name}
    arrays[f"recorder{k}.units"] = recorder.indices
    if isinstance(recorder, WeightRecorder):
        projection = recorder.projection
        return {
            "kind": "weights",
            "projection": projection.network.projections.index(projection),
            "interval_steps": recorder.interval_steps,
        }
    return {
        "kind": "state",
        "group": recorder.population.name,
        "variable": recorder.variable,
        "interval_steps": recorder.interval_steps,
    }


def network_from_state(cls, arrays: dict, config: dict):
    network = cls(dt=config["dt"], seed=config["seed"])
    network._root = np.random.SeedSequence(
        int(config["root_entropy"]), spawn_key=tuple(config["root_spawn_key"])
    )
    network._n_streams = int(config["n_streams"])
    start = 0
    for k, entry in enumerate(config["groups"]):
        name, n, kind = entry["name"], int(entry["n"]), entry["kind"]
        if kind == "population":
            model = MODELS[entry["model"]].from_config(entry["params"])
            group = Population(network, name, n, start, model)
        elif kind == "poisson":
            group = PoissonSource(
                network,
                name,
                n,
                start,
                arrays[f"group{k}.rates"],
                arrays.get(f"group{k}.course"),
                entry["interval"],
                entry["begin"],
            )
        elif kind == "spike_source":
            times, indices = arrays[f"group{k}.times"], arrays[f"group{k}.indices"]
            group = SpikeSource(network, name, n, start, times, indices.astype(np.int64))
        else:
            raise ValueError(f"unknown group kind {kind!r}")
        network.groups.append(group)
        start += n
    for k, entry in enumerate(config["projections"]):
        pre, post = network[entry["pre"]], network[entry["post"]]
        graph = CSRGraph(
            arrays[f"projection{k}.indptr"],
            arrays[f"projection{k}.indices"],
            arrays[f"projection{k}.weights"],
            n_sources=pre.n,
        )
        if graph.shape[0] != post.n:
            raise ValueError(f"projection {k} has {graph.shape[0]} rows for {post.n} neurons")
        delays = entry["delay"] if entry["delay"] is not None else arrays[f"projection{k}.delays"]
        rule = entry.get("plasticity")
        rule = None if rule is None else STDP.from_config(rule)
        projection = Projection(
            network, pre, post, graph, delays, entry["receptor"], rule, entry["name"]
        )
        if f"projection{k}.pre_traces" in arrays:
            projection._traces = (
                arrays[f"projection{k}.pre_traces"].astype(np.float64).reshape(-1, 3),
                arrays[f"projection{k}.post_traces"].astype(np.float64).reshape(-1, 3),
            )
        if f"projection{k}.eligibility" in arrays:
            eligibility = arrays[f"projection{k}.eligibility"]
            if eligibility.shape != (len(projection), 2):
                raise ValueError(f"projection {k}'s eligibility does not match its synapses")
            projection._eligibility = eligibility.astype(np.float64)
        network.projections.append(projection)
    for k, entry in enumerate(config["currents"]):
        target = network[entry["target"]]
        network.currents.append(
            CurrentInput(
                target,
                arrays[f"current{k}.indices"],
                times=arrays.get(f"current{k}.times"),
                amplitudes=arrays.get(f"current{k}.amplitudes"),
                values=arrays.get(f"current{k}.values"),
                interval=entry["interval"],
                begin=entry["begin"],
            )
        )
    for k, entry in enumerate(config.get("inputs", [])):
        network.inputs.append(
            PoissonInput(
                network[entry["target"]],
                arrays[f"input{k}.indices"].astype(np.int64),
                float(entry["rate"]),
                int(entry["n"]),
                float(entry["weight"]),
                float(entry["delay"]),
                entry["receptor"],
            )
        )
    _restore_state(network, arrays)
    if "rewards.times" in arrays:
        times, amounts = arrays["rewards.times"], arrays["rewards.amounts"]
        if times.shape != amounts.shape or times.ndim != 1:
            raise ValueError("the rewards' times and amounts do not match")
        network.rewards.times = times.astype(np.float64)
        network.rewards.amounts = amounts.astype(np.float64)
    for k, entry in enumerate(config["recorders"]):
        network.recorders.append(_restored_recorder(network, k, entry, arrays))
    return network


def _restore_state(network, arrays: dict) -> None:
    state = network._state
    n_units = network.n_units
    values, ring = arrays["state.values"], arrays["state.ring"]
    if values.shape != (state.values.shape[0], n_units) or ring.shape[1] != 2 * n_units:
        raise ValueError(f"the state arrays do not match the network's {n_units} units")
    n_poisson = sum(g.n for g in network.sources if g.kind == "poisson")
    if arrays["state.poisson_rng"].shape != (n_poisson,) or arrays["state.counters"].shape != (2,):
        raise ValueError("the Poisson or counter state does not match the network")
    state.values = values.astype(np.float64)
    state.refractory = arrays["state.refractory"].astype(np.int64)
    state.ring = ring.astype(np.float64)
    state.poisson_rng = arrays["state.poisson_rng"].astype(np.uint64)
    following = arrays.get("state.poisson_next", np.full(n_poisson, np.nan))
    if following.shape != (n_poisson,):
        raise ValueError("the Poisson sources' next spike times do not match the network")
    state.poisson_next = following.astype(np.float64)
    n_inputs = sum(i.indices.size for i in network.inputs)
    input_rng = arrays.get("state.input_rng", np.zeros(0, np.uint64))
    if input_rng.shape != (n_inputs,):
        raise ValueError("the Poisson input state does not match the network")
    state.input_rng = input_rng.astype(np.uint64)
    state.counters = arrays["state.counters"].astype(np.int64)
    if "state.pending_size" in arrays:
        segment, count = arrays["state.pending_segment"], arrays["state.pending_count"]
        size = arrays["state.pending_size"]
        if segment.shape != count.shape or size.shape != (ring.shape[0],):
            raise ValueError("the spikes on their way to plastic synapses do not match the ring")
        state.pending = PendingArrivals(
            segment.astype(np.int64), count.astype(np.int64), size.astype(np.int64)
        )
    else:
        state.pending = no_arrivals(ring.shape[0], 0)


def _restored_recorder(network, k: int, entry: dict, arrays: dict):
    times = arrays[f"recorder{k}.times"]
    if entry["kind"] == "weights":
        recorder = WeightRecorder(
            network.projections[int(entry["projection"])],
            arrays[f"recorder{k}.units"].astype(np.int64),
            int(entry["interval_steps"]),
            network.dt,
        )
        if len(times):
            recorder.monitor.append(times, arrays[f"recorder{k}.values"])
        return recorder
    group = network[entry["group"]]
    if entry["kind"] == "spikes":
        recorder = SpikeRecorder(group, entry["t_start"])
        recorder.monitor = SpikeMonitor(group.n, time_unit="ms", t_start=entry["t_start"])
        recorder.monitor.append(times, arrays[f"recorder{k}.indices"])
        recorder.monitor.advance(entry["t_stop"])
        return recorder
    if entry["kind"] == "rate":
        recorder = RateRecorder(group, network.dt)
    else:
        recorder = StateRecorder(
            group,
            entry["variable"],
            arrays[f"recorder{k}.units"].astype(np.int64),
            int(entry["interval_steps"]),
            network.dt,
        )
    values = arrays[f"recorder{k}.values"]
    if len(times):
        recorder.monitor.append(times, values)
    return recorder
