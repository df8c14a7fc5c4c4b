"""Save and load models without pickle.

A save file is one ``.npz`` archive: the model's arrays, plus one entry
``__neurodyn_metadata__`` holding a JSON document::

    {"format": "neurodyn", "format_version": 1, "neurodyn_version": "0.1.0",
     "kind": "reservoir.ESN", "config": {...constructor arguments...},
     "seed": 0, "saved_at": "2026-11-22T05:40:00+00:00"}

Loading never executes or imports anything a file names: arrays are read with
``allow_pickle=False`` (an entry holding Python objects is refused before it is
read), and ``kind`` is looked up in one registry that model classes fill
themselves with :func:`register` when their module is imported. So import the
family first (``import reservoir``), then load; the core names no family.
Every file that is not a well-formed neurodyn save of a known kind raises
:class:`~neurodyn.errors.FormatError` naming the file and what is wrong.

A model class takes part by inheriting :class:`Saveable` (which gives it
``save`` and ``load``) and implementing two methods::

    def _io_state(self) -> tuple[dict[str, np.ndarray], dict]: ...
    @classmethod
    def _from_io_state(cls, arrays, config): ...
"""

from __future__ import annotations

import datetime
import json
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from neurodyn.errors import FormatError

__all__ = [
    "FORMAT_VERSION",
    "Saveable",
    "from_state",
    "load",
    "load_arrays",
    "register",
    "registered_kinds",
    "save",
    "save_arrays",
    "state_of",
]

FORMAT_VERSION = 1
_METADATA_KEY = "__neurodyn_metadata__"
_REGISTRY: dict[str, type] = {}  # kind -> class, filled by @register


def register(kind: str, *, aliases: tuple[str, ...] = ()):
    """Class decorator: make a model class loadable under the name ``kind``.

    ``aliases`` are older kind names that files may still carry. Registering a
    kind that another class already holds is an error (a reloaded module may
    register its own class again).
    """
    if not isinstance(kind, str) or not kind:
        raise TypeError(f"register.kind: expected a non-empty string (got {kind!r})")

    def decorate(cls):
        for name in (kind, *aliases):
            holder = _REGISTRY.get(name)
            if holder is not None and holder.__qualname__ != cls.__qualname__:
                raise ValueError(f"register: kind {name!r} is already {holder.__qualname__}")
            _REGISTRY[name] = cls
        cls._io_kind = kind
        return cls

    return decorate


def registered_kinds() -> list[str]:
    """The kinds that can be loaded now (those of the families imported so far)."""
    return sorted(_REGISTRY)


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
        if value.dtype.hasobject:
            raise TypeError(f"arrays[{name!r}]: object arrays cannot be saved without pickle")
    payload[_METADATA_KEY] = np.array(document)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as stream:
        np.savez(stream, **payload)
    os.replace(temporary, path)
    return path


def _resolve(path) -> Path:
    path = Path(path)
    if not path.exists() and path.suffix != ".npz" and path.with_name(path.name + ".npz").exists():
        path = path.with_name(path.name + ".npz")  # the name given to save_arrays, which added .npz
    if not path.exists():
        raise FileNotFoundError(f"path: no such file {str(path)!r}")
    return path


def _read_entry(archive: zipfile.ZipFile, name: str, path: Path) -> np.ndarray:
    """One ``.npy`` member, its header checked before any data is read."""
    with archive.open(name) as member:
        version = np.lib.format.read_magic(member)
        header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        _shape, _fortran, dtype = header(member)
    if dtype.hasobject:
        raise FormatError(
            f"{path}: entry {name!r} holds Python objects (a neurodyn file never does)"
        )
    with archive.open(name) as member:
        return np.lib.format.read_array(member, allow_pickle=False)


