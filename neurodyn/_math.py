"""Elementary functions for kernels: vectorisable and accurate to a few ulp."""

import math

import numpy as np
from numba import njit

from neurodyn._intrinsics import fma
from neurodyn.config import inline_options

_LN2_HI = 6.93147180369123816490e-01  # ln 2 split in two for exact range reduction
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.4426950408889634
_TWO_M60 = 2.0**-60
_SATURATION = 19.5  # tanh(x) rounds to ±1 in float64 beyond |x| = 19.06
# 1/k! for k = 13 .. 1: expm1(r) = r Σ r^(k-1)/k!, truncation error < 1e-17 for |r| <= ln2/2
_EXPM1_TAYLOR = tuple(1.0 / math.factorial(k) for k in range(13, 0, -1))


@njit(**inline_options())
def fast_tanh(x):
    """tanh to within 2 ulp, branch-free so that loops over it vectorise.

    tanh|x| = -expm1(-2|x|) / (2 + expm1(-2|x|)), with expm1 computed by range
    reduction y = k ln2 + r, |r| <= ln2/2, a degree-13 Taylor polynomial for
    expm1(r), and 2^k built exactly from an integer shift. NaN propagates.
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
    scale = np.float64(np.int64(1) << np.int64(k + 60.0)) * _TWO_M60  # 2^k, k in [-57, 0]
    expm1_y = fma(scale, expm1_r, scale - 1.0)
    t = (0.0 - expm1_y) / (2.0 + expm1_y)
    return t if x >= 0 else -t


@njit(**inline_options())
def fast_sigmoid(x):
    """The logistic function 1 / (1 + exp(-x)) = (1 + tanh(x / 2)) / 2."""
    return 0.5 + 0.5 * fast_tanh(0.5 * x)
