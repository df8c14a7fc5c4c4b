import numpy as np
import pytest

from neurodyn.random import as_generator, check_seed, spawn


def test_spawn_is_reproducible_and_prefix_stable():
    first = [g.random(3) for g in spawn(5, 3)]
    again = [g.random(3) for g in spawn(5, 3)]
    longer = [g.random(3) for g in spawn(5, 4)]
    for a, b, c in zip(first, again, longer, strict=False):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert not np.array_equal(first[0], first[1])


def test_generators_pass_through_and_spawn():
    rng = np.random.default_rng(1)
    assert as_generator(rng) is rng
    children = spawn(np.random.default_rng(1), 2)
    again = spawn(np.random.default_rng(1), 2)
    np.testing.assert_array_equal(children[1].random(2), again[1].random(2))


@pytest.mark.parametrize(
    ("seed", "error"), [(-1, ValueError), (1.5, TypeError), ("0", TypeError), (True, TypeError)]
)
def test_bad_seeds(seed, error):
    with pytest.raises(error, match="seed"):
        check_seed(seed)
