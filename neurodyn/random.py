"""Seed handling: one root seed, independent child streams per component.

Every random choice in neurodyn takes ``seed``: ``None``, an ``int``, a
``numpy.random.SeedSequence`` or a ``numpy.random.Generator``. The same seed
gives bit-identical results. Components draw from child streams spawned from
the root, so seeding or adding one component never shifts another's numbers.
"""

from __future__ import annotations

import numbers

import numpy as np

SeedLike = None | int | np.integer | np.random.SeedSequence | np.random.Generator

__all__ = ["SeedLike", "as_generator", "check_seed", "child", "root_sequence", "spawn"]


def check_seed(seed: SeedLike, name: str = "seed") -> SeedLike:
    """Raise ``TypeError`` unless ``seed`` is a valid seed; return it unchanged."""
    if seed is None or isinstance(seed, np.random.SeedSequence | np.random.Generator):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"{name}: must be a non-negative integer (got {seed})")
        return seed
    raise TypeError(
        f"{name}: expected None, a non-negative int, a SeedSequence or a "
        f"numpy.random.Generator (got {type(seed).__name__})"
    )


def as_generator(seed: SeedLike, name: str = "seed") -> np.random.Generator:
    """Return a ``Generator`` for ``seed``; a ``Generator`` is returned as is (shared)."""
    check_seed(seed, name)
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def spawn(seed: SeedLike, n: int, name: str = "seed") -> list[np.random.Generator]:
    """Return ``n`` independent generators derived from ``seed``.

    For an int or ``SeedSequence`` the children are those ``SeedSequence.spawn``
    makes first (without changing the sequence you passed); for a ``Generator``
    they are ``Generator.spawn(n)``, which advances the generator's seed sequence,
    so a shared generator gives new streams on each call. Child ``k`` does not depend on
    ``n``, so adding components at the end never changes earlier ones.
    """
    check_seed(seed, name)
    if isinstance(seed, np.random.Generator):
        return seed.spawn(n)
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [child(sequence, k) for k in range(n)]


def child(sequence: np.random.SeedSequence, k: int) -> np.random.Generator:
    """The ``k``-th child stream of ``sequence``, in O(1) and without changing it.

    Built directly: ``SeedSequence.spawn`` would advance a counter inside a
    sequence the caller passed, and the same seed must give the same streams
    every time.
    """
    return np.random.default_rng(
        np.random.SeedSequence(
            sequence.entropy, spawn_key=(*sequence.spawn_key, k), pool_size=sequence.pool_size
        )
    )


def root_sequence(seed: SeedLike, name: str = "seed") -> np.random.SeedSequence:
    """A ``SeedSequence`` fixed once for ``seed``: an int or a sequence as given, fresh
    entropy for ``None``, or entropy drawn from a ``Generator``."""
    check_seed(seed, name)
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(2**63)))
    return np.random.SeedSequence(seed)


def seed_metadata(seed: SeedLike) -> int | None:
    """The seed as it can be written to JSON metadata (``None`` when not an int)."""
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return int(seed)
    return None
