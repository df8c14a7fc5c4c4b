"""Elementary functions for kernels: vectorisable and accurate to a few ulp.

Kernels call :func:`tanh` and :func:`sigmoid`, which pick the implementation
matching the precision of their argument when compiled.
"""

import math

import numpy as np
from numba import njit, types
from numba.extending import overload

from neurodyn._intrinsics import float32_from_bits, float64_from_bits, fma
from neurodyn.config import inline_options

_LN2_HI = 6.93147180369123816490e-01  # ln 2 split in two for exact range reduction
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.4426950408889634
_SATURATION = 19.5  # tanh(x) rounds to ±1 in float64 beyond |x| = 19.06
# 1/k! for k = 13 .. 1: expm1(r) = r Σ r^(k-1)/k!, truncation error < 1e-17 for |r| <= ln2/2
_EXPM1_TAYLOR = tuple(1.0 / math.factorial(k) for k in range(13, 0, -1))


@njit(**inline_options())
def fast_tanh(x):
    """tanh to within 2 ulp, branch-free so that loops over it vectorise.

    tanh|x| = -expm1(-2|x|) / (2 + expm1(-2|x|)), with expm1 computed by range
    reduction y = k ln2 + r, |r| <= ln2/2, a degree-13 Taylor polynomial for
    expm1(r), and 2^k built exactly in its exponent bits. NaN propagates.
    """
    z = abs(x)
    z = _SATURATION if z > _SATURATION else z
    y = -2.0 * z
    k = np.floor(y * _INV_LN2 + 0.5)
    r = fma(-k, _LN2_LO, fma(-k, _LN2_HI, y))
    polynomial = 0.0
    for coefficient in _EXPM1_TAYLOR:
        polynomial = fma(polynomial, r, coefficient)
    expm1_r = polynomial * r
    scale = float64_from_bits((np.int64(np.int32(k)) + 1023) << 52)  # 2^k, k in [-57, 0]
    expm1_y = fma(scale, expm1_r, scale - 1.0)
    t = (0.0 - expm1_y) / (2.0 + expm1_y)
    return t if x >= 0 else -t


@njit(**inline_options())
def fast_sigmoid(x):
    """The logistic function 1 / (1 + exp(-x)) = (1 + tanh(x / 2)) / 2."""
    return 0.5 + 0.5 * fast_tanh(0.5 * x)


# --- single precision ---------------------------------------------------------------------
# The same construction with float32 constants, a degree-8 polynomial and 2^k for
# k in [-28, 0]: within 1.5e-7 of tanh (about 1 ulp), and it vectorises twice as
# wide as the double-precision version.
_F32 = np.float32
_LN2_HI_32 = _F32(0.693145751953125)  # exact in float32
_LN2_LO_32 = _F32(1.428606765330187e-06)
_INV_LN2_32 = _F32(_INV_LN2)
_SATURATION_32 = _F32(9.5)  # tanh(x) rounds to ±1 in float32 beyond |x| = 9.01
_EXPM1_TAYLOR_32 = tuple(_F32(1.0 / math.factorial(k)) for k in range(8, 0, -1))


@njit(**inline_options())
def fast_tanh32(x):
    """float32 tanh to within 1.5e-7 (see :func:`fast_tanh`)."""
    z = abs(x)
    z = _SATURATION_32 if z > _SATURATION_32 else z
    y = _F32(-2.0) * z
    k = np.floor(y * _INV_LN2_32 + _F32(0.5))
    r = fma(-k, _LN2_LO_32, fma(-k, _LN2_HI_32, y))
    polynomial = _F32(0.0)
    for coefficient in _EXPM1_TAYLOR_32:
        polynomial = fma(polynomial, r, coefficient)
    expm1_r = polynomial * r
    scale = float32_from_bits((np.int32(k) + np.int32(127)) << np.int32(23))  # 2^k, k in [-28, 0]
    expm1_y = fma(scale, expm1_r, scale - _F32(1.0))
    t = (_F32(0.0) - expm1_y) / (_F32(2.0) + expm1_y)
    return t if x >= 0 else -t


def like(value, array):
    """``value`` converted to the element type of ``array`` (for scalars that enter a
    float32 loop: a float64 factor there would widen every element and halve the
    vector width)."""
    return np.asarray(value, dtype=np.asarray(array).dtype)[()]


@overload(like)
def _like_overload(value, array):
    element = array.dtype
    return lambda value, array: element(value)


def tanh(x):
    """tanh in the precision of ``x``: :func:`fast_tanh32` for float32, :func:`fast_tanh` otherwise."""
    return np.tanh(x)


def sigmoid(x):
    """The logistic function in the precision of ``x``."""
    return 1.0 / (1.0 + np.exp(-x))


@overload(tanh)
def _tanh_overload(x):
    if isinstance(x, types.Float) and x.bitwidth == 32:
        return lambda x: fast_tanh32(x)
    return lambda x: fast_tanh(x)


@overload(sigmoid)
def _sigmoid_overload(x):
    if isinstance(x, types.Float) and x.bitwidth == 32:
        return lambda x: _F32(0.5) + _F32(0.5) * fast_tanh32(_F32(0.5) * x)
    return lambda x: fast_sigmoid(x)
