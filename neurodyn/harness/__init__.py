"""The comparison harness: reservoirs against gradient-trained RNNs on the same
tasks, data splits and seeds, with results in an SQLite database.

Command line: ``neurodyn compare``, ``neurodyn sweep``, ``neurodyn report``,
``neurodyn tasks``, ``neurodyn models`` (see ``neurodyn --help``).

Register your own task or model (see :mod:`neurodyn.harness.registry`)::

    from neurodyn.harness import ModelAdapter, Task, register_model, register_task
"""

from neurodyn.harness.models import ModelAdapter
from neurodyn.harness.registry import (
    HarnessError,
    get_model,
    get_task,
    model_names,
    register_model,
    register_task,
    task_names,
)
from neurodyn.harness.report import summarise, write_report
from neurodyn.harness.runner import execute, run_id
from neurodyn.harness.sweep import load_spec, plan, run_plan
from neurodyn.harness.tasks import Split, Task, TaskData

__all__ = [
    "HarnessError",
    "ModelAdapter",
    "Split",
    "Task",
    "TaskData",
    "execute",
    "get_model",
    "get_task",
    "load_spec",
    "model_names",
    "plan",
    "register_model",
    "register_task",
    "run_id",
    "run_plan",
    "summarise",
    "task_names",
    "write_report",
]
