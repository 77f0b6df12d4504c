"""Where the clinic stands, as the JSON objects `clinicguard status --json` and
`clinicguard signoff status --json` print for scripts (the keys are a stable interface).

The standing is computed from the stores' reads and the model's rules, not through the services
of a Workspace: `clinicguard status` reads a clinic through a plain sqlite3 connection
(`StatusReader`) and starts without importing sqlite-utils, the plan's or the vault's services
(issue 18). `status_object(ws)` computes the same object over an open Workspace's database.
tests/test_status_fast.py checks both against what the services compute.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from clinicguard.core.catalogue import bundled_catalogue
from clinicguard.core.plan_standing import gap_rows, plan_standing
from clinicguard.core.scoring import rows as checklist_rows
from clinicguard.core.scoring import score_formula, summarize
from clinicguard.model.budget import fiscal_year_bounds, fiscal_year_label
from clinicguard.model.catalogue import Catalogue
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.evidence import EXPIRY_WARNING_DAYS, Evidence, ExpiryState
from clinicguard.model.people import Role
from clinicguard.model.signoff import sign_off_overview
from clinicguard.paths import DATABASE_NAME, PENDING_WRITES_FOLDER
from clinicguard.store.audit_store import AuditStore
from clinicguard.store.checklist_store import AssessmentStore
from clinicguard.store.clinic_store import ClinicStore
from clinicguard.store.db import ReadConnection, open_for_reading
from clinicguard.store.evidence_store import EvidenceStore
from clinicguard.store.people_store import PersonStore
from clinicguard.store.plan_store import ActionStore
from clinicguard.store.signoff_store import SignOffStore


@dataclass(frozen=True)
class StatusSources:
    """The stores the standing is read from, over one database connection, and the catalogue."""

    catalogue: Catalogue
    clinic: ClinicStore
    assessments: AssessmentStore
    actions: ActionStore
    evidence: EvidenceStore
    people: PersonStore
    signoffs: SignOffStore
    audit: AuditStore

    @classmethod
    def over(cls, db: Any, catalogue: Catalogue) -> StatusSources:
        """`db`: a Workspace's sqlite-utils Database or a store.db.ReadConnection."""
        return cls(catalogue, ClinicStore(db), AssessmentStore(db), ActionStore(db), EvidenceStore(db),
                   PersonStore(db), SignOffStore(db), AuditStore(db))


def status_object(ws) -> dict:
    """The standing of the clinic open in Workspace `ws` (see `clinic_status`)."""
    return clinic_status(StatusSources.over(ws.db, ws.catalogue))


class StatusReader:
    """A clinic folder opened only to read its standing, through a plain sqlite3 connection."""

    def __init__(self, db: ReadConnection, sources: StatusSources):
        self._db = db
        self.sources = sources

    @classmethod
    def open(cls, data_dir: Path) -> StatusReader | None:
        """The clinic in `data_dir` opened for reading; None when it must be opened the full way
        (Workspace.open) instead, which then says what is wrong or sets it right: no clinic there,
        a database to migrate or from a newer version, temporary files an interrupted export
        left (Workspace.open removes them), a catalogue that cannot be read."""
        data_dir = Path(data_dir)
        try:
            if any((data_dir / PENDING_WRITES_FOLDER).glob("*")):
                return None
            db = open_for_reading(data_dir / DATABASE_NAME)
        except OSError:
            return None
        if db is None:
            return None
        try:
            sources = StatusSources.over(db, bundled_catalogue())  # the catalogue Workspace.open uses
            if sources.clinic.exists():
                return cls(db, sources)
        except (ClinicGuardError, OSError, sqlite3.Error):
            pass
        db.close()
        return None

    def status(self) -> dict:
        return clinic_status(self.sources)

    def close(self) -> None:
        self._db.close()


