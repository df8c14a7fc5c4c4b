"""Reward-modulated STDP against its definition: the weight change equals a double sum
over (spike pair, reward) of the pair's eligibility jump times the dopamine it meets,
integrated in closed form, on both drivers, however the run is cut into pieces."""

import numpy as np
import pytest

import snn
from snn.networks import reward_conditioning

TAU_PLUS, TAU_MINUS, A_PLUS, A_MINUS = 20.0, 20.0, 0.01, 0.012
TAU_C, TAU_N = 300.0, 80.0
LIF = snn.LIF(E_L=0.0, V_th=15.0, V_reset=0.0, t_ref=2.0)
DELAY = 1.0


def _rule(baseline=0.0):
    return snn.STDP(
        snn.PairTiming(TAU_PLUS, TAU_MINUS, A_PLUS, A_MINUS),
        snn.Additive(0.0, 5.0),
        dopamine=snn.Dopamine(tau_c=TAU_C, tau_n=TAU_N, baseline=baseline),
    )


def _trains(seed=0, n_pre=6, duration=1500.0):
    rng = np.random.default_rng(seed)
    pre = [np.sort(np.round(rng.uniform(10.0, duration - 50.0, 12), 1)) for _ in range(n_pre)]
    post = np.sort(np.round(rng.uniform(10.0, duration - 50.0, 15), 1))
    post = post[np.concatenate([[True], np.diff(post) > 3.0])]  # outside t_ref = 2 ms
    return pre, post


def _network(pre, post, baseline=0.0):
    net = snn.Network(dt=0.1)
    neuron = net.add_population(1, LIF, V_m=0.0)
    times = np.concatenate(pre)
    units = np.concatenate([np.full(t.size, i) for i, t in enumerate(pre)])
    source = net.add_spike_source(times, units, n=len(pre))
    teacher = net.add_spike_source(post - 1.0, np.zeros(post.size, int), n=1)
    net.connect(teacher, neuron, rule="one_to_one", weight=30.0, delay=1.0)
    projection = net.connect(source, neuron, rule="all_to_all", weight=2.0, delay=DELAY,
                             plasticity=_rule(baseline))  # fmt: skip
    return net, neuron, projection


def _expected(pre, post, rewards, amounts, until, baseline=0.0):
    """w(until) - w(0) per synapse: each pair's eligibility jump (at the later of its two
    times) times the integral of its decay against each reward's dopamine, minus baseline."""
    tau_both = 1.0 / (1.0 / TAU_C + 1.0 / TAU_N)
    changes = []
    for train in pre:
        total = 0.0
        for arrival in train + DELAY:
            for spike in post:
                lag = spike - arrival
                jump = (
                    A_PLUS * np.exp(-lag / TAU_PLUS)
                    if lag >= 0
                    else -A_MINUS * np.exp(lag / TAU_MINUS)
                )
                at = max(arrival, spike)
                if at > until:
                    continue
                for time, amount in zip(rewards, amounts, strict=True):
                    start = max(at, time)
                    if start >= until:
                        continue
                    meeting = np.exp(-(start - at) / TAU_C - (start - time) / TAU_N)
                    integral = meeting * tau_both * -np.expm1(-(until - start) / tau_both)
                    total += jump * amount / TAU_N * integral
                total -= baseline * jump * TAU_C * -np.expm1(-(until - at) / TAU_C)
        changes.append(total)
    return np.array(changes)


@pytest.mark.parametrize("driver", ["clock", "event"])
def test_weights_follow_eligibility_times_dopamine(driver):
    pre, post = _trains()
    rewards, amounts = np.array([200.0, 650.0, 651.5, 1200.0]), np.array([1.0, 2.0, 0.5, 3.0])
    net, neuron, projection = _network(pre, post)
    net.reward(amounts, at=rewards)
    spikes = net.record_spikes(neuron)
    net.run(1600.0, driver=driver, progress=False)
    np.testing.assert_allclose(spikes.times, post)  # the pairs as planned
    expected = _expected(pre, post, rewards, amounts, 1600.0)
    assert np.abs(expected).max() > 0.01  # the rewards changed the weights
    np.testing.assert_allclose(projection.weights - 2.0, expected, rtol=1e-9, atol=1e-14)


