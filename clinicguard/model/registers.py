"""The registers a clinic must keep (GDPR art. 30, 28, 33(5); training): plain data and the rules
that need no storage (deadlines, expiry). Stored by store/register_store.py, kept by core/registers.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from clinicguard.i18n import tr

# A contract or an HDS certificate ending within this many days shows on the dashboard.
EXPIRY_WARNING_DAYS = 60
# GDPR art. 33(1): the CNIL is notified within 72 hours of becoming aware of a breach.
CNIL_DEADLINE = timedelta(hours=72)
# Training older than this many months counts as missing on the dashboard (the default; settable).
TRAINING_MONTHS = 12
TRAINING_MONTHS_RANGE = (1, 60)
TEXT_MAX_LENGTH = 4000


class RegisterKind(StrEnum):
    PROCESSING = "processing"
    PROCESSOR = "processor"
    INCIDENT = "incident"
    TRAINING = "training"

    @property
    def label(self) -> str:
        return {
            RegisterKind.PROCESSING: tr("Processing register"),
            RegisterKind.PROCESSOR: tr("Processors and hosts"),
            RegisterKind.INCIDENT: tr("Incidents and breaches"),
            RegisterKind.TRAINING: tr("Training"),
        }[self]


# The checklist recommendations each register answers (their state is shown there).
REGISTER_ITEMS: dict[RegisterKind, tuple[str, ...]] = {
    RegisterKind.PROCESSING: ("GOV-REG-01", "GOV-REG-04"),
    RegisterKind.PROCESSOR: ("GOV-SUB-01", "GOV-SUB-02", "GOV-SUB-03", "GOV-SUB-04"),
    RegisterKind.INCIDENT: ("TRN-INC-02", "TRN-INC-03", "TRN-INC-06"),
    RegisterKind.TRAINING: ("TRN-EDU-02",),
}


def register_for_item(item_id: str) -> RegisterKind | None:
    for kind, items in REGISTER_ITEMS.items():
        if item_id in items:
            return kind
    return None


class LegalBasis(StrEnum):
    """GDPR art. 6(1)."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal-obligation"
    VITAL_INTERESTS = "vital-interests"
    PUBLIC_INTEREST = "public-interest"
    LEGITIMATE_INTERESTS = "legitimate-interests"

    @property
    def label(self) -> str:
        return {
            LegalBasis.CONSENT: tr("Consent (art. 6(1)(a))"),
            LegalBasis.CONTRACT: tr("Contract (art. 6(1)(b))"),
            LegalBasis.LEGAL_OBLIGATION: tr("Legal obligation (art. 6(1)(c))"),
            LegalBasis.VITAL_INTERESTS: tr("Vital interests (art. 6(1)(d))"),
            LegalBasis.PUBLIC_INTEREST: tr("Public interest (art. 6(1)(e))"),
            LegalBasis.LEGITIMATE_INTERESTS: tr("Legitimate interests (art. 6(1)(f))"),
        }[self]


class HealthException(StrEnum):
    """GDPR art. 9(2): the exception that allows processing health data."""

    NONE = "none"
    EXPLICIT_CONSENT = "a"
    EMPLOYMENT = "b"
    VITAL_INTERESTS = "c"
    CARE = "h"
    PUBLIC_HEALTH = "i"
    RESEARCH = "j"

    @property
    def label(self) -> str:
        return {
            HealthException.NONE: tr("No health data"),
            HealthException.EXPLICIT_CONSENT: tr("Explicit consent (art. 9(2)(a))"),
            HealthException.EMPLOYMENT: tr("Employment and social security law (art. 9(2)(b))"),
            HealthException.VITAL_INTERESTS: tr("Vital interests (art. 9(2)(c))"),
            HealthException.CARE: tr("Care by professionals bound to secrecy (art. 9(2)(h))"),
            HealthException.PUBLIC_HEALTH: tr("Public health (art. 9(2)(i))"),
            HealthException.RESEARCH: tr("Research and statistics (art. 9(2)(j))"),
        }[self]


class DpiaNeed(StrEnum):
    UNKNOWN = "unknown"
    REQUIRED = "required"
    NOT_REQUIRED = "not-required"

    @property
    def label(self) -> str:
        return {DpiaNeed.UNKNOWN: tr("To be decided"), DpiaNeed.REQUIRED: tr("Required"),
                DpiaNeed.NOT_REQUIRED: tr("Not required")}[self]


