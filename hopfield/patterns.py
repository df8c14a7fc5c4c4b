"""Pattern helpers: random ±1 patterns, corruption, overlaps, 0/1 data and images."""

from __future__ import annotations

import numpy as np

from neurodyn._validation import as_float_array, check_float, check_int
from neurodyn.random import SeedLike, as_generator

__all__ = [
    "check_bipolar",
    "flip",
    "image_to_pattern",
    "overlap",
    "pattern_to_image",
    "random_patterns",
    "to_binary",
    "to_bipolar",
]


def check_bipolar(
    patterns, name: str = "patterns", *, n_units: int | None = None, ndim=(1, 2)
) -> np.ndarray:
    """Return ``patterns`` as an int8 array after checking every entry is -1 or +1."""
    array = as_float_array(patterns, name, ndim=ndim)
    if not np.all(np.abs(array) == 1):
        bad = np.argwhere(np.abs(array) != 1)[0]
        raise ValueError(
            f"{name}: entries must be -1 or +1 (got {array[tuple(bad)]:g} at index "
            f"{tuple(int(i) for i in bad)}); convert 0/1 data with to_bipolar()"
        )
    if n_units is not None and array.shape[-1] != n_units:
        raise ValueError(f"{name}: expected {n_units} units per pattern (got {array.shape[-1]})")
    return array.astype(np.int8)


def random_patterns(
    n_patterns: int, n_units: int, *, seed: SeedLike = None, bias: float = 0.0
) -> np.ndarray:
    """(n_patterns, n_units) ±1 patterns; each entry is +1 with probability (1 + bias) / 2."""
    n_patterns = check_int(n_patterns, "n_patterns", low=1)
    n_units = check_int(n_units, "n_units", low=1)
    bias = check_float(bias, "bias", low=-1.0, high=1.0)
    draws = as_generator(seed).random((n_patterns, n_units))
    return np.where(draws < (1.0 + bias) / 2.0, 1, -1).astype(np.int8)


def flip(patterns, fraction: float, *, seed: SeedLike = None) -> np.ndarray:
    """Copies with exactly ``round(fraction * N)`` entries of each pattern flipped."""
    array = check_bipolar(patterns)
    fraction = check_float(fraction, "fraction", low=0.0, high=1.0)
    rng = as_generator(seed)
    flat = np.atleast_2d(array).copy()
    n_flips = round(fraction * flat.shape[1])
    for row in flat:
        row[rng.choice(flat.shape[1], n_flips, replace=False)] *= -1
    return flat.reshape(array.shape)


def overlap(states, pattern) -> np.ndarray | float:
    """m = s·ξ / N: 1 for the pattern itself, -1 for its reverse, ~0 for unrelated states."""
    a = np.asarray(states, dtype=np.float64)
    b = np.asarray(pattern, dtype=np.float64)
    result = a @ b / a.shape[-1]
    return float(result) if np.ndim(result) == 0 else result


def to_bipolar(binary) -> np.ndarray:
    """0/1 (or boolean) data to -1/+1 (int8)."""
    array = np.asarray(binary)
    if not np.all((array == 0) | (array == 1)):
        raise ValueError("binary: entries must be 0 or 1")
    return (2 * array.astype(np.int8) - 1).astype(np.int8)


def to_binary(bipolar) -> np.ndarray:
    """-1/+1 data to 0/1 (uint8)."""
    return ((check_bipolar(bipolar, "bipolar") + 1) // 2).astype(np.uint8)


def image_to_pattern(image, threshold: float | None = None) -> np.ndarray:
    """A grey-level image (any shape) to a flat ±1 pattern: +1 where the pixel is above
    ``threshold`` (default: the image's mean)."""
    pixels = as_float_array(image, "image", ndim=(1, 2, 3))
    cut = pixels.mean() if threshold is None else threshold
    return np.where(pixels.ravel() > cut, 1, -1).astype(np.int8)


def pattern_to_image(pattern, shape) -> np.ndarray:
    """A flat ±1 pattern back to an image of 0/1 values with the given shape."""
    return to_binary(pattern).reshape(shape)
