import hashlib
import os
import tempfile
from pathlib import Path

# Numba's cache is keyed on the file that defines a kernel, not on the shared helpers it
# inlines (neurodyn/_kernels.py and friends). Unless the caller chose a cache folder, use one
# named after those helpers' contents, so that editing a helper never runs stale kernels.
if "NUMBA_CACHE_DIR" not in os.environ:
    _CORE = Path(__file__).resolve().parents[1] / "neurodyn"
    _HELPERS = ("_kernels.py", "_math.py", "_intrinsics.py", "config.py", "compiled.py")
    _digest = hashlib.sha256(b"".join((_CORE / name).read_bytes() for name in _HELPERS))
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
