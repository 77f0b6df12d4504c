"""Practitioner sign-off (attestation): a practitioner confirms that a recommendation is applied
in their own practice; the manager sees who has confirmed and who has not, and can ask every
practitioner to confirm a set of recommendations.

A request is answered by a confirmation given after it was made: asking again (say, once a
year) makes older confirmations count as outdated until each practitioner confirms anew.
"""

from __future__ import annotations


from clinicguard.core.clock import utc_now
from clinicguard.model.errors import ClinicGuardError, NotFound
from clinicguard.model.people import Actor, Permission, Role
from clinicguard.i18n import tr
from clinicguard.core.people import People
from clinicguard.core.uow import UnitOfWork
from clinicguard.model.catalogue import Catalogue
from clinicguard.store.clinic_store import ClinicStore
from clinicguard.store.signoff_store import SignOffStore
from clinicguard.model.signoff import (
    COMMENT_MAX_LENGTH, ItemSignOffs, SignOff, SignOffRequest, sign_off_overview,
)



class SignOffs:
    def __init__(self, store: SignOffStore, uow: UnitOfWork, people: People, catalogue: Catalogue,
                 clinic: ClinicStore):
        self.store = store
        self._uow = uow
        self._people = people
        self._catalogue = catalogue
        self._clinic = clinic

    def _check_item(self, item_id: str) -> str:
        if item_id not in self._catalogue:
            raise NotFound(tr("Unknown recommendation {id!r}.", id=item_id))
        return item_id

    # ---- a practitioner's side
    def confirm(self, actor: Actor, item_id: str, comment: str = "") -> SignOff:
        """Confirm the item is applied in the actor's practice; confirming again renews the date."""
        return self.confirm_many(actor, [item_id], comment)[0]

    def confirm_many(self, actor: Actor, item_ids: list[str], comment: str = "") -> list[SignOff]:
        """Confirm several items in one transaction: all of them are confirmed, or none is."""
        item_ids = list(dict.fromkeys(item_ids))
        if not item_ids:
            raise ClinicGuardError(tr("Choose at least one recommendation."))
        for item_id in item_ids:
            self._check_item(item_id)
        comment = (comment or "").strip()
        if len(comment) > COMMENT_MAX_LENGTH:
            raise ClinicGuardError(tr("A comment has at most {n} characters.", n=COMMENT_MAX_LENGTH))
        signed = []
        with self._uow.writing(actor, Permission.SIGN_OFF) as audit:
            person = self._people.get(audit.actor.id)
            now, version = utc_now(), self._clinic.get().catalogue_version
            for item_id in item_ids:
                before = self.store.get(item_id, person.id)
                sign_off = SignOff(item_id, person.id, person.name, now, comment, version)
                self.store.save(sign_off)
                audit.record("signoff.confirm", "recommendation", item_id, before.public() if before else None,
                             sign_off.public())
                signed.append(sign_off)
        return signed

    def withdraw(self, actor: Actor, item_id: str) -> None:
        """Take back one's own confirmation (the practice changed)."""
        self._check_item(item_id)
        with self._uow.writing(actor, Permission.SIGN_OFF) as audit:
            before = self.store.get(item_id, audit.actor.id)
            if before is None:
                return
            self.store.delete(item_id, before.person_id)
            audit.record("signoff.withdraw", "recommendation", item_id, before.public(), None)

    def pending(self, actor: Actor | None) -> list[SignOffRequest]:
        """Requests this person has not answered yet (no confirmation since the request).

        Requests are addressed to the active practitioners only, as `overview` counts them: the
        manager and the accountant are never asked, even though the manager made the request."""
        if actor is None or actor.id is None:
            return []
        try:
            person = self._people.get(actor.id)
        except NotFound:
            return []
        if not person.active or person.role is not Role.PRACTITIONER:
            return []
        mine = {s.item_id: s for s in self.store.sign_offs(person_id=actor.id)}
        return [r for item_id, r in sorted(self.store.requests().items())
                if item_id not in mine or mine[item_id].signed_at < r.requested_at]

    # ---- the manager's side
    def request(self, actor: Actor, item_ids: list[str], note: str = "") -> list[SignOffRequest]:
        """Ask every practitioner to confirm these items (again, if they already had)."""
        item_ids = list(dict.fromkeys(item_ids))
        if not item_ids:
            raise ClinicGuardError(tr("Choose at least one recommendation."))
        for item_id in item_ids:
            self._check_item(item_id)
        made = []
        with self._uow.writing(actor, Permission.REQUEST_SIGN_OFF) as audit:
            now = utc_now()
            for item_id in item_ids:
                before = self.store.request(item_id)
                request = SignOffRequest(item_id, now, audit.actor.id, audit.actor.name, (note or "").strip())
                self.store.save_request(request)
                audit.record("signoff.request", "recommendation", item_id, before.public() if before else None,
                             request.public())
                made.append(request)
        return made

    def cancel_request(self, actor: Actor, item_id: str) -> None:
        with self._uow.writing(actor, Permission.REQUEST_SIGN_OFF) as audit:
            before = self.store.request(item_id)
            if before is None:
                return
            self.store.delete_request(item_id)
            audit.record("signoff.request-cancel", "recommendation", item_id, before.public(), None)

    def for_item(self, item_id: str) -> ItemSignOffs:
        return self.overview([item_id])[item_id]

    def overview(self, item_ids: list[str] | None = None) -> dict[str, ItemSignOffs]:
        """Per item (default: every item with a request or a confirmation): who has confirmed and who has not."""
        return sign_off_overview(self.store.requests(), self.store.sign_offs(), self._people.active_practitioners(),
                                 item_ids)