class CnilDecision(StrEnum):
    PENDING = "pending"
    NOTIFIED = "notified"
    NOT_NOTIFIED = "not-notified"

    @property
    def label(self) -> str:
        return {CnilDecision.PENDING: tr("To decide"), CnilDecision.NOTIFIED: tr("Notified"),
                CnilDecision.NOT_NOTIFIED: tr("Not notified")}[self]


class PeopleInformed(StrEnum):
    """GDPR art. 34: informing the people when the risk to them is high."""

    UNDECIDED = "undecided"
    INFORMED = "informed"
    NOT_NEEDED = "not-needed"

    @property
    def label(self) -> str:
        return {PeopleInformed.UNDECIDED: tr("To decide"), PeopleInformed.INFORMED: tr("Informed"),
                PeopleInformed.NOT_NEEDED: tr("Not needed (no high risk)")}[self]


# GDPR art. 28(3)(a)-(h): what a processor contract must provide, in short.
def art28_clauses() -> dict[str, str]:
    return {
        "a": tr("(a) acts only on the clinic's documented instructions, transfers included"),
        "b": tr("(b) its staff are bound to confidentiality"),
        "c": tr("(c) takes the security measures of art. 32"),
        "d": tr("(d) uses a sub-processor only with the clinic's authorisation, under the same duties"),
        "e": tr("(e) helps the clinic answer the people's requests (rights)"),
        "f": tr("(f) helps with security, breach notification and DPIAs (art. 32 to 36)"),
        "g": tr("(g) deletes or returns the data at the end of the service"),
        "h": tr("(h) gives the information needed to show compliance and allows audits"),
    }


CLAUSE_LETTERS = tuple("abcdefgh")


def expiry_within(day: str | None, today: date, days: int = EXPIRY_WARNING_DAYS) -> bool:
    """A date that has passed or comes within `days` days."""
    return bool(day) and date.fromisoformat(day) <= today + timedelta(days=days)


@dataclass(frozen=True)
class EvidenceLink:
    evidence_id: int
    role: str  # "dpia", "contract", "hds", "certificate", "evidence"
    title: str = ""


@dataclass(frozen=True)
class ProcessingActivity:
    id: int
    name: str
    purpose: str
    legal_basis: str = LegalBasis.LEGAL_OBLIGATION.value
    health_exception: str = HealthException.CARE.value
    persons: str = ""  # categories of people concerned
    data_categories: str = ""
    sensitive_data: str = ""
    recipients: str = ""
    transfers: str = ""  # outside the EU; empty: none
    retention: str = ""
    security_measures: str = ""
    processors: str = ""
    dpia: str = DpiaNeed.UNKNOWN.value
    controller: str = ""
    dpo: str = ""
    template: str = ""  # the template it started from, if any
    reference: str = ""  # the text the template restates
    item_ids: tuple[str, ...] = ()  # checklist items its security measures rely on
    created_at: str = ""
    updated_at: str = ""
    evidence: tuple[EvidenceLink, ...] = field(default=())

    def public(self) -> dict:
        data = asdict(self)
        data["item_ids"] = list(self.item_ids)
        data["evidence"] = [e.evidence_id for e in self.evidence]
        return data


@dataclass(frozen=True)
class Processor:
    id: int
    name: str
    service: str = ""
    data_concerned: str = ""
    contract_date: str | None = None
    contract_end: str | None = None
    clauses: tuple[str, ...] = ()  # letters of art. 28(3) the contract contains
    sub_processors: str = ""
    hosts_health_data: bool = False
    hds_number: str = ""
    hds_certifier: str = ""
    hds_scope: str = ""
    hds_expiry: str | None = None
    next_review: str | None = None
    notes: str = ""
    created_at: str = ""
    updated_at: str = ""
    evidence: tuple[EvidenceLink, ...] = field(default=())

    @property
    def missing_clauses(self) -> tuple[str, ...]:
        return tuple(c for c in CLAUSE_LETTERS if c not in self.clauses)

    def expiring(self, today: date, days: int = EXPIRY_WARNING_DAYS) -> list[tuple[str, str]]:
        """What ends within `days` days: (what, ISO date) for the contract and the certificate."""
        found = []
        if expiry_within(self.contract_end, today, days):
            found.append(("contract", self.contract_end))
        if self.hosts_health_data and expiry_within(self.hds_expiry, today, days):
            found.append(("hds", self.hds_expiry))
        return found

    def public(self) -> dict:
        data = asdict(self)
        data["clauses"] = list(self.clauses)
        data["evidence"] = [e.evidence_id for e in self.evidence]
        return data


