"""The journal (audit trail) in words: each entry's kind, object, fields and values as a person reads
them ("Ligne de dépense « Rédaction matrice des droits »", "Date de dépense : 02/05/2026"), at
local time. Used by the journal page, its workbook and the report; the raw entry (codes, JSON,
UTC, hashes) stays beside it for verification. No Qt: the core and the CLI use it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from clinicguard.core.formatting import format_date, format_money, local_time  # noqa: F401 (used here, and by callers)
from clinicguard.i18n import language, pick, tr
from clinicguard.model.audit import AuditEntry
from clinicguard.model.budget import Category, Nature
from clinicguard.model.catalogue import Structure
from clinicguard.model.checklist import Status
from clinicguard.model.people import Role
from clinicguard.model.plan import ActionStatus


def kind_labels() -> dict[str, str]:
    """A readable name for each kind of entry; built on each call so that it follows the language."""
    return {
        "session.sign-in": tr("Signed in"),
        "session.sign-in-failed": tr("Wrong password or PIN"),
        "session.sign-in-refused": tr("Sign-in refused (profile locked)"),
        "session.sign-out": tr("Signed out"),
        "clinic.create": tr("Clinic created"),
        "clinic.update": tr("Clinic details changed"),
        "person.create": tr("Profile added"),
        "person.change-role": tr("Role changed"),
        "person.deactivate": tr("Profile deactivated"),
        "person.reactivate": tr("Profile reactivated"),
        "person.reset-secret": tr("Password or PIN reset by a manager"),
        "person.change-secret": tr("Own password or PIN changed"),
        "person.unlock": tr("Profile unlocked"),
        "setting.update": tr("Setting changed"),
        "assessment.update": tr("Recommendation assessed"),
        "assessment.review": tr("Answer sent back to review by a catalogue change"),
        "action.create": tr("Action added"),
        "action.update": tr("Action changed"),
        "action.delete": tr("Action deleted"),
        "budget-line.create": tr("Expense line added"),
        "budget-line.update": tr("Expense line changed"),
        "budget-line.delete": tr("Expense line deleted"),
        "budget-line.redate": tr("Expense lines moved to another financial year"),
        "budget-line.year-invoice": tr("Invoice of a later year recorded"),
        "plan.import": tr("Action plan imported"),
        "evidence.add": tr("Evidence added"),
        "evidence.update": tr("Evidence details changed"),
        "evidence.delete": tr("Evidence deleted"),
        "evidence.open": tr("Evidence opened"),
        "evidence.export": tr("Evidence copied out of the vault"),
        "evidence.export.start": tr("Evidence being copied out of the vault"),
        "evidence.export.abandoned": tr("Copy of evidence abandoned (no file written)"),
        "evidence.link": tr("Evidence linked"),
        "evidence.unlink": tr("Evidence unlinked"),
        "signoff.confirm": tr("Sign-off given"),
        "signoff.withdraw": tr("Sign-off withdrawn"),
        "signoff.request": tr("Sign-off requested"),
        "signoff.request-cancel": tr("Sign-off request cancelled"),
        "catalogue.upgrade": tr("Catalogue updated"),
        "backup.create": tr("Backup made and verified"),
        "backup.verify": tr("Backup verified"),
        "backup.restore": tr("Clinic restored from a backup"),
        "backup.rotate": tr("Old backups deleted (rotation)"),
        "backup.settings": tr("Backup settings changed"),
        "backup.failed": tr("Automatic backup failed"),
        "register.processing.add": tr("Processing activity added"),
        "register.processing.update": tr("Processing activity changed"),
        "register.processing.delete": tr("Processing activity deleted"),
        "register.processor.add": tr("Processor added"),
        "register.processor.update": tr("Processor changed"),
        "register.processor.delete": tr("Processor deleted"),
        "register.incident.add": tr("Incident recorded"),
        "register.incident.update": tr("Incident changed"),
        "register.training.add": tr("Training session recorded"),
        "register.training.update": tr("Training session changed"),
        "register.training.delete": tr("Training session deleted"),
        "register.charter.add": tr("IT charter version added"),
        "register.charter.acknowledge": tr("IT charter acknowledged"),
        "register.setting.training-months": tr("Training period changed"),
        "export.audit": tr("Audit trail exported"),
        "export.budget": tr("Budget exported"),
        "export.checklist": tr("Checklist exported"),
        "export.actions": tr("Action plan exported"),
        "export.catalogue": tr("Catalogue exported"),
        "export.report": tr("Compliance report made"),
        "export.pack": tr("Inspection pack made"),
        "export.purchase-journal": tr("Purchase journal exported"),
        "export.registers": tr("Registers exported"),
    }


def family_labels() -> dict[str, str]:
    """The filter also offers each family of kinds ("person" matches every "person.…")."""
    return {
        "session": tr("Sign-ins and sign-outs"), "clinic": tr("Clinic"), "person": tr("Profiles"),
        "setting": tr("Settings"), "assessment": tr("Assessments"), "action": tr("Actions"),
        "budget-line": tr("Expense lines"), "plan": tr("Action plan"), "evidence": tr("Evidence"),
        "signoff": tr("Sign-offs"), "catalogue": tr("Catalogue"), "export": tr("Exports"),
        "backup": tr("Backups"), "register": tr("Registers"),
    }


def kind_label(kind: str) -> str:
    """The readable name, or the code itself for a kind this version does not know."""
    if kind in kind_labels():
        return kind_labels()[kind]
    family = family_labels().get(kind)
    return tr("{family} (all)", family=family) if family else kind


def field_labels() -> dict[str, str]:
    return {
        "status": tr("Status"), "comment": tr("Comment"), "responsible": tr("Responsible"),
        "last_reviewed": tr("Last review"), "next_review": tr("Next review"), "title": tr("Title"),
        "name": tr("Name"), "role": tr("Role"), "note": tr("Note"), "person": tr("Person"),
        "active": tr("Active"), "locked": tr("Locked"), "secret_kind": tr("Signs in with"),
        "signed_at": tr("Signed on"), "requested_at": tr("Requested"), "requested_by": tr("Requested by"),
        "description": tr("Description"), "owner": tr("Owner"), "due_date": tr("Due date"),
        "label": tr("Label"), "supplier": tr("Supplier"), "category": tr("Category"), "nature": tr("Nature"),
        "planned_ht": tr("Planned excl. VAT"), "committed_ht": tr("Committed excl. VAT"),
        "actual_ht": tr("Actual excl. VAT"), "vat_rate_bp": tr("VAT rate"), "invoice_ref": tr("Invoice reference"),
        "invoice_date": tr("Invoice date"), "items": tr("Recommendations"), "item_ids": tr("Recommendations"),
        "actions": tr("Actions"), "file": tr("File"), "reason": tr("Reason"), "value": tr("Value"),
        "failed_attempts": tr("Wrong tries"), "locked_until": tr("Waiting until"),
        # issue 14: the fields that still showed as codes
        "action_id": tr("Action"), "expense_date": tr("Expense date"), "fiscal_year": tr("Fiscal year"),
        "vat_recoverable": tr("VAT recoverable"), "fiscal_year_manual": tr("Fiscal year chosen by hand"),
        "depreciation_years": tr("Depreciation (years)"), "recurring": tr("Every year"),
        "recurring_until": tr("Every year until"), "account": tr("Account"), "priority": tr("Priority"),
        "start_date": tr("Start date"), "done_date": tr("Date done"), "progress": tr("Progress"),
        "original_name": tr("File name"), "media_type": tr("File type"), "size": tr("Size (bytes)"),
        "sha256": "SHA-256", "added_by": tr("Added by"), "added_by_name": tr("Added by"),
        "added_at": tr("Added on"), "valid_from": tr("Valid from"), "expires_on": tr("Expires on"),
        "tombstone": tr("What was deleted"), "deleted_by": tr("Deleted by"), "deleted_at": tr("Deleted on"),
        "to": tr("Copied to"), "entries": tr("Entries"), "head": tr("Audit trail head"),
        "audit_head": tr("Audit trail head"), "intact": tr("Intact"), "filters": tr("Filters"),
        "score": tr("Score"), "recommendations": tr("Recommendations"), "language": tr("Language of the report"),
        "encrypted": tr("Password-protected"), "files": tr("Files"), "path": tr("File"),
        "structure": tr("Type of structure"), "manager_name": tr("Manager"),
        "catalogue_version": tr("Catalogue version"), "fiscal_year_start_month": tr("First month of the fiscal year"),
        "created_at": tr("Created on"), "uuid": tr("Identifier"), "lines": tr("Expense lines"),
        "year": tr("Fiscal year"), "from_version": tr("From version"), "to_version": tr("To version"),
        # the backups' entries and settings (issue 11)
        "destination": tr("Destination"), "second_destination": tr("Second destination"),
        "every_hours": tr("Automatic backup every (hours)"), "at_closing": tr("Backup at closing"),
        "keep_daily": tr("Daily backups kept"), "keep_weekly": tr("Weekly backups kept"),
        "keep_monthly": tr("Monthly backups kept"), "warn_after_days": tr("Warning after (days)"),
        "folder": tr("Folder"), "copies": tr("Verified copies"), "problem": tr("Problem"),
        "problems": tr("Problems"), "ok": tr("Verified"), "deleted": tr("Deleted"),
        "kept_verified": tr("Kept (the last verified)"), "count": tr("Entries"), "hash": tr("Hash"),
    }


def object_type_labels() -> dict[str, str]:
    return {
        "recommendation": tr("Recommendation"), "action": tr("Action"), "budget-line": tr("Expense line"),
        "evidence": tr("Evidence"), "person": tr("Profile"), "clinic": tr("Clinic"), "setting": tr("Setting"),
        "backup": tr("Backup"), "catalogue": tr("Catalogue"), "export": tr("File"), "plan": tr("Action plan"),
        "settings": tr("Settings"),
    }


# ---- names of the objects -------------------------------------------------------------------------
@dataclass
class JournalNames:
    """What each object is called today (entries about deleted objects fall back on their own values)."""

    recommendations: dict[str, str] = field(default_factory=dict)
    actions: dict[str, str] = field(default_factory=dict)
    lines: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)

    def for_type(self, object_type: str) -> dict[str, str]:
        return {"recommendation": self.recommendations, "action": self.actions, "budget-line": self.lines,
                "evidence": self.evidence, "person": self.people}.get(object_type, {})


def journal_names(sources: Any, actions: Iterable | None = None) -> JournalNames:
    """The current names from a workspace (or any object with the same services); what it lacks stays
    empty. `actions`: the plan's actions when the caller has read them already."""
    names = JournalNames()
    catalogue = getattr(sources, "catalogue", None)
    if catalogue is not None:
        names.recommendations = {item.id: pick(item.title) for item in catalogue.items}
    plan = getattr(sources, "plan", None)
    if plan is not None:
        names.actions = {str(a.id): a.title for a in (plan.actions() if actions is None else actions)}
        names.lines = {str(line.id): line.label for line in plan.lines()}
    store = getattr(sources, "evidence_store", None)
    if store is not None:
        names.evidence = {str(ev.id): ev.title or ev.original_name for ev in store.all()}
    people = getattr(sources, "people", None)
    if people is not None and hasattr(people, "all"):
        names.people = {str(p.id): p.name for p in people.all()}
    return names


