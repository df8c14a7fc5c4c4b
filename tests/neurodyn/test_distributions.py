import numpy as np
import pytest

from neurodyn.distributions import LogNormal, Normal, Uniform, sample


def test_numbers_arrays_and_distributions(rng):
    np.testing.assert_array_equal(sample(2.5, 4, rng, "w"), [2.5] * 4)
    np.testing.assert_array_equal(sample([1, 2, 3], 3, rng, "w"), [1.0, 2.0, 3.0])
    drawn = sample(Uniform(-1.0, 2.0), 10_000, rng, "w")
    assert drawn.min() >= -1.0 and drawn.max() < 2.0 and abs(drawn.mean() - 0.5) < 0.05
    positive = sample(LogNormal(0.0, 0.5), 10_000, rng, "w")
    assert positive.min() > 0 and abs(np.log(positive).std() - 0.5) < 0.02
    custom = sample(lambda r, size: r.integers(0, 3, size), 5, rng, "w")
    assert custom.dtype == np.float64 and custom.shape == (5,)


def test_truncated_normal_redraws_into_its_interval(rng):
    from scipy.stats import truncnorm

    values = Normal(0.0, 1.0, low=-0.5, high=1.0)(rng, 20_000)
    assert values.min() >= -0.5 and values.max() <= 1.0
    expected = truncnorm(-0.5, 1.0)
    assert values.mean() == pytest.approx(expected.mean(), abs=4 * expected.std() / np.sqrt(20_000))
    with pytest.raises(ValueError, match="too far in the tail"):
        Normal(0.0, 1.0, low=30.0, high=31.0)(rng, 10)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Uniform(1.0, 1.0), "Uniform.high: must exceed low"),
        (lambda: Normal(0.0, -1.0), r"Normal.std: must be in \[0"),
        (lambda: LogNormal(0.0, float("nan")), "LogNormal.sigma: must be finite"),
    ],
)
def test_invalid_parameters_name_the_argument(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_wrong_lengths_and_values_name_the_argument(rng):
    with pytest.raises(ValueError, match=r"proj.weight: expected a number or 3 values"):
        sample([1.0, 2.0], 3, rng, "proj.weight")
    with pytest.raises(ValueError, match="delay: the distribution returned shape"):
        sample(lambda r, size: np.zeros(size + 1), 3, rng, "delay")
    with pytest.raises(ValueError, match="V_m: contains NaN"):
        sample([0.0, np.nan], 2, rng, "V_m")
