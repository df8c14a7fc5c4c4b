import hashlib
import os
import tempfile
from pathlib import Path

# Numba's cache is keyed on the file that defines a kernel, not on the helpers it calls from
# other files (neurodyn/_kernels.py, snn/_neuron_kernels.py, ...). Unless the caller chose a
# cache folder, use one named after the contents of every kernel module and the core's
# helpers, so that editing a helper never runs stale kernels.
if "NUMBA_CACHE_DIR" not in os.environ:
    _ROOT = Path(__file__).resolve().parents[1]
    _CORE = ("_math.py", "_intrinsics.py", "config.py", "compiled.py")
    _SOURCES = sorted(
        {*_ROOT.glob("*/_*kernels.py"), *(_ROOT / "neurodyn" / name for name in _CORE)}
    )
    _digest = hashlib.sha256(b"".join(path.read_bytes() for path in _SOURCES))
    os.environ["NUMBA_CACHE_DIR"] = str(
        Path(tempfile.gettempdir()) / f"neurodyn-numba-{_digest.hexdigest()[:12]}"
    )

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def rng():
    """A fresh generator with a fixed seed for each test."""
    return np.random.default_rng(12345)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