@dataclass(frozen=True)
class Incident:
    id: int
    title: str
    discovered_at: str  # UTC ISO timestamp: the moment the clinic became aware
    description: str = ""
    started_at: str | None = None
    is_breach: bool = True  # a personal-data breach (else an IT incident only)
    data_concerned: str = ""
    people_count: int | None = None  # approximate
    records_count: int | None = None  # approximate
    consequences: str = ""
    measures: str = ""
    cnil_decision: str = CnilDecision.PENDING.value
    not_notified_reason: str = ""
    notified_at: str | None = None
    cnil_reference: str = ""
    people_informed: str = PeopleInformed.UNDECIDED.value
    people_informed_at: str | None = None
    ars_required: bool = False
    ars_reported_at: str | None = None
    ars_reference: str = ""
    declared_by: str = ""
    action_ids: tuple[int, ...] = ()
    created_at: str = ""
    updated_at: str = ""
    evidence: tuple[EvidenceLink, ...] = field(default=())

    @property
    def awareness(self) -> datetime:
        return datetime.fromisoformat(self.discovered_at)

    @property
    def cnil_deadline(self) -> datetime:
        return self.awareness + CNIL_DEADLINE

    @property
    def cnil_pending(self) -> bool:
        """A breach whose notification decision is still to be taken."""
        return self.is_breach and self.cnil_decision == CnilDecision.PENDING.value

    def cnil_overdue(self, now: datetime) -> bool:
        return self.cnil_pending and now > self.cnil_deadline

    @property
    def ars_pending(self) -> bool:
        return self.ars_required and not self.ars_reported_at

    def public(self) -> dict:
        data = asdict(self)
        data["action_ids"] = list(self.action_ids)
        data["evidence"] = [e.evidence_id for e in self.evidence]
        return data


@dataclass(frozen=True)
class Attendee:
    name: str
    person_id: int | None = None  # None: someone of the clinic without a profile


@dataclass(frozen=True)
class TrainingSession:
    id: int
    held_on: str
    topic: str
    trainer: str = ""
    duration_minutes: int | None = None
    attendees: tuple[Attendee, ...] = ()
    created_at: str = ""
    updated_at: str = ""
    evidence: tuple[EvidenceLink, ...] = field(default=())

    def public(self) -> dict:
        data = asdict(self)
        data["attendees"] = [a.name for a in self.attendees]
        data["evidence"] = [e.evidence_id for e in self.evidence]
        return data


@dataclass(frozen=True)
class Acknowledgement:
    """Someone of the clinic read a version of the IT charter: in the app, or on paper (the scan as evidence)."""

    name: str
    person_id: int | None
    acknowledged_on: str
    how: str  # "app" or "paper"
    evidence_id: int | None = None

    def public(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class CharterVersion:
    id: int
    version: str
    adopted_on: str
    notes: str = ""
    evidence_id: int | None = None  # the charter's text in the vault
    created_at: str = ""
    acknowledgements: tuple[Acknowledgement, ...] = ()

    def public(self) -> dict:
        return {"version": self.version, "adopted_on": self.adopted_on, "notes": self.notes,
                "evidence_id": self.evidence_id}


@dataclass(frozen=True)
class Expiring:
    """A contract or an HDS certificate that ends soon (or has ended)."""

    processor_id: int
    processor: str
    what: str  # "contract" or "hds"
    on: str  # ISO date

    @property
    def label(self) -> str:
        return tr("contract") if self.what == "contract" else tr("HDS certificate")


@dataclass(frozen=True)
class RegisterSummary:
    """Where the registers stand, for the dashboard and the reports."""

    processing: int
    processors: int
    incidents: int
    trainings: int
    open_incidents: tuple[Incident, ...]  # breaches whose CNIL decision is pending, or ARS report due
    overdue_incidents: tuple[Incident, ...]  # past the 72-hour deadline, still undecided
    expiring: tuple[Expiring, ...]
    incomplete_contracts: tuple[Processor, ...]  # art. 28(3) clauses missing
    untrained: tuple[str, ...]  # active people without training in the period
    activities_without_dpia_decision: int
    training_months: int = TRAINING_MONTHS  # the period `untrained` is counted over
    charter_version: str | None = None  # the current version of the IT charter, if any
    without_charter: tuple[str, ...] = ()  # active people who have not acknowledged it

    def count(self, kind: RegisterKind) -> int:
        return {RegisterKind.PROCESSING: self.processing, RegisterKind.PROCESSOR: self.processors,
                RegisterKind.INCIDENT: self.incidents, RegisterKind.TRAINING: self.trainings}[kind]
