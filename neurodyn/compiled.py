"""The compile stage every family shares: description → bundle → kernel → result.

A family's public class (``Reservoir``, ``Hopfield``, ``snn.Network``) is a
*description*: it validates its parameters when they are given, names the
argument in every error, and holds no kernel-shaped arrays of its own making.
Running it follows four steps, always the same:

1. **Compile.** ``compile()`` turns the description into one *bundle*: a
   ``typing.NamedTuple`` whose fields are C-contiguous arrays, Python scalars
   (``int``, ``float``, ``bool``) or nested bundles. Numba takes a NamedTuple as
   one argument, so a kernel's signature stays short however much the model
   holds. The bundle is built once and cached; a change to the description
   (new weights, new patterns) drops it (:meth:`Compilable.invalidate`), and
   the next call compiles again. Arrays the kernels only read are read-only in
   the bundle; arrays a learning rule writes (weights under plasticity) are the
   canonical arrays themselves, never copies, so every view sees the writes.
2. **Kernel.** ``@njit(cache=True)`` functions in the family's ``_kernels.py``
   take ``(bundle, ..., state, outputs)``: the bundle, then inputs, then the
   mutable state, then preallocated outputs they fill. They return an integer
   status (the first step that went non-finite, or -1) rather than raising.
   Shared pieces (weight products, readouts, activations, RLS, shuffles,
   xorshift streams) live once in :mod:`neurodyn._kernels`.
3. **Wrap.** The public class allocates outputs, calls the kernel in chunks
   (progress, non-finite checks and buffer growth happen between chunks),
   raises :class:`~neurodyn.errors.SimulationError` naming the step, and wraps
   the arrays (recordings from :mod:`neurodyn.record`).
4. **Compose.** A class that drives another family's kernels does it through
   that family's public ``compile()`` and ``state``, never its private members.

Two rules that Numba's parallel loops impose (both learnt the hard way): a
``prange`` loop body may read arrays unpacked from a bundle before the loop,
but never the bundle itself (nested tuples do not lower); and an array that a
parallel loop *writes* reaches the kernel as an argument of its own, never
inside a bundle (Numba 0.68 silently loses writes to arrays taken out of a
mixed tuple inside a parallel loop).

Scalars in a bundle are converted to ``int``/``float``/``bool`` by the compile
step, so one compiled kernel serves every parameter value (parameters are
runtime data, not compile-time constants). Two weight layouts exist, one
bundle type for both (:class:`WeightMatrix`), so a kernel compiles once for
dense and sparse weights and branches on ``is_dense``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from neurodyn.graph import CSRGraph

__all__ = [
    "Compilable",
    "SourceView",
    "WeightMatrix",
    "dense_weight_matrix",
    "frozen",
    "source_view",
    "weight_matrix",
]


class WeightMatrix(NamedTuple):
    """A weight matrix as kernels see it: rows are targets, ``W[i, j]`` is j → i.

    CSR fields (``indptr`` (n_rows + 1,) int64, ``indices`` (n_edges,) int32,
    ``values`` (n_edges,)) or ``dense`` (n_rows, n_cols), chosen by
    ``is_dense``; the unused layout holds empty arrays of the same dtype.
    """

    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray
    dense: np.ndarray
    is_dense: bool


class SourceView(NamedTuple):
    """The by-source (transposed) view of a CSR graph, for spike delivery and pushes.

    Edges out of source ``u`` go to ``targets[indptr[u]:indptr[u + 1]]``; their
    weights are ``values[edge_ids[...]]`` of the canonical by-target array.
    """

    indptr: np.ndarray
    targets: np.ndarray
    edge_ids: np.ndarray


def frozen(array, dtype=None) -> np.ndarray:
    """A read-only C-contiguous view (a copy only when layout or dtype must change)."""
    result = np.ascontiguousarray(array, dtype=dtype).view()
    result.setflags(write=False)
    return result


def weight_matrix(graph: CSRGraph, *, dense: bool, dtype) -> WeightMatrix:
    """Compile ``graph`` into a read-only :class:`WeightMatrix` of ``dtype``."""
    dtype = np.dtype(dtype)
    if dense:
        return dense_weight_matrix(graph.to_dense(), dtype)
    return WeightMatrix(
        frozen(graph.indptr),
        frozen(graph.indices),
        frozen(graph.weights, dtype),
        frozen(np.zeros((0, 0), dtype)),
        False,
    )


def dense_weight_matrix(matrix, dtype=None) -> WeightMatrix:
    """A dense (n_rows, n_cols) array (rows are targets) as a read-only :class:`WeightMatrix`."""
    dense = frozen(matrix, dtype)
    empty_index = np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, dense.dtype)
    return WeightMatrix(*map(frozen, empty_index), dense, True)


def source_view(graph: CSRGraph) -> SourceView:
    """The graph's cached by-source view as a bundle."""
    return SourceView(*graph.by_source())


class Compilable:
    """Mixin of a description that compiles into a bundle: ``compile()`` caches it.

    Subclasses implement ``_compile() -> NamedTuple`` and call
    :meth:`invalidate` whenever something the bundle was built from changes.
    """

    _bundle = None

    def _compile(self):
        raise NotImplementedError

    def compile(self):
        """The compiled bundle (built on first use, then reused until invalidated)."""
        if self._bundle is None:
            self._bundle = self._compile()
        return self._bundle

    def invalidate(self) -> None:
        """Drop the compiled bundle; the next :meth:`compile` builds it again."""
        self._bundle = None
