"""neurodyn: recurrent networks that learn without backpropagation.

The shared core lives here: ``graph`` (networkx ⇄ CSR and seeded topology
generators), ``tasks`` (data sets), ``metrics``, ``record`` (recordings),
``random`` (seed handling), ``io`` (save/load without pickle) and ``plot``.
Submodules are imported on first use, so ``import neurodyn`` stays cheap.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "graph", "io", "metrics", "plot", "random", "record", "tasks"]
