"""The clinic's settings: one check of what may be stored (setup and the settings page share it),
and the audited change of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clinicguard.core.formatting import check_text
from clinicguard.core.uow import Audited, UnitOfWork
from clinicguard.i18n import tr
from clinicguard.model.catalogue import Structure
from clinicguard.model.clinic import Clinic
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.people import Actor, Permission
from clinicguard.store.clinic_store import ClinicStore

EDITABLE = frozenset({"name", "structure", "fiscal_year_start_month", "manager_name", "vat_recoverable"})


def checked_clinic_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The clinic's settings as stored, or a clear refusal (used by setup and by the settings page)."""
    checked = dict(fields)
    for key, message in (("name", tr("Enter the clinic's name.")), ("manager_name", tr("Enter the manager's name."))):
        if key in checked:
            checked[key] = str(checked[key] or "").strip()
            check_text(checked[key], tr("the clinic's name") if key == "name" else tr("the manager's name"))
            if not checked[key]:
                raise ClinicGuardError(message)
    if "structure" in checked:
        try:
            checked["structure"] = Structure(checked["structure"]).value
        except ValueError:
            raise ClinicGuardError(
                tr("Unknown type of structure {value!r}: use one of {allowed}.", value=checked["structure"],
                   allowed=", ".join(s.value for s in Structure))
            ) from None
    if "fiscal_year_start_month" in checked:
        month = checked["fiscal_year_start_month"]
        if isinstance(month, bool) or not isinstance(month, (int, str)) or not str(month).strip().isdigit() \
                or not 1 <= int(month) <= 12:
            raise ClinicGuardError(tr("The first month of the fiscal year must be between 1 and 12."))
        checked["fiscal_year_start_month"] = int(month)
    if "vat_recoverable" in checked:
        checked["vat_recoverable"] = int(bool(checked["vat_recoverable"]))
    return checked


class ClinicSettings:
    def __init__(self, store: ClinicStore, uow: UnitOfWork,
                 redate_budget_lines: Callable[[Audited, int], object]):
        """`redate_budget_lines(audit, first_month)` moves the budget lines whose fiscal year comes
        from their date when the fiscal year's first month changes (the action plan's rule)."""
        self._store = store
        self._uow = uow
        self._redate_budget_lines = redate_budget_lines

    @property
    def clinic(self) -> Clinic:
        return self._store.get()

    def update(self, actor: Actor, **changes: Any) -> Clinic:
        unknown = set(changes) - EDITABLE
        if unknown:
            raise ValueError(f"cannot change {unknown}")
        changes = checked_clinic_fields(changes)
        with self._uow.writing(actor, Permission.EDIT_SETTINGS) as audit:
            before = self._store.get()
            self._store.update(changes)
            audit.record("clinic.update", "clinic", before.uuid,
                         {k: getattr(before, k) for k in changes}, changes)
            month = changes.get("fiscal_year_start_month", before.fiscal_year_start_month)
            if month != before.fiscal_year_start_month:
                self._redate_budget_lines(audit, month)
        return self._store.get()
