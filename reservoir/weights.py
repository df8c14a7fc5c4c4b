"""The reservoir's weights: drawn from its streams, or given and checked."""

from __future__ import annotations

import networkx as nx
import numpy as np

from neurodyn import graph as graphs
from neurodyn._validation import as_float_array, check_int

DISTRIBUTIONS = ("normal", "uniform", "bernoulli")
_GENERATED_SPECTRAL_RADIUS = 0.9  # what spectral_radius=None gives a generated W


def draw(distribution: str, rng: np.random.Generator, size) -> np.ndarray:
    """Non-zero weights: N(0, 1), U(-1, 1) or ±1."""
    if distribution == "normal":
        return rng.standard_normal(size)
    if distribution == "uniform":
        return rng.uniform(-1.0, 1.0, size)
    return rng.choice(np.array([-1.0, 1.0]), size=size)


def _sparse_matrix(rng, shape, density, distribution) -> np.ndarray:
    """Dense (rows, cols) array whose entries are non-zero with probability ``density``."""
    values = draw(distribution, rng, shape)
    if density < 1.0:
        values *= rng.random(shape) < density
    return values


def given(value, name: str, shape: tuple) -> np.ndarray:
    """An array the user passed, checked against ``shape`` (None: the number of inputs)."""
    array = as_float_array(value, name, ndim=len(shape), owner="Reservoir")
    if any(s is not None and s != a for s, a in zip(shape, array.shape, strict=True)):
        expected = ", ".join("n_inputs" if s is None else str(s) for s in shape)
        expected = f"({expected},)" if len(shape) == 1 else f"({expected})"
        raise ValueError(f"Reservoir.{name}: expected shape {expected} (got {array.shape})")
    return array


def input_weights(n, n_inputs, scaling, density, distribution, rng) -> np.ndarray:
    """W_in (n, n_inputs): sparse at ``density``, times ``scaling`` (a float or one per input)."""
    n_inputs = check_int(n_inputs, "n_inputs", low=0, owner="Reservoir")
    scaling = as_float_array(scaling, "input_scaling", ndim=(0, 1), owner="Reservoir")
    if scaling.ndim == 1 and scaling.shape != (n_inputs,):
        raise ValueError(
            f"Reservoir.input_scaling: expected a float or {n_inputs} values (got {scaling.shape})"
        )
    return _sparse_matrix(rng, (n, n_inputs), density, distribution) * scaling


def recurrent(n_units, W, graph, *, spectral_radius, density, distribution, rng) -> graphs.CSRGraph:
    """W as CSR: given (``W``), drawn on a given topology (``graph``) or drawn Erdős–Rényi
    at ``density``; rescaled to ``spectral_radius`` (0.9 unless W was given)."""
    if W is not None:
        result = graphs.as_csr(W, "Reservoir.W")
    elif graph is not None:
        if not isinstance(graph, graphs.CSRGraph | nx.Graph):
            raise TypeError(
                f"Reservoir.graph: expected a networkx graph or CSRGraph (got {type(graph).__name__})"
            )
        structure = (
            graphs.from_networkx(graph, weight=None) if isinstance(graph, nx.Graph) else graph
        )
        result = structure.with_weights(draw(distribution, rng, structure.n_edges))
    else:
        if n_units is None:
            raise ValueError("Reservoir.n_units: required unless W= or graph= is given")
        n_units = check_int(n_units, "n_units", low=1, owner="Reservoir")
        result = graphs.erdos_renyi(
            n_units, density, seed=rng, weight=lambda rng, size: draw(distribution, rng, size)
        )
    n = result.shape[0]
    if result.shape[1] != n:
        raise ValueError(f"Reservoir.W: must be square (got shape {result.shape})")
    if n_units is not None and check_int(n_units, "n_units", low=1, owner="Reservoir") != n:
        raise ValueError(f"Reservoir.n_units: is {n_units} but W has {n} units")
    target = spectral_radius
    if target is None and W is None:
        target = _GENERATED_SPECTRAL_RADIUS
    if target is not None:
        radius = graphs.spectral_radius(result)
        if radius == 0.0:
            raise ValueError(
                "Reservoir.W: has spectral radius 0 (an empty or nilpotent graph), so it "
                "cannot be rescaled to spectral_radius; add edges or raise density"
            )
        result = result.with_weights(result.weights * (target / radius))
    return result
