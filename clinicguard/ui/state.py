"""The GUI's shared state: the open workspace, who is signed in, and a signal when data changes.

Views never call each other: a view that changes data calls `notify(kind)`, and every view that
shows that kind of data refreshes itself.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from clinicguard.model.people import Actor, Permission
from clinicguard.core.workspace import Workspace


class AppState(QObject):
    changed = Signal(str)  # "checklist", "actions", "budget", "evidence", "people", "settings", ...
    actor_changed = Signal(object)

    def __init__(self, workspace: Workspace, actor: Actor | None = None):
        super().__init__()
        self.ws = workspace
        self.actor = actor

    def set_actor(self, actor: Actor | None) -> None:
        self.actor = actor
        self.actor_changed.emit(actor)

    def can(self, permission: Permission) -> bool:
        return self.actor is not None and self.actor.can(permission)

    def notify(self, kind: str) -> None:
        self.changed.emit(kind)
