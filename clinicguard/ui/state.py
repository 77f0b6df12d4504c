"""The GUI's shared state: the open workspace, who is signed in, and a signal when data changes.

Views never call each other and never announce their own changes: every commit of the unit of
work (and every change another process made, which the main window polls for) is broadcast as a
typed `Changes` value, and each view refreshes only for the flags that concern it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal, Slot

from clinicguard.core.changes import Changes
from clinicguard.model.people import Actor, Permission

if TYPE_CHECKING:  # the window's start opens the clinic off the UI thread (ui/app.py)
    from clinicguard.core.workspace import Workspace


class AppState(QObject):
    changed = Signal(object)  # a clinicguard.core.changes.Changes
    actor_changed = Signal(object)
    # A commit made on a worker thread (an operation), carried to the GUI thread by a queued connection.
    _committed_elsewhere = Signal(object)

    def __init__(self, workspace: Workspace, actor: Actor | None = None):
        super().__init__()
        self.ws = workspace
        self.actor = actor
        self._committed_elsewhere.connect(self.broadcast)
        workspace.uow.add_listener(self._on_commit)

    def detach(self) -> None:
        """Stop listening to the workspace (the window closes; the workspace may outlive it)."""
        self.ws.uow.remove_listener(self._on_commit)

    def _on_commit(self, changes: Changes) -> None:
        """A unit-of-work listener: runs on the thread that committed."""
        if not shiboken6.isValid(self):
            return
        if QThread.currentThread() is self.thread():
            self.broadcast(changes)
        else:
            self._committed_elsewhere.emit(changes)

    @Slot(object)
    def broadcast(self, changes: Changes) -> None:
        if changes:
            self.changed.emit(changes)

    def set_actor(self, actor: Actor | None) -> None:
        self.actor = actor
        self.actor_changed.emit(actor)

    def can(self, permission: Permission) -> bool:
        return self.actor is not None and self.actor.can(permission)
