"""Compilation settings shared by every kernel module.

Kernels are compiled without fast-math flags. ``nnan`` and ``ninf`` would break
the NaN and infinity checks that report divergence; ``reassoc`` would make sums
depend on vectorisation; and ``contract`` (fusing every multiply-add) slowed the
sparse dot products by half here, because the fused multiply lands on the
running sum's dependency chain. Where fusing does pay (polynomials), kernels
call :func:`neurodyn._intrinsics.fma` explicitly.

``error_model="numpy"`` drops Python's zero-division checks, which otherwise
stop LLVM from vectorising loops that divide.

For developers: Numba's on-disk cache is keyed on the file that defines a
kernel, not on the helpers it inlines. After editing ``neurodyn/_math.py`` or
``neurodyn/_intrinsics.py`` alone, delete the ``__pycache__`` folders (or set
``NUMBA_CACHE_DIR`` to a fresh folder) so kernels are recompiled. An installed
release is unaffected: installing rewrites every file.
"""

FASTMATH: frozenset = frozenset()


def jit_options(**extra) -> dict:
    """Keyword arguments for ``numba.njit`` of a cached kernel."""
    return {"cache": True, "error_model": "numpy", "fastmath": set(FASTMATH)} | extra


def inline_options(**extra) -> dict:
    """Keyword arguments for ``numba.njit`` of a helper inlined into kernels."""
    return {"inline": "always", "error_model": "numpy", "fastmath": set(FASTMATH)} | extra
