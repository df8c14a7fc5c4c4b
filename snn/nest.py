"""The same network in NEST: the parity check, and the way past one machine.

``to_nest(net)`` resets NEST's kernel and builds ``net`` there: every population
with its NEST model, parameters and current state; every synapse with its
weight and delay; Poisson sources as ``poisson_generator`` → ``parrot_neuron``
pairs (so that all targets of a source see one train, as here); spike sources
as ``spike_generator``\\ s; currents as ``step_current_generator``\\ s; recorders
as ``spike_recorder``\\ s and ``multimeter``\\ s. NEST runs one network across
machines with MPI, so a script that outgrows one machine can hand its network
over and call :meth:`NestNetwork.run` there.

NEST brings its own OpenMP runtime, which has crashed in processes where Numba's
OpenMP threading layer already ran; ``to_nest`` warns then. Build NEST networks in
a process of their own (``Network.save`` here, ``Network.load`` and ``to_nest``
there), as ``tests/snn/nest_worker.py`` does.

Timing conventions agree: a spike stamped t with delay d arrives at t + d; a
spike source's spike at t leaves in the step that ends at t. A current that
starts at t here drives the steps from t on; a NEST current generator's change
at t acts from t + dt (its event travels one step), so generators are given
times t - dt, and a current in force from t = 0 goes into the neurons' ``I_e``.
Random numbers differ: Poisson trains and random initial states drawn here are
not redrawn, but NEST's Poisson generators draw their own spikes.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["NestNetwork", "to_nest"]


class NestNetwork:
    """Handles of a network built in NEST: ``nodes[name]`` (NodeCollections),
    ``recorders`` (one per neurodyn recorder, same order), and :meth:`run`."""

    def __init__(self, nest, nodes, recorders, network) -> None:
        self.nest = nest
        self.nodes = nodes
        self.recorders = recorders
        self._network = network

    def run(self, duration: float) -> None:
        """``nest.Simulate(duration)`` (ms)."""
        self.nest.Simulate(float(duration))

    def spikes(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(times ms, local indices) recorded by the ``k``-th recorder, sorted by time then index."""
        recorder, first_id = self.recorders[k]
        events = recorder.get("events")
        times = np.asarray(events["times"], float)
        indices = np.asarray(events["senders"], np.int64) - first_id
        order = np.lexsort((indices, times))
        return times[order], indices[order]

    def trace(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(times (T,), values (T, n)) of the ``k``-th recorder (a state recorder)."""
        recorder, (variable, node_ids) = self.recorders[k]
        events = recorder.get("events")
        senders = np.asarray(events["senders"])
        times = np.asarray(events["times"], float)
        values = np.asarray(events[variable], float)
        columns = [values[senders == node] for node in node_ids]
        return times[senders == node_ids[0]], np.column_stack(columns)


def to_nest(
    network, *, threads: int = 1, seed: int | None = None, precise: bool = False
) -> NestNetwork:
    """Reset NEST and build ``network`` in it; returns a :class:`NestNetwork`.

    Requires ``nest-simulator``. ``threads`` sets NEST's local threads and
    ``seed`` its random seed (default: the network's seed, else 1).
    ``precise=True`` builds what the event driver runs: NEST's precise-spike-time
    models (``iaf_psc_delta_ps``, ``iaf_psc_exp_ps``), spike generators at their
    exact (off-grid) times and ``poisson_generator_ps``.
    """
    plastic = [p.name for p in network.projections if p.plasticity is not None]
    if plastic:  # NEST's stdp_synapse counts the delay as dendritic: its pairs differ
        raise ValueError(
            f"to_nest: plastic projections are not translated yet ({', '.join(plastic)}); "
            "NEST's stdp_synapse times a pair as t_post + delay - t_pre, ours as "
            "t_post - (t_pre + delay)"
        )
    for population in network.populations:
        _check_translatable(population, precise)
    try:
        import nest
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("to_nest: needs NEST (pip install nest-simulator)") from error
    _warn_about_openmp()
    _quiet(nest)
    nest.ResetKernel()
    rng_seed = seed if seed is not None else (network.seed if network.seed is not None else 1)
    nest.SetKernelStatus(
        {"resolution": network.dt, "local_num_threads": int(threads), "rng_seed": int(rng_seed) + 1}
    )
    nodes, senders = {}, {}
    for group in network.groups:
        nodes[group.name], senders[group.name] = _build_group(nest, network, group, precise)
    _apply_currents(nest, network, nodes)
    for source in network.inputs:
        generator = nest.Create("poisson_generator", params={"rate": source.total_rate})
        targets = nest.NodeCollection(
            sorted((np.asarray(nodes[source.target.name].tolist())[source.indices]).tolist())
        )
        nest.Connect(generator, targets, syn_spec={"weight": source.weight, "delay": source.delay})
    for projection in network.projections:
        pre = np.asarray(senders[projection.pre.name].tolist())[projection.sources()]
        post = np.asarray(nodes[projection.post.name].tolist())[projection.targets()]
        if len(projection):
            nest.Connect(
                pre,
                post,
                "one_to_one",
                syn_spec={"weight": np.array(projection.weights), "delay": projection.delays},
            )
    recorders = [_build_recorder(nest, network, r, nodes, senders) for r in network.recorders]
    return NestNetwork(nest, nodes, recorders, network)


def _check_translatable(population, precise: bool) -> None:
    """Refuse, before NEST is touched, what NEST's model of ``population`` cannot run."""
    model = population.model
    if precise and model.nest_model not in ("iaf_psc_delta", "iaf_psc_exp"):
        raise ValueError(
            f"to_nest.precise: NEST has precise-spike-time versions of iaf_psc_delta and "
            f"iaf_psc_exp only (population {population.name!r} is {model.nest_model})"
        )
    ours = [p for p in model.PARAMETERS if not p.in_nest]
    if any(model.params[p.name] != p.default for p in ours):
        raise ValueError(
            f"to_nest: population {population.name!r} sets "
            f"{', '.join(p.name for p in ours)}, which NEST's {model.nest_model} does not "
            "have (the homeostatic threshold is ours)"
        )
    for variable in model.VARIABLES:
        if not variable.in_nest and np.any(population.get(variable.name) != 0.0):
            raise ValueError(
                f"to_nest: population {population.name!r} starts {variable.name} non-zero, "
                f"which NEST's {model.nest_model} does not have"
            )


def _warn_about_openmp() -> None:
    """NEST bundles its own libgomp; once Numba's OpenMP threading layer has run in the
    process, NEST's threads have crashed here (segmentation fault)."""
    from numba.np.ufunc import parallel

    if parallel._is_initialized and parallel._threading_layer == "omp":
        warnings.warn(
            "to_nest: Numba's OpenMP threading layer has run in this process, and NEST's own "
            "OpenMP runtime has crashed beside it; run NEST in a separate process (save the "
            "network, load it there and call to_nest), or set "
            "NUMBA_THREADING_LAYER=workqueue before Numba starts",
            RuntimeWarning,
            stacklevel=3,
        )


def _quiet(nest) -> None:
    if hasattr(nest, "VerbosityLevel"):  # NEST >= 3.10
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:  # pragma: no cover - older NEST
        nest.set_verbosity("M_ERROR")


def _build_group(nest, network, group, precise=False):
    """(the group's nodes, the nodes its spikes leave from)."""
    suffix = "_ps" if precise else ""
    if group.kind == "population":
        model = group.model
        params = model.nest_params()
        if precise and params.pop("refractory_input", False):  # the _ps model has no switch
            raise ValueError("to_nest.precise: iaf_psc_delta_ps cannot keep refractory input")
        nodes = nest.Create(model.nest_model + suffix, group.n, params=params)
        for variable in model.VARIABLES:
            if not variable.in_nest:
                continue
            values = group.get(variable.name)
            try:
                nodes.set({variable.name: values.tolist()})
            except nest.NESTErrors.UnaccessedDictionaryEntry:
                if np.any(values != 0.0):  # NEST's iaf_psc_exp cannot set I_syn_ex / I_syn_in
                    raise ValueError(
                        f"to_nest: NEST cannot set {variable.name} of {model.nest_model}; "
                        f"population {group.name!r} starts it non-zero"
                    ) from None
        return nodes, nodes
    if group.kind == "poisson":
        parrots = nest.Create("parrot_neuron" + suffix, group.n)
        if group.course is None:
            generators = nest.Create("poisson_generator" + suffix, group.n, params={"rate": 0.0})
            generators.set({"rate": group.rates.tolist()})
        else:
            # the course, then 0 Hz from its end (NEST would hold the last rate)
            rows = group.course.shape[0]
            times = group.begin + group.interval * np.arange(rows + 1)
            rates = np.vstack([group.course, np.zeros((1, group.n))])
            keep = np.r_[times[1:] > network.dt, True]  # NEST's times must lie after 0
            times = np.maximum(times[keep], network.dt)
            generators = nest.Create("inhomogeneous_poisson_generator", group.n)
            for j, generator in enumerate(generators):
                generator.set(
                    {"rate_times": times.tolist(), "rate_values": rates[keep, j].tolist()}
                )
        nest.Connect(generators, parrots, "one_to_one", syn_spec={"delay": network.dt})
        return generators, parrots
    generators = nest.Create("spike_generator", group.n, params={"precise_times": precise})
    for j, generator in enumerate(generators):
        times = group.times[group.indices == j]
        if not precise:
            times = np.rint(times / network.dt) * network.dt
        generator.set({"spike_times": times.tolist()})
    return generators, generators


def _apply_currents(nest, network, nodes) -> None:
    dt = network.dt
    for current in network.currents:
        targets = np.asarray(nodes[current.target.name].tolist())[current.indices]
        if current.sampled:
            times = current.begin + current.interval * np.arange(current.values.shape[0] + 1)
            amplitudes = np.vstack([current.values, np.zeros((1, current.indices.size))])
        else:
            times, amplitudes = current.times, current.amplitudes
        at_start = times < dt / 2  # a current in force from t = 0 is part of I_e
        base = amplitudes[at_start][-1] if at_start.any() else np.zeros(current.indices.size)
        if at_start.any():
            for node, amplitude in zip(targets.tolist(), base.tolist(), strict=True):
                status = nest.NodeCollection([node])
                status.set({"I_e": status.get("I_e") + amplitude})
        later = ~at_start
        if not later.any():
            continue
        shifted = np.round((times[later] - dt) / dt) * dt
        for j, node in enumerate(targets.tolist()):
            generator = nest.Create(
                "step_current_generator",
                params={
                    "amplitude_times": shifted.tolist(),
                    "amplitude_values": (amplitudes[later, j] - base[j]).tolist(),
                },
            )
            nest.Connect(generator, nest.NodeCollection([node]), syn_spec={"delay": dt})


def _build_recorder(nest, network, recorder, nodes, senders):
    from snn.monitors import SpikeRecorder, StateRecorder

    if isinstance(recorder, SpikeRecorder):
        device = nest.Create("spike_recorder")
        emitting = senders[recorder.group.name]  # for Poisson sources, their parrots
        nest.Connect(emitting, device)
        return device, emitting[0].global_id
    if isinstance(recorder, StateRecorder):
        device = nest.Create(
            "multimeter",
            params={
                "record_from": [recorder.variable],
                "interval": recorder.interval_steps * network.dt,
            },
        )
        population = nodes[recorder.population.name]
        node_ids = np.asarray(population.tolist())[recorder.indices]
        nest.Connect(device, nest.NodeCollection(sorted(set(node_ids.tolist()))))
        return device, (recorder.variable, node_ids)
    return None, None  # population rates: compute them from recorded spikes in NEST
