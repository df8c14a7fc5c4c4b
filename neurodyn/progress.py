"""Progress reporting for long runs: a tqdm bar, silence, or a callback.

``progress`` arguments across neurodyn accept ``True`` (a tqdm bar), ``False``
(silent), ``None`` (a bar only when the run is expected to be long), or a
callable ``report(elapsed, completed, start, duration)`` with brian2's
signature: seconds elapsed, fraction completed in [0, 1], the wall-clock start
time, and the total amount of work in the caller's unit (steps, epochs).
"""

from __future__ import annotations

import time
from collections.abc import Callable

ProgressLike = bool | None | Callable[[float, float, float, float], None]


class Progress:
    """Context manager that reports ``update(n)`` calls out of ``total`` units."""

    def __init__(
        self,
        total: float,
        progress: ProgressLike,
        *,
        desc: str = "",
        unit: str = "step",
        auto: bool = False,
    ) -> None:
        if not (progress is None or isinstance(progress, bool) or callable(progress)):
            raise TypeError(f"progress: expected a bool, None or a callable (got {progress!r})")
        self.total = float(total)
        self.callback = progress if callable(progress) else None
        show_bar = progress is True or (progress is None and auto)
        self.bar = None
        if show_bar and self.callback is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=desc, unit=unit, leave=False)
        self.start = time.time()
        self.done = 0.0

    def update(self, n: float) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        if self.callback is not None:
            fraction = self.done / self.total if self.total else 1.0
            self.callback(time.time() - self.start, fraction, self.start, self.total)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()