def test_without_reward_nothing_changes_and_the_eligibility_waits():
    pre, post = _trains(seed=1)
    net, _, projection = _network(pre, post)
    net.run(1000.0, progress=False)
    assert np.all(projection.weights == 2.0)
    net.reward(4.0)  # a late reward still meets the decayed eligibility
    net.run(600.0, progress=False)
    expected = _expected(pre, post, [1000.0], [4.0], 1600.0)
    np.testing.assert_allclose(projection.weights - 2.0, expected, rtol=1e-9, atol=1e-14)


def test_pieces_of_a_run_and_recordings_see_the_same_weights():
    pre, post = _trains(seed=2)
    rewards, amounts = np.array([300.0, 900.0]), np.array([2.0, -1.0])
    whole, _, whole_projection = _network(pre, post, baseline=0.002)
    whole.reward(amounts, at=rewards)
    recorder = whole.record_weights(whole_projection, interval=100.0)
    whole.run(1500.0, progress=False)
    cut, _, cut_projection = _network(pre, post, baseline=0.002)
    cut.reward(amounts, at=rewards)
    for _ in range(15):
        cut.run(100.0, progress=False)
    np.testing.assert_allclose(cut_projection.weights, whole_projection.weights, rtol=1e-12)
    for time, weights in zip(recorder.times, recorder.values, strict=True):
        expected = _expected(pre, post, rewards, amounts, time, baseline=0.002)
        np.testing.assert_allclose(weights - 2.0, expected, rtol=1e-9, atol=1e-13)


def test_save_and_load_keep_the_eligibility_and_the_rewards(tmp_path):
    pre, post = _trains(seed=3)
    rewards, amounts = np.array([500.0, 1400.0]), np.array([1.0, 1.0])
    net, _, projection = _network(pre, post)
    net.reward(amounts, at=rewards)
    net.run(800.0, progress=False)
    net.save(tmp_path / "rewarded.npz")
    net.run(800.0, progress=False)
    loaded = snn.Network.load(tmp_path / "rewarded.npz")
    loaded.run(800.0, progress=False)
    np.testing.assert_allclose(loaded.projections[-1].weights, projection.weights, rtol=1e-12)


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="Additive"):
        snn.STDP(snn.PairTiming(), snn.Multiplicative(0.0, 1.0), dopamine=snn.Dopamine())
    with pytest.raises(ValueError, match="tau_n"):
        snn.Dopamine(tau_n=0.0)
    net = snn.Network(dt=0.1)
    net.add_population(1, LIF)
    net.run(10.0, progress=False)
    with pytest.raises(ValueError, match="past"):
        net.reward(1.0, at=5.0)
    with pytest.raises(ValueError, match="finite"):
        net.reward(np.nan)
    rule = _rule(0.001)
    assert snn.STDP.from_config(rule.config()) == rule


def test_reward_teaches_a_neuron_to_answer_one_pattern():
    """Rewarded after A trials, punished after B trials: A's synapses grow, B's shrink and
    the neuron comes to answer A more and B less. Measured (200 trials): weights 50 → 72
    (A) and 50 → 31 pA (B); spikes per trial, first and last 40 trials: A 19.9 → 29.6,
    B 18.5 → 9.5."""
    result = reward_conditioning(200, seed=0)
    shown_a, spikes = result["shown_a"], result["spikes"]
    first, last = slice(0, 40), slice(160, 200)
    assert result["weight_a"][-1] > 65.0 and result["weight_b"][-1] < 37.0
    assert spikes[last][shown_a[last]].mean() > 1.3 * spikes[first][shown_a[first]].mean()
    assert spikes[last][~shown_a[last]].mean() < 0.65 * spikes[first][~shown_a[first]].mean()