def clinic_status(sources: StatusSources, today: date | None = None) -> dict:
    """The clinic's standing as one JSON object; later features add their own keys."""
    today = today or date.today()
    clinic = sources.clinic.get()
    rows = checklist_rows(sources.catalogue, sources.assessments.all(), clinic.structure)
    summary = summarize(rows, today)
    result = {
        "clinic": {"name": clinic.name, "structure": clinic.structure.value,
                   "fiscal_year_start_month": clinic.fiscal_year_start_month},
        "catalogue_version": clinic.catalogue_version,
        "score_formula": score_formula(),
        "overall": {"score": summary.overall.percent, "counts": summary.overall.counts},
        "domains": {
            domain: {"title": sources.catalogue.domain_title(domain), "score": s.percent, "counts": s.counts}
            for domain, s in summary.by_domain.items()
        },
        "never_assessed": summary.never_assessed,
        "reviews_due_30_days": [r.item.id for r in summary.reviews_due],
        "reviews_overdue": [r.item.id for r in summary.overdue_reviews],
    }
    result.update(plan_status(sources.actions, clinic.fiscal_year_start_month, rows, today))
    result.update(evidence_summary(sources.evidence, [row.item.id for row in rows if row.applies], today))

    people = sources.people.all()
    result["people"] = {"active": sum(p.active for p in people),
                        "locked": [p.name for p in people if p.active and p.locked]}
    practitioners = [p for p in people if p.active and p.role is Role.PRACTITIONER]  # People.active_practitioners
    overview = sign_off_overview(sources.signoffs.requests(), sources.signoffs.sign_offs(), practitioners)
    result["signoff"] = {"open_requests": sum(1 for s in overview.values() if s.request),
                         "incomplete_requests": sorted(i for i, s in overview.items() if s.request and s.missing)}
    head = sources.audit.head()
    result["audit"] = {"entries": head.count, "head": head.text}
    result["last_exports"] = last_exports_in(sources.audit)
    return result


def plan_status(actions: ActionStore, start_month: int, rows, today: date) -> dict:
    """The plan's keys of `clinicguard status --json`: counts, the gaps without an action, and per
    fiscal year the totals in cents (from two aggregate queries: the full yearly summaries are
    not needed for four totals)."""
    standing = plan_standing(actions, start_month, today)
    addressed = actions.items_with_actions()
    budget = {}
    for year, t in standing.totals.items():
        start, end = fiscal_year_bounds(year, start_month)
        budget[str(year)] = {
            "label": fiscal_year_label(year, start_month), "start": start.isoformat(), "end": end.isoformat(),
            "planned_ht": t.planned_ht, "planned_ttc": t.planned_ttc,
            "actual_ht": t.actual_ht, "actual_ttc": t.actual_ttc,
        }
    return {
        "actions": standing.actions,
        "overdue_actions": standing.overdue,
        "actions_due_30_days": standing.due_soon,
        "gaps_without_action": [row.item.id for row in gap_rows(rows) if row.item.id not in addressed],
        "budget_by_fiscal_year": budget,
    }


def evidence_summary(store: EvidenceStore, applicable_item_ids: list[str], today: date) -> dict:
    """Items without evidence, evidence expiring within EXPIRY_WARNING_DAYS, and expired evidence:
    what the vault's `summary()` gives, read from the store alone (the vault's service loads the
    encryption; tests/test_status_fast.py checks that both agree)."""
    files = store.all()
    covered = set(store.counts_by_item())

    def brief(ev: Evidence) -> dict:
        return {"id": ev.id, "title": ev.title, "expires_on": ev.expires_on, "items": list(ev.items)}

    return {
        "evidence_files": len(files),
        "items_without_evidence": [item_id for item_id in applicable_item_ids if item_id not in covered],
        f"evidence_expiring_{EXPIRY_WARNING_DAYS}_days": [brief(ev) for ev in files
                                                        if ev.expiry_state(today) is ExpiryState.EXPIRING],
        "evidence_expired": [brief(ev) for ev in files if ev.expiry_state(today) is ExpiryState.EXPIRED],
    }


def last_exports_in(audit) -> dict[str, dict]:
    """When each kind of workbook was last exported, by whom and to which file, from the journal
    (`audit`: an AuditStore or an AuditTrail, anything with their `last_of_each_kind`)."""
    result: dict[str, dict] = {}
    for entry in audit.last_of_each_kind("export"):
        result[entry.kind.partition(".")[2]] = {"at": entry.ts, "by": entry.actor_name,
                                                "file": (entry.after or {}).get("file")}
    return result


def signoff_object(ws, item_ids: list[str] | None = None) -> dict:
    """Who has and has not confirmed each item, as `clinicguard signoff status --json` prints it."""
    return {
        item_id: {"requested_at": s.request.requested_at if s.request else None,
                  "confirmed": [{"person": c.person_name, "signed_at": c.signed_at, "comment": c.comment}
                                for c in s.confirmed],
                  "outdated": [c.person_name for c in s.outdated],
                  "missing": [p.name for p in s.missing]}
        for item_id, s in ws.signoffs.overview(item_ids).items()
    }