def _check_metadata(metadata, path: Path) -> dict:
    if not isinstance(metadata, dict) or metadata.get("format") != "neurodyn":
        raise FormatError(f"{path}: not a neurodyn save file (wrong format tag)")
    version = metadata.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise FormatError(f"{path}: format_version must be a positive integer (got {version!r})")
    if version > FORMAT_VERSION:
        raise FormatError(
            f"{path}: format version {version} is newer than this neurodyn "
            f"understands ({FORMAT_VERSION}); upgrade neurodyn"
        )
    if "kind" in metadata and not isinstance(metadata["kind"], str):
        raise FormatError(f"{path}: 'kind' must be a string (got {metadata['kind']!r})")
    if not isinstance(metadata.get("config", {}), dict):
        raise FormatError(f"{path}: 'config' must be a JSON object")
    return metadata


def load_arrays(path) -> tuple[dict[str, np.ndarray], dict]:
    """Read a file written by :func:`save_arrays`; returns ``(arrays, metadata)``."""
    path = _resolve(path)
    with open(path, "rb") as stream:
        head = stream.read(6)
    if head.startswith(b"\x93NUMPY"):
        raise FormatError(
            f"{path}: a single .npy array, not a neurodyn save file (an .npz archive)"
        )
    if not head.startswith(b"PK"):
        raise FormatError(f"{path}: not a neurodyn save file (not an .npz archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if f"{_METADATA_KEY}.npy" not in names:
                raise FormatError(f"{path}: not a neurodyn save file (no metadata entry)")
            entries = {}
            for name in names:
                if not name.endswith(".npy"):
                    raise FormatError(f"{path}: unexpected entry {name!r} in the archive")
                entries[name[:-4]] = _read_entry(archive, name, path)
    except FormatError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as error:
        raise FormatError(f"{path}: damaged or truncated archive ({error})") from None
    document = entries.pop(_METADATA_KEY)
    if document.ndim != 0 or document.dtype.kind != "U":
        raise FormatError(f"{path}: the metadata entry is not a JSON string")
    try:
        metadata = json.loads(str(document))
    except json.JSONDecodeError as error:
        raise FormatError(f"{path}: the metadata is not valid JSON ({error})") from None
    return entries, _check_metadata(metadata, path)


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
    """Load a model saved by :func:`save`; ``expected_kind`` guards against other kinds.

    The model's family must have been imported (its classes register themselves).
    """
    path = _resolve(path)
    arrays, metadata = load_arrays(path)
    kind = metadata.get("kind")
    if kind is None:
        raise FormatError(f"{path}: holds arrays but no model (no 'kind')")
    cls = _REGISTRY.get(kind)
    if cls is None:
        known = ", ".join(registered_kinds()) or "none yet"
        raise FormatError(
            f"{path}: unknown model kind {kind!r}; import the package that defines it "
            f"before loading (known now: {known})"
        )
    if expected_kind is not None and cls is not _REGISTRY.get(expected_kind):
        raise FormatError(f"{path}: holds a {kind!r}, expected a {expected_kind!r}")
    try:
        return cls._from_io_state(arrays, metadata.get("config", {}))
    except (KeyError, IndexError, ValueError, TypeError, AttributeError) as error:
        raise FormatError(f"{path}: inconsistent {kind} data ({error})") from None


def state_of(model) -> tuple[dict[str, np.ndarray], dict]:
    """The ``(arrays, config)`` a registered model saves: how a composite model
    (an ESN and its reservoir and readout) saves its parts inside its own file."""
    return model._io_state()


def from_state(cls, arrays: dict, config: dict):
    """Rebuild a registered model of class ``cls`` from what :func:`state_of` gave."""
    return cls._from_io_state(arrays, config)


class Saveable:
    """Mixin of a registered model class: ``save(path)`` and ``cls.load(path)``.

    The class is registered with :func:`register` and implements ``_io_state``
    and ``_from_io_state``; ``_io_seed()`` gives the seed written to the metadata.
    """

    _io_kind: str

    def _io_seed(self):
        return None

    def save(self, path) -> Path:
        """Save to ``path`` (.npz + JSON metadata; ``.npz`` is appended if missing)."""
        return save(self, path, seed=self._io_seed())

    @classmethod
    def load(cls, path):
        """Load a file saved by :meth:`save` of this class."""
        return load(path, expected_kind=cls._io_kind)
