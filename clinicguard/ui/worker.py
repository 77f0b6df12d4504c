"""The one way to run work off the UI thread: a QThreadPool task that calls a core function and
delivers its result, its error, or its progress back on the GUI thread.

The core function never touches a widget; it may take `progress(done, total)` and
`cancelled()` callables, which the task supplies.
"""

from __future__ import annotations

import inspect
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(int, int)


class Task(QRunnable):
    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any):
        super().__init__()
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.signals = _Signals()
        self._cancel = threading.Event()
        self.setAutoDelete(False)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        kwargs = dict(self.kwargs)
        params = inspect.signature(self.fn).parameters
        if "progress" in params:
            kwargs["progress"] = lambda done, total: self.signals.progress.emit(int(done), int(total))
        if "cancelled" in params:
            kwargs["cancelled"] = self._cancel.is_set
        try:
            result = self.fn(*self.args, **kwargs)
        except BaseException as exc:  # delivered to the GUI thread, which shows it
            exc.__traceback_text__ = traceback.format_exc()
            self.signals.failed.emit(exc)
            return
        self.signals.done.emit(result)


_running: set[Task] = set()


def run_in_background(
    fn: Callable[..., Any],
    *args: Any,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    **kwargs: Any,
) -> Task:
    """Run fn(*args, **kwargs) on the thread pool; callbacks run on the GUI thread."""
    task = Task(fn, *args, **kwargs)
    _running.add(task)

    def finished(callback, value):
        _running.discard(task)
        if callback is not None:
            callback(value)

    task.signals.done.connect(lambda result: finished(on_done, result))
    task.signals.failed.connect(lambda exc: finished(on_error, exc))
    if on_progress is not None:
        task.signals.progress.connect(on_progress)
    QThreadPool.globalInstance().start(task)
    return task


def wait_for_background_tasks(timeout_ms: int = 30000) -> bool:
    return QThreadPool.globalInstance().waitForDone(timeout_ms)
