"""Save and load models without pickle.

A save file is one ``.npz`` archive: the model's arrays, plus one entry
``__neurodyn_metadata__`` holding a JSON document::

    {"format": "neurodyn", "format_version": 1, "neurodyn_version": "0.1.0",
     "kind": "reservoir.ESN", "config": {...constructor arguments...},
     "seed": 0, "saved_at": "2026-11-22T05:40:00+00:00"}

Files are read with ``allow_pickle=False``, so loading never executes code.
Only classes registered with :func:`register` (the package's own models, or
yours) can be loaded; ``kind`` picks the class.

A model class takes part by implementing two methods::

    def _io_state(self) -> tuple[dict[str, np.ndarray], dict]: ...
    @classmethod
    def _from_io_state(cls, arrays, config): ...
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from neurodyn.errors import FormatError

__all__ = ["FORMAT_VERSION", "load", "load_arrays", "register", "save", "save_arrays"]

FORMAT_VERSION = 1
_METADATA_KEY = "__neurodyn_metadata__"

# kind -> registered class, or "module:qualname" of a built-in model, imported lazily
# so that loading a file needs no prior import.
_KINDS: dict[str, type | str] = {
    "reservoir.Reservoir": "reservoir.reservoir:Reservoir",
    "reservoir.ESN": "reservoir.esn:ESN",
    "reservoir.Ridge": "reservoir.readouts:Ridge",
    "reservoir.RLS": "reservoir.readouts:RLS",
    "hopfield.Hopfield": "hopfield.classical:Hopfield",
    **{f"rnn.{name}": f"rnn.networks:{name}" for name in ("RNN", "Elman", "Jordan", "LSTM", "GRU")},
}


def register(kind: str):
    """Class decorator: make a model class loadable under the name ``kind``."""

    def decorate(cls):
        _KINDS[kind] = cls
        cls._io_kind = kind
        return cls

    return decorate


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store a {type(value).__name__} in the JSON metadata")


def save_arrays(path, arrays: dict[str, np.ndarray], metadata: dict) -> Path:
    """Write ``arrays`` and JSON ``metadata`` to ``path`` (``.npz`` is appended if missing).

    The file is written to a temporary name and renamed, so an interrupted save
    never leaves a truncated file behind.
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    if _METADATA_KEY in arrays:
        raise ValueError(f"arrays: the key {_METADATA_KEY!r} is reserved")
    document = json.dumps(metadata, default=_json_default, allow_nan=False)
    payload = {name: np.asarray(value) for name, value in arrays.items()}
    for name, value in payload.items():
        if value.dtype == object:
            raise TypeError(f"arrays[{name!r}]: object arrays cannot be saved without pickle")
    payload[_METADATA_KEY] = np.array(document)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as stream:
        np.savez(stream, **payload)
    os.replace(temporary, path)
    return path


def load_arrays(path) -> tuple[dict[str, np.ndarray], dict]:
    """Read a file written by :func:`save_arrays`; returns ``(arrays, metadata)``."""
    path = Path(path)
    if not path.exists() and path.suffix != ".npz" and path.with_name(path.name + ".npz").exists():
        path = path.with_name(path.name + ".npz")  # the name given to save_arrays, which added .npz
    if not path.exists():
        raise FileNotFoundError(f"path: no such file {str(path)!r}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if _METADATA_KEY not in archive.files:
                raise FormatError(f"{path}: not a neurodyn save file (no metadata entry)")
            arrays = {name: archive[name] for name in archive.files if name != _METADATA_KEY}
            metadata = json.loads(str(archive[_METADATA_KEY]))
    except FormatError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as error:
        raise FormatError(f"{path}: not a readable neurodyn save file ({error})") from None
    if not isinstance(metadata, dict) or metadata.get("format") != "neurodyn":
        raise FormatError(f"{path}: not a neurodyn save file (wrong format tag)")
    version = metadata.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise FormatError(
            f"{path}: format version {version!r} is newer than this neurodyn "
            f"understands ({FORMAT_VERSION}); upgrade neurodyn"
        )
    return arrays, metadata


def save(model, path, *, seed=None) -> Path:
    """Save a registered model (its arrays and constructor config) to ``path``."""
    from neurodyn import __version__

    kind = getattr(type(model), "_io_kind", None)
    if kind is None or not hasattr(model, "_io_state"):
        raise TypeError(f"model: {type(model).__name__} cannot be saved (not registered)")
    arrays, config = model._io_state()
    metadata = {
        "format": "neurodyn",
        "format_version": FORMAT_VERSION,
        "neurodyn_version": __version__,
        "kind": kind,
        "config": config,
        "seed": seed,
        "saved_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    return save_arrays(path, arrays, metadata)


def load(path, expected_kind: str | None = None):
    """Load a model saved by :func:`save`; ``expected_kind`` guards against other kinds."""
    arrays, metadata = load_arrays(path)
    kind = metadata.get("kind")
    if expected_kind is not None and kind != expected_kind:
        raise FormatError(f"{path}: holds a {kind!r}, expected a {expected_kind!r}")
    if kind not in _KINDS:
        known = ", ".join(sorted(_KINDS))
        raise FormatError(f"{path}: unknown model kind {kind!r} (known: {known})")
    cls = _KINDS[kind]
    if isinstance(cls, str):
        module_name, name = cls.split(":")
        cls = getattr(importlib.import_module(module_name), name)
    try:
        return cls._from_io_state(arrays, metadata.get("config", {}))
    except (KeyError, ValueError, TypeError) as error:
        raise FormatError(f"{path}: inconsistent {kind} data ({error})") from None
