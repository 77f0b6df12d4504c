"""The one check of what an actor may do, called by the unit of work inside each write."""

from __future__ import annotations

from clinicguard.i18n import tr
from clinicguard.model.errors import PermissionDenied
from clinicguard.model.people import Actor, Permission


def require(actor: Actor | None, permission: Permission) -> None:
    if actor is None:
        raise PermissionDenied(tr("Sign in first."))
    if not actor.can(permission):
        raise PermissionDenied(
            tr("{name} ({role}) is not allowed to do this.", name=actor.name, role=actor.role.label)
        )
