import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hopfield import DenseAssociativeMemory, Hopfield, ModernHopfield, flip, random_patterns


# --- dense associative memory -----------------------------------------------------------
def test_exponential_memory_stores_far_more_patterns_than_units():
    patterns = random_patterns(300, 64, seed=0)  # 300 patterns in 64 units (classical: ~9)
    memory = DenseAssociativeMemory(64, "exponential").store(patterns)
    probes = flip(patterns[:50], 0.1, seed=1)
    recalled, info = memory.recall(probes, seed=2, return_info=True)
    np.testing.assert_array_equal(recalled, patterns[:50])
    assert np.all(info.steps <= 2)  # retrieved within one sweep; the second only confirms


def test_cubic_memory_matches_the_measured_capacity():
    # REFERENCES.md section 4: N = 100, n = 3, K = 200 -> exact recall from 10% flipped bits
    patterns = random_patterns(200, 100, seed=3)
    memory = DenseAssociativeMemory(100, "polynomial", degree=3).store(patterns)
    np.testing.assert_array_equal(
        memory.recall(flip(patterns[:10], 0.1, seed=4), seed=5), patterns[:10]
    )
    overloaded = DenseAssociativeMemory(100, "polynomial", degree=3).store(
        random_patterns(800, 100, seed=6)
    )
    assert not np.array_equal(
        overloaded.recall(overloaded.patterns[:10], seed=7), overloaded.patterns[:10]
    )


def test_quadratic_interaction_is_the_classical_hebbian_network():
    # F(x) = x²: F(a + ξ) - F(a - ξ) = 4 a ξ, the Hebbian field without self-coupling
    patterns = random_patterns(12, 80, seed=8)
    probes = flip(patterns, 0.3, seed=9)
    dense = DenseAssociativeMemory(80, "polynomial", degree=2).store(patterns)
    classical = Hopfield(80).store(patterns)
    np.testing.assert_array_equal(
        dense.recall(probes, order="fixed"), classical.recall(probes, order="fixed")
    )


@pytest.mark.parametrize(
    ("interaction", "degree"), [("polynomial", 3), ("rectified", 4), ("exponential", 2)]
)
def test_dense_memory_energy_decreases(interaction, degree):
    patterns = random_patterns(60, 40, seed=10)
    memory = DenseAssociativeMemory(40, interaction, degree=degree, beta=0.5).store(patterns)
    probes = random_patterns(20, 40, seed=11)
    recalled = memory.recall(probes, seed=12)
    assert np.all(memory.energy(recalled) <= memory.energy(probes) + 1e-9)


# --- continuous modern Hopfield ------------------------------------------------------------
@pytest.fixture(scope="module")
def gaussian_patterns():
    return np.random.default_rng(13).normal(size=(4096, 64))  # 64 patterns per dimension


def test_one_update_retrieves_at_large_beta(gaussian_patterns):
    net = ModernHopfield(beta=1.0).store(gaussian_patterns)
    targets = gaussian_patterns[:50]
    queries = targets + np.random.default_rng(14).normal(0, 0.5, targets.shape)
    once = net.recall(queries)
    errors = np.linalg.norm(once - targets, axis=1) / np.linalg.norm(targets, axis=1)
    assert np.max(errors) < 1e-3 and np.median(errors) < 1e-9  # REFERENCES: 6e-4 / 8e-13
    changes = np.max(np.abs(net.recall(queries, n_steps=2) - once), axis=1)
    assert (
        np.median(changes) < 1e-9 and np.max(changes) < 1e-3
    )  # one update is (nearly) a fixed point


def test_small_beta_gives_the_global_average_and_intermediate_beta_metastable_states(
    gaussian_patterns,
):
    patterns = gaussian_patterns[:256]
    query = patterns[0] + np.random.default_rng(15).normal(0, 0.5, 64)
    mean = patterns.mean(axis=0)
    hot = ModernHopfield(beta=1e-4).store(patterns).recall(query, n_steps=3)
    np.testing.assert_allclose(hot, mean, atol=1e-2)
    warm = ModernHopfield(beta=0.1).store(patterns)
    state = warm.recall(query)
    error = np.linalg.norm(state - patterns[0]) / np.linalg.norm(patterns[0])
    assert 0.2 < error < 0.95  # neither the pattern nor the global average
    assert 1 < np.sum(warm.probabilities(query) > 0.01) < 256  # a mixture of several patterns


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), beta=st.floats(0.01, 10.0), n_patterns=st.integers(1, 50))
def test_energy_never_increases(seed, beta, n_patterns):
    rng = np.random.default_rng(seed)
    net = ModernHopfield(beta=beta).store(rng.normal(size=(n_patterns, 8)))
    state = rng.normal(scale=3.0, size=8)
    energies = [net.energy(state)]
    for _ in range(5):
        state = net.recall(state)
        energies.append(net.energy(state))
    assert np.all(np.diff(energies) <= 1e-9 * (1 + np.abs(energies[:-1])))


def test_energy_formula(gaussian_patterns):
    patterns = gaussian_patterns[:10]
    net = ModernHopfield(beta=0.7).store(patterns)
    query = gaussian_patterns[20]
    scores = 0.7 * patterns @ query
    expected = (
        -np.log(np.sum(np.exp(scores))) / 0.7
        + 0.5 * query @ query
        + np.log(10) / 0.7
        + 0.5 * np.max(np.sum(patterns**2, axis=1))
    )
    assert net.energy(query) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: ModernHopfield(beta=0.0), ValueError, "beta"),
        (lambda: ModernHopfield().recall(np.zeros(3)), ValueError, "store patterns"),
        (
            lambda: ModernHopfield().store(np.zeros((2, 3))).recall(np.zeros(4)),
            ValueError,
            "dimension",
        ),
        (lambda: DenseAssociativeMemory(4, "cubic"), ValueError, "interaction"),
        (lambda: DenseAssociativeMemory(4, degree=1), ValueError, "degree"),
        (lambda: DenseAssociativeMemory(4).store([[1, -1, 1, 2]]), ValueError, "-1 or"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
