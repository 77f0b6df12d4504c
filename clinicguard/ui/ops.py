"""The one way to run work off the UI thread (in the manner of Anki's QueryOp/CollectionOp).

An `Operation` is bound to a parent widget. Its core function runs on the thread pool and never
touches a widget; it may take `progress(done, total)` and `cancelled()` callables, which the
operation supplies. The result or the error comes back on the GUI thread:

    Operation(self, ws.vault.verify, files, success=self._verified).with_progress(tr("Verifying…"),
                                                                                    cancellable=True).run()

A failure is shown to the user unless a `failure` callback takes it: a ClinicGuardError with its
own text, anything else with a generic message, its traceback in the log. Callbacks whose parent
widget is gone are skipped. `drain()` waits until every running operation has delivered its
result: the main window calls it when it closes, the test fixtures when they tear down.

Work that looks at a backup destination is marked `.elsewhere()`: an unplugged USB drive or a dead
network share can hold a thread for a minute before it answers, so such work runs on a pool of its
own and never holds the one the rest of the window's work runs on (one thread per core).
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import shiboken6
# Qt's namespace is read when used, not at import: reading it builds its ~100 enum types (about 25 ms),
# which the sign-in dialog does not need; the window's modules, imported while the user types, build them.
from PySide6 import QtCore
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from clinicguard.i18n import tr
from clinicguard.model.errors import ClinicGuardError
from clinicguard.ui.widgets import show_error

log = logging.getLogger(__name__)


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(int, int)


class _Runnable(QRunnable):
    def __init__(self, op: "Operation"):
        super().__init__()
        self.op = op
        self.setAutoDelete(False)

    def run(self) -> None:
        op = self.op
        kwargs = dict(op.kwargs)
        params = inspect.signature(op.fn).parameters
        if "progress" in params:
            kwargs["progress"] = lambda done, total: op.signals.progress.emit(int(done), int(total))
        if "cancelled" in params:
            kwargs["cancelled"] = op.cancel_event.is_set
        try:
            result = op.fn(*op.args, **kwargs)
        except BaseException as exc:  # delivered to the GUI thread, which shows it
            if not isinstance(exc, ClinicGuardError):
                log.exception("background operation %s failed", getattr(op.fn, "__qualname__", op.fn))
            op.worker_done.set()
            _emit(op.signals.failed, exc)
            return
        op.worker_done.set()
        _emit(op.signals.done, result)


def _emit(signal, value: Any) -> None:
    """Deliver a result to the GUI thread; dropped (logged) when nothing is left to receive it, as
    when the application ends while the work runs."""
    try:
        signal.emit(value)
    except RuntimeError:
        log.info("a background operation finished after its receiver was deleted: result dropped")


_running: set["Operation"] = set()
_ELSEWHERE_THREADS = 16  # at most this many folders that do not answer before such work waits


def _elsewhere_pool() -> QThreadPool:
    pool = getattr(_elsewhere_pool, "pool", None)
    if pool is None:  # the application owns it, and ends its threads when it ends, as the global pool's
        pool = _elsewhere_pool.pool = QThreadPool(QCoreApplication.instance())
        pool.setMaxThreadCount(_ELSEWHERE_THREADS)
    return pool


class Operation:
    """One piece of work off the UI thread, with callbacks on the GUI thread."""

    def __init__(self, parent: QWidget | None, fn: Callable[..., Any], *args: Any,
                 success: Callable[[Any], None] | None = None, **kwargs: Any):
        self.parent = parent
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self._success = success
        self._failure: Callable[[BaseException], None] | None = None
        self._progress: Callable[[int, int], None] | None = None
        self._finally: Callable[[], None] | None = None
        self._label: str | None = None
        self._cancellable = False
        self._pool = QThreadPool.globalInstance
        self.dialog: QProgressDialog | None = None
        self.signals = _Signals()
        self.cancel_event = threading.Event()
        self.worker_done = threading.Event()
        self.delivered = False

    # ---- configuration (each returns the operation, to chain)
    def success(self, callback: Callable[[Any], None]) -> "Operation":
        self._success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> "Operation":
        """Handle the error here instead of the default message box."""
        self._failure = callback
        return self

    def on_progress(self, callback: Callable[[int, int], None]) -> "Operation":
        """Receive progress(done, total) on the GUI thread (for a progress bar of the page's own)."""
        self._progress = callback
        return self

    def finally_(self, callback: Callable[[], None]) -> "Operation":
        """Run after success or failure (re-enable buttons, hide a busy indicator)."""
        self._finally = callback
        return self

    def with_progress(self, label: str, *, cancellable: bool = False) -> "Operation":
        """Show a progress dialog (after 300 ms) over the parent; with a Cancel button if asked."""
        self._label, self._cancellable = label, cancellable
        return self

    def elsewhere(self) -> "Operation":
        """The work reads or writes a folder that may not answer for long (a USB drive, a network
        share): run it on the pool kept for that (see the module's docstring)."""
        self._pool = _elsewhere_pool
        return self

    # ---- running
    def run(self) -> "Operation":
        if self._label is not None:
            dialog = QProgressDialog(self._label, tr("Cancel") if self._cancellable else None, 0, 0,
                                     self.parent if _alive(self.parent) else None)
            dialog.setWindowTitle("ClinicGuard")
            dialog.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(300)
            dialog.setAutoClose(False)
            dialog.setAutoReset(False)
            if self._cancellable:
                dialog.canceled.connect(self.cancel)
            dialog.setValue(0)  # starts its clock: shown after 300 ms only if the work is still running
            self.dialog = dialog
        self.signals.done.connect(self._deliver_success)
        self.signals.failed.connect(self._deliver_failure)
        self.signals.progress.connect(self._deliver_progress)
        _running.add(self)
        self._runnable = _Runnable(self)  # kept alive here: the pool does not own it
        self._pool().start(self._runnable)
        return self

    def cancel(self) -> None:
        """Ask the core function to stop at its next `cancelled()` check."""
        self.cancel_event.set()
        if self.dialog is not None:
            self.dialog.setLabelText(tr("Cancelling…"))

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    @property
    def running(self) -> bool:
        return not self.delivered

    # ---- delivery, on the GUI thread
    def _deliver_progress(self, done: int, total: int) -> None:
        if self.dialog is not None:
            self.dialog.setRange(0, max(total, 1))
            self.dialog.setValue(min(done, max(total, 1)))
        if self._progress is not None and _alive(self.parent):
            self._progress(done, total)

    def _end(self) -> bool:
        self.delivered = True
        _running.discard(self)
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        return self.parent is None or _alive(self.parent)

    def _deliver_success(self, result: Any) -> None:
        if not self._end():
            return
        try:
            if self._success is not None:
                self._success(result)
        finally:
            if self._finally is not None:
                self._finally()

    def _deliver_failure(self, error: BaseException) -> None:
        if not self._end():
            return
        try:
            if self._failure is not None:
                self._failure(error)
            else:
                show_error(self.parent, error)
        finally:
            if self._finally is not None:
                self._finally()


def _alive(widget: QWidget | None) -> bool:
    return widget is not None and shiboken6.isValid(widget)


def run_blocking(parent: QWidget | None, label: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run fn off the UI thread behind a progress dialog, the GUI staying responsive; return its
    result or raise its error (for start-up steps that come before any window)."""
    outcome: dict[str, Any] = {}
    loop = QEventLoop()

    def done(value: Any) -> None:
        outcome["value"] = value
        loop.quit()

    def failed(error: BaseException) -> None:
        outcome["error"] = error
        loop.quit()

    op = Operation(parent, fn, *args, success=done, **kwargs).failure(failed).with_progress(label).run()
    if op.running:
        loop.exec()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def running() -> int:
    """How many operations have not delivered their result yet."""
    return len(_running)


def drain(timeout_s: float = 60.0) -> bool:
    """Wait until every running operation (and any it starts from its callbacks) has finished and
    delivered its result on the GUI thread. Returns False if some were still running at the timeout."""
    deadline = time.monotonic() + timeout_s
    while _running:
        if time.monotonic() > deadline:
            return False
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        pending = [op for op in _running if not op.worker_done.is_set()]
        if pending:
            pending[0].worker_done.wait(0.02)
    return True