def _own_name(entry: AuditEntry) -> str:
    for side in (entry.after, entry.before):
        if isinstance(side, dict):
            for key in ("title", "label", "name"):
                if isinstance(side.get(key), str) and side[key]:
                    return side[key]
            tomb = side.get("tombstone")
            if isinstance(tomb, dict) and (tomb.get("title") or tomb.get("name")):
                return tomb.get("title") or tomb.get("name")
    return ""


def object_label(entry: AuditEntry, names: JournalNames | None = None) -> str:
    """'Ligne de dépense « Rédaction matrice des droits »', 'Action n° 3 « Sauvegarde »',
    'Recommandation GOV-ROLES-01 « … »'; the code for an object this version does not know."""
    kind_name = object_type_labels().get(entry.object_type)
    if kind_name is None:
        return f"{entry.object_type} {entry.object_id}".strip()
    oid = str(entry.object_id)
    name = (names.for_type(entry.object_type).get(oid) if names else None) or _own_name(entry)
    quoted = f"« {name} »" if language() == "fr" else f"“{name}”"
    if entry.object_type == "recommendation":
        return f"{kind_name} {oid} {quoted}" if name else f"{kind_name} {oid}"
    if entry.object_type == "action":
        return f"{kind_name} {tr('no. {n}', n=oid)} {quoted}" if name else f"{kind_name} {tr('no. {n}', n=oid)}"
    if entry.object_type == "settings" and oid == "backup":
        return tr("Backup settings")
    if entry.object_type in ("clinic", "catalogue") or not name:
        return kind_name if entry.object_type == "clinic" else f"{kind_name} {oid}"
    return f"{kind_name} {quoted}"


