"""Argument checks shared by every family. Messages name the argument, what was
expected and what was received, e.g. ``Reservoir.leak_rate: must be in (0, 1] (got 1.5)``."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np


def _where(owner: str | None, name: str) -> str:
    return f"{owner}.{name}" if owner else name


def check_int(value, name: str, *, low: int | None = None, owner: str | None = None) -> int:
    """Return ``value`` as ``int``; raise unless it is an integer ``>= low``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{_where(owner, name)}: expected an int (got {value!r})")
    if low is not None and value < low:
        raise ValueError(f"{_where(owner, name)}: must be >= {low} (got {value})")
    return int(value)


def check_float(
    value,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    owner: str | None = None,
) -> float:
    """Return ``value`` as a finite ``float`` inside the given interval."""
    where = _where(owner, name)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: expected a real number (got {value!r})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{where}: must be finite (got {value})")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise ValueError(f"{where}: must be in {left}{lo}, {hi}{right} (got {value:g})")
    return value


def check_choice(value, name: str, choices: Sequence[str], *, owner: str | None = None) -> str:
    """Return ``value`` if it is one of ``choices``; otherwise list the valid ones."""
    if value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{_where(owner, name)}: expected one of {valid} (got {value!r})")
    return value


def as_float_array(
    value,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    dtype=np.float64,
    owner: str | None = None,
    allow_nonfinite: bool = False,
) -> np.ndarray:
    """Convert to a C-contiguous float array, checking its rank and that it is finite."""
    where = _where(owner, name)
    try:
        array = np.asarray(value)
    except Exception as error:  # ragged lists and the like
        raise TypeError(f"{where}: could not be converted to an array ({error})") from None
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        raise TypeError(f"{where}: expected numbers (got an array of dtype {array.dtype})")
    if np.iscomplexobj(array):
        raise TypeError(f"{where}: expected real numbers (got complex values)")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if array.ndim not in allowed:
            ranks = " or ".join(str(a) for a in allowed)
            raise ValueError(
                f"{where}: expected a {ranks}-dimensional array (got shape {array.shape})"
            )
    array = np.asarray(array, dtype=dtype, order="C")  # keeps 0-d arrays 0-d
    if not allow_nonfinite and not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        raise ValueError(
            f"{where}: contains NaN or infinite values (first at index {tuple(int(i) for i in bad)})"
        )
    return array


def as_sequences(value, name: str, *, n_features: int | None = None, dtype=np.float64, owner=None):
    """Normalise time-series input to ``(kind, data)``.

    ``kind`` is ``"single"`` for one (T, n) array, ``"list"`` for a list or
    tuple of such arrays (their lengths may differ) and ``"batch"`` for a
    (B, T, n) array. ``data`` is a list of C-contiguous 2-d arrays, or the 3-d
    array for a batch. Checks the feature count and that every value is finite.
    """
    where = _where(owner, name)
    if isinstance(value, list | tuple):
        if not value:
            raise ValueError(f"{where}: the list of sequences is empty")
        arrays = [
            as_float_array(v, f"{name}[{k}]", ndim=2, dtype=dtype, owner=owner)
            for k, v in enumerate(value)
        ]
        kind, data = "list", arrays
    else:
        array = as_float_array(value, name, dtype=dtype, owner=owner, ndim=(1, 2, 3))
        if array.ndim == 1:
            raise ValueError(
                f"{where}: expected shape (T, n_features) or (B, T, n_features) (got a 1-d array of "
                f"shape {array.shape}); reshape a single series with x[:, None]"
            )
        kind, data = ("single", [array]) if array.ndim == 2 else ("batch", array)
        arrays = [array] if array.ndim == 2 else [array[0]]
    for k, array in enumerate(arrays):
        if array.shape[0] == 0:
            raise ValueError(f"{where}: sequence {k} has no time steps")
        if n_features is not None and array.shape[-1] != n_features:
            raise ValueError(
                f"{where}: expected {n_features} features per step (got {array.shape[-1]})"
            )
    if kind == "list":
        widths = {a.shape[1] for a in arrays}
        if len(widths) > 1:
            raise ValueError(f"{where}: sequences have different feature counts {sorted(widths)}")
    return kind, data
