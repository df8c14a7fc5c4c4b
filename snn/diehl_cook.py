"""Unsupervised learning with spikes in the style of Diehl & Cook (2015).

Inputs are Poisson trains whose rates are the features; an excitatory layer of
conductance-based LIF neurons learns them through STDP, and three mechanisms make
its neurons specialise:

* **lateral inhibition**: each excitatory neuron drives its own inhibitory partner,
  which inhibits every other excitatory neuron (a soft winner-take-all);
* **adaptive thresholds**: each spike raises its neuron's threshold by
  ``theta_plus`` (``LIFCond``'s homeostatic threshold), so no neuron wins everything;
* **synaptic scaling**: after every input shown, each neuron's input weights are
  scaled to one total (:meth:`snn.Projection.normalize`).

No label is used while learning. Afterwards each neuron is labelled with the class
it responds to most (on the training inputs, the network frozen), and an input is
classified by the class whose neurons fire most on average.

Differences from the paper, for 8 × 8 inputs: nearest-neighbour pair STDP (their
rule potentiates by a second, slower post trace: with the few spikes per input that
64 inputs give, it hardly potentiates at all); the input weights' total scaled to
the number of inputs; inputs that make fewer than ``min_spikes`` spikes are not
shown again at a higher rate.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

from neurodyn._validation import as_float_array, check_float, check_int
from neurodyn.progress import Progress, ProgressLike
from neurodyn.random import SeedLike, spawn
from snn.models import LIFCond
from snn.network import Network
from snn.plasticity import STDP, Additive, PairTiming

__all__ = ["DiehlCook"]

# The paper's neurons: tau_m = 100 ms (excitatory) and 10 ms (inhibitory) with g_L = 1 nS,
# so conductances are in units of the leak, as the paper writes them.
EXCITATORY = dict(E_L=-65.0, V_reset=-65.0, V_th=-52.0, t_ref=5.0, C_m=100.0, g_L=1.0,
                  E_ex=0.0, E_in=-100.0, tau_syn_ex=1.0, tau_syn_in=2.0)  # fmt: skip
INHIBITORY = dict(E_L=-60.0, V_reset=-45.0, V_th=-40.0, t_ref=2.0, C_m=10.0, g_L=1.0,
                  E_ex=0.0, E_in=-85.0, tau_syn_ex=1.0, tau_syn_in=2.0)  # fmt: skip
EXCITE_PARTNER = 10.4  # nS, excitatory neuron -> its inhibitory partner (the paper's)
SELECTIVITY = 2.0  # a neuron is labelled if its best class's mean response is 2x its mean


class DiehlCook:
    """An excitatory layer that learns its inputs without labels (see the module docstring).

    Parameters
    ----------
    n_neurons : excitatory neurons (and as many inhibitory ones).
    max_rate : Hz, the rate of a feature at its largest value (features are scaled by
        the training data's maximum).
    presentation, rest : ms each input is shown, then silence to let the layer settle.
    epochs : passes over the training data while learning (default: max(2, n_neurons / 50),
        so that every neuron wins enough inputs to learn one).
    timing : the STDP timing rule of the input synapses (weights within [0, 1] nS).
    theta_plus : mV, threshold rise per spike while learning; tau_theta : ms, its decay.
    inhibition : nS, conductance of each inhibitory synapse onto the excitatory layer.
    weight_total : nS, each neuron's input weights sum to this after every input
        (default: 0.1 per input, the paper's 78 for 784 pixels).
    dt : ms; seed; progress : a tqdm bar (True), silent (False) or a callback.
    """

    def __init__(
        self,
        n_neurons: int = 100,
        *,
        max_rate: float = 250.0,
        presentation: float = 350.0,
        rest: float = 150.0,
        epochs: int | None = None,
        timing: PairTiming | None = None,
        theta_plus: float = 0.05,
        tau_theta: float = 1e7,
        inhibition: float = 17.0,
        weight_total: float | None = None,
        dt: float = 0.5,
        seed: SeedLike = None,
        progress: ProgressLike = None,
    ) -> None:
        owner = "DiehlCook"
        self.n_neurons = check_int(n_neurons, "n_neurons", low=1, owner=owner)
        self.max_rate = check_float(max_rate, "max_rate", low=0.0, low_open=True, owner=owner)
        self.presentation = check_float(presentation, "presentation", low=dt, owner=owner)
        self.rest = check_float(rest, "rest", low=0.0, owner=owner)
        # a neuron needs a few dozen inputs it wins to learn one; one that learned nothing
        # keeps random weights and a low threshold, and can end up answering everything
        default_epochs = max(2, round(self.n_neurons / 50))
        self.epochs = check_int(
            default_epochs if epochs is None else epochs, "epochs", low=1, owner=owner
        )
        self.timing = timing or PairTiming(A_plus=0.05, A_minus=0.001, pairing="nearest")
        if not isinstance(self.timing, PairTiming):
            raise TypeError(f"DiehlCook.timing: expected snn.PairTiming (got {self.timing!r})")
        self.theta_plus = check_float(theta_plus, "theta_plus", low=0.0, owner=owner)
        self.tau_theta = check_float(tau_theta, "tau_theta", low=0.0, low_open=True, owner=owner)
        self.inhibition = check_float(inhibition, "inhibition", low=0.0, owner=owner)
        self.weight_total = None if weight_total is None else check_float(
            weight_total, "weight_total", low=0.0, low_open=True, owner=owner
        )  # fmt: skip
        self.dt = check_float(dt, "dt", low=0.0, low_open=True, owner=owner)
        self.seed = seed
        self.progress = progress

    # --- learning -------------------------------------------------------------------------
    def fit(self, X, y) -> DiehlCook:
        """Learn from ``X`` (n_samples, n_features), non-negative, without labels; then label
        the neurons with ``y`` (n_samples,) from the frozen layer's responses.

        Sets ``weights_`` (n_neurons, n_features) nS, ``theta_`` (n_neurons,) mV,
        ``classes_``, ``labels_`` (n_neurons,; -1 for a neuron that never fired) and
        ``label_index_`` (the same as indices into ``classes_``).
        """
        X = self._check_X(X, fitting=True)
        y = np.asarray(y)
        if y.shape != (X.shape[0],):
            raise ValueError(f"DiehlCook.fit.y: expected ({X.shape[0]},) labels (got {y.shape})")
        self.scale_ = float(X.max()) or 1.0
        learning_seed, initial_seed, responses = spawn(self.seed, 3)
        self._response_seed = int(responses.integers(2**63))  # the same inputs every call
        total = self.weight_total or 0.1 * X.shape[1]
        order = np.concatenate(
            [np.random.default_rng(learning_seed).permutation(len(X)) for _ in range(self.epochs)]
        )
        initial = np.random.default_rng(initial_seed).uniform(0.0, 0.3, self.n_neurons * X.shape[1])
        net, layer, inputs = self._network(X[order], self.theta_plus, learning_seed)
        rule = STDP(self.timing, Additive(0.0, 1.0))
        synapses = net.connect(inputs, layer, rule="all_to_all", weight=initial, delay=self.dt,
                               receptor="ex", plasticity=rule)  # fmt: skip
        synapses.normalize(total)
        with Progress(len(order), self.progress, desc="DiehlCook.fit", unit="input") as bar:
            for _ in order:
                net.run(self.presentation + self.rest, progress=False)
                synapses.normalize(total)
                bar.update(1)
        self.weights_ = np.array(synapses.weights).reshape(self.n_neurons, X.shape[1])
        self.theta_ = layer.get("theta")
        self.classes_, codes = np.unique(y, return_inverse=True)
        counts = self.responses(X)
        mean = np.stack([counts[codes == c].mean(axis=0) for c in range(len(self.classes_))])
        # a neuron that never answered has no class (the paper's argmax would give it the
        # first one, and its silence would vote for that class), nor has one that answers
        # every class alike: a neuron that learned little (its weights still random) and
        # kept a low threshold can answer nearly every input, and would vote for its class
        # every time
        selective = mean.max(axis=0) >= SELECTIVITY * mean.mean(axis=0)
        self.label_index_ = np.where((mean.max(axis=0) > 0.0) & selective, mean.argmax(axis=0), -1)
        self.labels_ = np.where(self.label_index_ >= 0, self.classes_[self.label_index_], -1)
        return self

    def responses(self, X) -> np.ndarray:
        """Spike counts (n_samples, n_neurons) of the frozen layer, one row per input shown."""
        X = self._check_X(X)
        net, layer, inputs = self._network(X, 0.0, self._response_seed)
        layer.set(theta=self.theta_)
        net.connect(inputs, layer, rule="all_to_all", weight=self.weights_.ravel(),
                    delay=self.dt, receptor="ex")  # fmt: skip
        spikes = net.record_spikes(layer)
        net.run(len(X) * (self.presentation + self.rest), progress=False)
        shown = (spikes.times // (self.presentation + self.rest)).astype(np.int64)
        counts = np.zeros((len(X), self.n_neurons))
        np.add.at(counts, (shown, spikes.indices), 1.0)
        return counts

    def predict(self, X) -> np.ndarray:
        """The class whose neurons fire most on average, per input (n_samples,)."""
        counts = self.responses(X)
        votes = np.stack(
            [
                counts[:, self.label_index_ == c].mean(axis=1)
                if np.any(self.label_index_ == c)
                else np.full(len(counts), -1.0)
                for c in range(len(self.classes_))
            ],
            axis=1,
        )
        return self.classes_[votes.argmax(axis=1)]

    def score(self, X, y) -> float:
        """Accuracy of :meth:`predict` on ``X`` against ``y``."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    # --- the network ---------------------------------------------------------------------
    def _network(self, X, theta_plus: float, seed) -> tuple[Network, object, object]:
        """The layer, its inhibitory partners and the inputs showing the rows of ``X``."""
        net = Network(dt=self.dt, seed=seed)
        layer = net.add_population(
            self.n_neurons,
            LIFCond(**EXCITATORY, theta_plus=theta_plus, tau_theta=self.tau_theta),
            name="excitatory",
        )
        partners = net.add_population(self.n_neurons, LIFCond(**INHIBITORY), name="inhibitory")
        net.connect(layer, partners, rule="one_to_one", weight=EXCITE_PARTNER, delay=self.dt)
        if self.inhibition > 0.0:
            others = nx.complete_graph(self.n_neurons, create_using=nx.DiGraph)
            nx.set_edge_attributes(others, -self.inhibition, "weight")
            nx.set_edge_attributes(others, self.dt, "delay")
            net.connect_graph(others, partners, layer)
        inputs = net.add_poisson(
            X.shape[1], self._course(X), interval=self._interval(), name="inputs"
        )
        return net, layer, inputs

    def _interval(self) -> float:
        """The longest step (ms) that both the presentation and the rest are multiples of."""
        steps = [round(d / self.dt) for d in (self.presentation, self.rest)]
        return math.gcd(*steps) * self.dt

    def _course(self, X: np.ndarray) -> np.ndarray:
        """Poisson rates (rows of ``interval`` ms, n_features) Hz showing each row of ``X``."""
        interval = self._interval()
        shown, silent = round(self.presentation / interval), round(self.rest / interval)
        rates = X / self.scale_ * self.max_rate
        block = np.concatenate(
            [np.repeat(rates[:, None, :], shown, axis=1), np.zeros((len(X), silent, X.shape[1]))],
            axis=1,
        )
        return block.reshape(-1, X.shape[1])

    def _check_X(self, X, fitting: bool = False) -> np.ndarray:
        X = as_float_array(X, "X", ndim=(2,), owner="DiehlCook")
        if np.any(X < 0) or not np.all(np.isfinite(X)):
            raise ValueError("DiehlCook.X: features must be finite and >= 0 (they become rates)")
        if not fitting:
            if not hasattr(self, "weights_"):
                raise RuntimeError("DiehlCook: call fit() before responses() or predict()")
            if X.shape[1] != self.weights_.shape[1]:
                raise ValueError(
                    f"DiehlCook.X: expected {self.weights_.shape[1]} features (got {X.shape[1]})"
                )
        return X