# ---- values -------------------------------------------------------------------------------------------
def _backup_reasons() -> dict[str, str]:
    """Why a backup was made, as its entry says it."""
    return {"manual": tr("on request"), "schedule": tr("automatic"), "closing": tr("at closing"),
            "migration": tr("before a database update"), "catalogue": tr("before a catalogue update")}


def _enum_label(field_name: str, family: str, value):
    """The label a user saw for a coded value (status, role...), or None."""
    enum = {("status", "assessment"): Status, ("status", "action"): ActionStatus, ("role", "person"): Role,
            ("category", "budget-line"): Category, ("nature", "budget-line"): Nature}.get((field_name, family))
    if enum is None and field_name == "role":
        enum = Role
    if enum is None and field_name == "status" and family == "plan":
        enum = ActionStatus
    try:
        return enum(value).label if enum is not None else None
    except ValueError:
        return None


def value_text(field_name: str, value, family: str = "", names: JournalNames | None = None) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return tr("Yes") if value else tr("No")
    if field_name == "action_id" and names is not None and str(value) in names.actions:
        return f"{tr('no. {n}', n=value)} « {names.actions[str(value)]} »"
    label = _enum_label(field_name, family, value) if isinstance(value, str) else None
    if label is not None:
        return label
    if field_name == "secret_kind":
        return tr("PIN") if value == "pin" else tr("Password")
    if field_name == "reason" and family == "backup" and value in _backup_reasons():
        return _backup_reasons()[value]
    if field_name == "structure" and isinstance(value, str):
        try:
            return Structure(value).label
        except ValueError:
            pass
    if field_name in ("at_closing", "ok") and isinstance(value, int):
        return tr("Yes") if value else tr("No")
    if field_name in ("vat_recoverable", "fiscal_year_manual", "recurring", "intact", "encrypted") \
            and isinstance(value, int):
        return tr("Yes") if value else tr("No")
    if isinstance(value, int) and field_name.endswith("_ht"):
        return format_money(value)
    if isinstance(value, int) and field_name.endswith("_bp"):
        return f"{value / 100:g}".replace(".", "," if language() == "fr" else ".") + "\u202f%"
    if isinstance(value, str) and field_name.endswith("_at") and "T" in value:
        return local_time(value)
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return format_date(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(value_text("", v, family, names) for v in value)
    if isinstance(value, dict):
        return "(" + fields_text(value, family, names=names) + ")"
    return str(value)


# What a record is called comes first, then the fields in the order of field_labels (the JSON of an
# entry is stored with its keys sorted, which puts "account" before "label").
_FIRST = ("title", "label", "name", "action_id", "status", "expense_date")
# Internal values that tell a reader nothing (the blob's random name; the adder's id, whose name
# is recorded beside it). They stay in the raw entry.
_HIDDEN = frozenset({"blob", "added_by"})


def ordered(keys: Iterable[str]) -> list[str]:
    rank = {k: n for n, k in enumerate(dict.fromkeys([*_FIRST, *field_labels()]))}
    return sorted(keys, key=lambda k: (rank.get(k, len(rank)), k))


def fields_text(values: dict, family: str = "", only: set | None = None, names: JournalNames | None = None,
                skip_empty: bool = False) -> str:
    labels = field_labels()
    sep = " : " if language() == "fr" else ": "
    return "; ".join(f"{labels.get(k, k)}{sep}{value_text(k, values[k], family, names)}" for k in ordered(values)
                     if (only is None or k in only) and k not in _HIDDEN
                     and not (skip_empty and values[k] in (None, "", [])))


def side_text(entry: AuditEntry, side: str, names: JournalNames | None = None) -> str:
    """One side of an entry as a person reads it: "Status: Compliant", with no JSON; when both
    sides are records, only the fields that changed."""
    value = entry.before if side == "before" else entry.after
    if value is None:
        return ""
    family = entry.kind.split(".")[0]
    if not isinstance(value, dict):
        return value_text("", value, family, names)
    other = entry.after if side == "before" else entry.before
    only = None
    if isinstance(other, dict):
        changed = {k for k in set(value) | set(other) if value.get(k) != other.get(k)}
        only = changed or None
    # a record made or removed: its empty fields say nothing
    return fields_text(value, family, only, names, skip_empty=other is None)


def change_summary(entry: AuditEntry, names: JournalNames | None = None) -> str:
    """What changed, one field a line ("Status: Compliant → Partly compliant")."""
    before, after = entry.before, entry.after
    if isinstance(before, dict) and isinstance(after, dict):
        family, labels = entry.kind.split(".")[0], field_labels()
        sep = " : " if language() == "fr" else ": "
        lines = [f"{labels.get(k, k)}{sep}{value_text(k, before.get(k), family, names)} → "
                 f"{value_text(k, after.get(k), family, names)}"
                 for k in ordered(dict.fromkeys([*before, *after])) if before.get(k) != after.get(k) and k not in _HIDDEN]
        return "\n".join(lines)
    old, new = side_text(entry, "before", names), side_text(entry, "after", names)
    return f"{old} → {new}" if old and new else old or new


def readable_rows(entries: Iterable[AuditEntry], names: JournalNames | None = None) -> list[tuple[str, ...]]:
    """(local time, person, what, about what, change) for each entry."""
    return [(local_time(e.ts), e.actor_name, kind_label(e.kind), object_label(e, names), change_summary(e, names))
            for e in entries]
