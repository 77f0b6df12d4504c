"""The one check of what an actor may do, called by the unit of work inside each write."""

from __future__ import annotations

from collections.abc import Callable

from clinicguard.i18n import tr
from clinicguard.model.errors import PermissionDenied
from clinicguard.model.people import Actor, Permission, Person


def require(actor: Actor | None, permission: Permission) -> None:
    if actor is None:
        raise PermissionDenied(tr("Sign in first."))
    if not actor.can(permission):
        raise PermissionDenied(
            tr("{name} ({role}) is not allowed to do this.", name=actor.name, role=actor.role.label)
        )


def current_actor(actor: Actor | None, person: Callable[[int], Person | None]) -> Actor:
    """The actor as the database sees it now: a role changed or a profile deactivated since
    sign-in takes effect at the next change, not at the next sign-in. `person(id)` reads the
    profile."""
    if actor is None or actor.id is None:
        # ClinicGuard's own changes go through the unit of work's system_change(), never as an actor
        raise PermissionDenied(tr("Sign in first."))
    found = person(actor.id)
    if found is None or not found.active:
        raise PermissionDenied(tr("The profile {name} has been deactivated.", name=actor.name))
    return found.actor
