"""neurodyn: recurrent networks that learn without backpropagation.

The shared core lives here: ``graph`` (networkx ⇄ CSR) and ``topology`` (seeded
generators), ``compiled`` (the compile stage every family follows),
``distributions``, ``readouts`` (ridge and RLS), ``tasks`` (data sets),
``metrics``, ``record`` (monitors and recordings), ``random`` (seed handling),
``io`` (save/load without pickle), ``temporal`` (multi-order Markov models: memory in
paths), ``plot`` and ``progress``. Submodules are
imported on first use (``neurodyn.metrics`` works after ``import neurodyn``),
so ``import neurodyn`` stays cheap.
"""

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "compiled",
    "distributions",
    "errors",
    "grammars",
    "graph",
    "hebbian",
    "io",
    "metrics",
    "plot",
    "progress",
    "random",
    "readouts",
    "record",
    "tasks",
    "temporal",
    "topology",
)

__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"neurodyn.{name}")
    raise AttributeError(f"module 'neurodyn' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
