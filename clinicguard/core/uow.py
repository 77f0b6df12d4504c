"""The unit of work: one write transaction, the actor's permission checked inside it, and the audit
entries of the change written in it. It imports no service: its collaborators are given to it.

After each outermost commit it tells its listeners what the transaction changed (`Changes`, read
from the kinds of the audit entries it recorded), so the window refreshes the pages concerned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from clinicguard.core.changes import Changes, changes_for_kinds
from clinicguard.core.permissions import require
from clinicguard.model.people import Actor, Permission
from clinicguard.store.db import WriteTransaction

log = logging.getLogger(__name__)


class Trail(Protocol):
    """What the unit of work needs of the audit trail (core/audit.AuditTrail)."""

    def record(self, actor: Actor | None, kind: str, object_type: str, object_id: str | int,
               before: Any = None, after: Any = None) -> int: ...

    def save_head(self) -> bool: ...


class Audited:
    """The handle a change uses to write its audit entries inside its transaction."""

    def __init__(self, uow: "UnitOfWork", actor: Actor | None):
        self._uow, self.actor = uow, actor

    def record(self, kind: str, object_type: str, object_id: str | int, before: Any = None, after: Any = None) -> int:
        return self._uow.record(self.actor, kind, object_type, object_id, before, after)


class UnitOfWork:
    def __init__(self, tx: WriteTransaction, trail: Trail, current_actor: Callable[[Actor], Actor],
                 unlock: Callable[[], object]):
        """`current_actor` re-reads an actor's profile (role, active) inside the transaction;
        `unlock` reads the clinic key, which writing the audit trail needs, before the write lock
        is taken (a passphrase may make it slow)."""
        self._tx = tx
        self.trail = trail
        self._current_actor = current_actor
        self._unlock = unlock
        self._kinds: list[str] = []
        self._listeners: list[Callable[[Changes], None]] = []
        self.head_stale = False  # the copy of the audit head outside the database could not be written

    # ---- listeners
    def add_listener(self, listener: Callable[[Changes], None]) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[Changes], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    # ---- writing
    def record(self, actor: Actor | None, kind: str, object_type: str, object_id: str | int,
               before: Any = None, after: Any = None) -> int:
        """Write one audit entry in the current transaction (its kind says what changed)."""
        entry = self.trail.record(actor, kind, object_type, object_id, before, after)
        self._kinds.append(kind)
        return entry

    @contextmanager
    def writing(self, actor: Actor | None, permission: Permission) -> Iterator[Audited]:
        """Check the actor's right, then run the change and its audit entries in one transaction.

        The right is checked again against the person's row inside the transaction, so a role
        changed or a profile deactivated since sign-in counts at once.
        """
        require(actor, permission)
        with self.transaction():
            current = self._current_actor(actor)
            require(current, permission)
            yield Audited(self, current)

    @contextmanager
    def system_change(self) -> Iterator[Audited]:
        """A change made by ClinicGuard itself (catalogue upgrade), audited under its own name."""
        with self.transaction():
            yield Audited(self, None)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction, taken with the write lock at once, then the audit head saved.

        IMMEDIATE makes the GUI and a command writing at the same time wait for each other
        (busy_timeout) instead of failing on a stale snapshot. Once the outermost transaction has
        committed, the change is kept whatever happens next: copying the audit head outside the
        database is then best effort, and a failure only marks the head as stale.
        """
        self._unlock()
        outermost = not self._tx.active
        if outermost:
            self._kinds = []
            self._tx.begin()
        try:
            with self._tx.savepoint():
                yield
            if outermost:
                self._tx.commit()
        except BaseException as exc:
            if outermost:
                self._kinds = []
                self._tx.rollback()
            problem = self._tx.problem(exc)  # a full disk: said so, not as a raw SQLite error
            if problem is not None:
                raise problem from None
            raise
        if outermost:
            try:
                self.head_stale = not self.trail.save_head()
            except OSError:
                self.head_stale = True
            changes, self._kinds = changes_for_kinds(self._kinds), []
            self._notify(changes)

    def _notify(self, changes: Changes) -> None:
        if not changes:
            return
        for listener in list(self._listeners):
            try:
                listener(changes)
            except Exception:  # a listener's failure must not undo a committed change
                log.exception("change listener failed")
