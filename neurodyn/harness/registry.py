"""Open registries of tasks and models for the comparison harness.

Register your own in a few lines, without editing the package::

    from neurodyn.harness import Task, register_task

    @register_task("my-task")
    class MyTask(Task):
        description = "what it measures"
        kind = "sequences"
        ...

and likewise ``register_model("my-model")`` on a :class:`ModelAdapter`
subclass. Names are short, lower-case, with dashes.
"""

from __future__ import annotations

import re

__all__ = [
    "HarnessError",
    "get_model",
    "get_task",
    "model_names",
    "register_model",
    "register_task",
    "task_names",
]

_TASKS: dict[str, type] = {}
_MODELS: dict[str, type] = {}
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class HarnessError(Exception):
    """A harness problem the user can fix (unknown name, bad spec, bad value)."""


class DatabaseError(HarnessError):
    """The results database cannot be opened, read or written."""


def _register(registry: dict, kind: str, name: str):
    if not _NAME.match(name):
        raise ValueError(f"register_{kind}: {name!r} is not a short lower-case name with dashes")

    def decorate(cls):
        cls.name = name
        registry[name] = cls
        return cls

    return decorate


def register_task(name: str):
    """Class decorator registering a :class:`~neurodyn.harness.tasks.Task` under ``name``."""
    return _register(_TASKS, "task", name)


def register_model(name: str):
    """Class decorator registering a :class:`~neurodyn.harness.models.ModelAdapter` under ``name``."""
    return _register(_MODELS, "model", name)


def _builtins() -> None:
    from neurodyn.harness import associative, compression, models, tasks  # noqa: F401  (the built-ins)


def _get(registry: dict, kind: str, name: str):
    _builtins()
    if name not in registry:
        valid = ", ".join(sorted(registry))
        raise HarnessError(f"unknown {kind} {name!r}; valid {kind}s: {valid}")
    return registry[name]


def get_task(name: str):
    return _get(_TASKS, "task", name)


def get_model(name: str):
    return _get(_MODELS, "model", name)


def task_names() -> list[str]:
    _builtins()
    return sorted(_TASKS)


def model_names(*, available_only: bool = True) -> list[str]:
    """Registered model names (by default only those whose dependencies are installed)."""
    _builtins()
    return sorted(name for name, cls in _MODELS.items() if cls.available() or not available_only)
