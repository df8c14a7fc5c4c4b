"""Compilation settings shared by every kernel module.

``FASTMATH`` holds the only fast-math flag our kernels use: ``contract``, which
lets LLVM fuse a multiply and an add into one FMA instruction (one rounding
instead of two, so results are at least as accurate). We never enable ``nnan``
or ``ninf``: the kernels rely on NaN and infinity checks to report divergence.
Reassociation (``reassoc``) is also left off, so sums keep a fixed order and
results do not depend on vectorisation or thread count.
"""

FASTMATH = frozenset({"contract"})


def jit_options(**extra) -> dict:
    """Keyword arguments for ``numba.njit`` of a kernel: cached, no Python
    zero-division checks (they block vectorisation) and the shared fast-math flags."""
    return {"cache": True, "error_model": "numpy", "fastmath": set(FASTMATH)} | extra
