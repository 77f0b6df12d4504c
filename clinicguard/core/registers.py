"""The registers a clinic keeps: processing activities (GDPR art. 30), processors and hosts (art. 28),
incidents and breaches (art. 33(5)) and training sessions. Every rule is here, once: the CLI and the
GUI both go through `Registers`, each change in its own audited transaction.

Times of incidents are stored in UTC; a time typed without a zone is the clinic's local time. The
CNIL deadline is 72 hours from the moment of awareness (art. 33(1)), counted in real hours.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from clinicguard.core import clock
from clinicguard.core.formatting import format_date, parse_date
from clinicguard.core.people import People
from clinicguard.core.uow import UnitOfWork
from clinicguard.i18n import pick, tr, trn
from clinicguard.model.catalogue import Catalogue, Structure
from clinicguard.model.errors import (
    ClinicGuardError,
    InvalidValue,
    NotFound,
    PermissionDenied,
)
from clinicguard.model.people import Actor, Permission, Role
from clinicguard.model.registers import (
    CLAUSE_LETTERS,
    EXPIRY_WARNING_DAYS,
    REGISTER_ITEMS,
    TEXT_MAX_LENGTH,
    TRAINING_MONTHS,
    TRAINING_MONTHS_RANGE,
    Acknowledgement,
    Attendee,
    CharterVersion,
    CnilDecision,
    DpiaNeed,
    EvidenceLink,
    Expiring,
    HealthException,
    Incident,
    LegalBasis,
    PeopleInformed,
    ProcessingActivity,
    Processor,
    RegisterKind,
    RegisterSummary,
    TrainingSession,
    register_for_item,
)
from clinicguard.paths import resources_dir
from clinicguard.store.clinic_store import ClinicStore
from clinicguard.store.register_store import RegisterStore

TEMPLATES_FILE = ("registers", "templates.toml")
TRAINING_MONTHS_SETTING = "registers.training_months"
EVIDENCE_ROLES = ("evidence", "dpia", "contract", "hds", "certificate")

_DATE_FIELDS = {"contract_date", "contract_end", "hds_expiry", "next_review", "held_on"}
_MOMENT_FIELDS = {"discovered_at", "started_at", "notified_at", "people_informed_at", "ars_reported_at"}
_COUNT_FIELDS = {"people_count", "records_count", "duration_minutes"}
_READ_ONLY = {"id", "created_at", "updated_at"}


# ---- templates ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProcessingTemplate:
    """A usual processing activity of a structure, restated from the CNIL's référentiel."""

    id: str
    structures: tuple[str, ...]
    texts: dict  # field -> {"fr": ..., "en": ...}
    legal_basis: str
    health_exception: str
    item_ids: tuple[str, ...]
    dpia: str
    reference: str

    def text(self, name: str) -> str:
        return pick(self.texts.get(name, {}))

    @property
    def name(self) -> str:
        return self.text("name")

    def suits(self, structure: Structure | str) -> bool:
        return Structure(structure).value in self.structures

    def fields(self) -> dict[str, Any]:
        """The activity's fields as the template fills them, in the current language."""
        security = self.text("security")
        note = self.text("dpia_note")
        return {
            "name": self.name, "purpose": self.text("purpose"), "legal_basis": self.legal_basis,
            "health_exception": self.health_exception, "persons": self.text("persons"),
            "data_categories": self.text("data_categories"), "sensitive_data": self.text("sensitive_data"),
            "recipients": self.text("recipients"), "transfers": self.text("transfers"),
            "retention": self.text("retention"),
            "security_measures": f"{security}\n{note}".strip() if note else security,
            "dpia": self.dpia, "template": self.id, "reference": self.reference, "item_ids": self.item_ids,
        }


_TEXT_KEYS = ("name", "purpose", "persons", "data_categories", "sensitive_data", "recipients", "transfers",
              "retention", "security", "dpia_note")


@lru_cache(maxsize=1)
def processing_templates() -> tuple[ProcessingTemplate, ...]:
    path = resources_dir().joinpath(*TEMPLATES_FILE)
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    result = []
    for entry in raw["templates"]:
        texts = {key: {"fr": entry.get(f"{key}_fr", ""), "en": entry.get(f"{key}_en", "")} for key in _TEXT_KEYS}
        result.append(ProcessingTemplate(entry["id"], tuple(entry["structures"]), texts,
                                         LegalBasis(entry["legal_basis"]).value,
                                         HealthException(entry["health_exception"]).value,
                                         tuple(entry.get("items", ())), DpiaNeed(entry["dpia"]).value,
                                         entry["reference"]))
    return tuple(result)


def template(template_id: str) -> ProcessingTemplate:
    for found in processing_templates():
        if found.id == template_id:
            return found
    raise NotFound(tr("Unknown template {id!r}: use one of {allowed}.", id=template_id,
                      allowed=", ".join(t.id for t in processing_templates())))


# ---- who reports to the ARS ---------------------------------------------------------------------
def ars_reporting_duty(structure: Structure | str) -> tuple[bool | None, str]:
    """Whether a structure must report serious IT incidents to the ARS (CSP L.1111-8-2), and why;
    None where the texts leave it unclear."""
    structure = Structure(structure)
    if structure is Structure.CLINIC:
        return True, tr("Health establishments must report serious information-system incidents to the ARS without "
                        "delay, through the health ministry's reporting portal (décret 2016-1214, CSP L.1111-8-2).")
    if structure is Structure.HEALTH_CENTRE:
        return None, tr("Décret 2022-715 extended the duty to other care organisations and to significant incidents; "
                        "whether it covers health centres is unclear (?): ask your ARS.")
    return None, tr("Whether liberal practices must report to the ARS is unclear (?); reporting through the portal "
                    "remains possible and CERT Santé can help.")


# ---- times -------------------------------------------------------------------------------------------
def parse_moment(value: Any, what: str = "") -> str:
    """A moment typed by the user (ISO, 'YYYY-MM-DD HH:MM' or 'DD/MM/YYYY HH:MM', local time unless
    it names a zone) as a UTC ISO timestamp."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip().replace("T", " ")
        moment = None
        for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d", "%d/%m/%Y"):
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        if moment is None:
            try:
                moment = datetime.fromisoformat(str(value).strip())
            except ValueError:
                raise InvalidValue(tr("{what}: unreadable date and time {value!r}: use DD/MM/YYYY HH:MM.",
                                      what=what or tr("Time"), value=str(value))) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # the clinic's local time
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def format_moment(value: str | datetime | None) -> str:
    """A stored UTC moment as the reader's local date and time, 27/11/2026 17:00."""
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.astimezone().strftime("%d/%m/%Y %H:%M")


def countdown_text(deadline: datetime, now: datetime) -> str:
    """Time left before a deadline, or how late it is, in days, hours and minutes."""
    delta = deadline - now
    late = delta.total_seconds() < 0
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        span = tr("{days} d {hours} h {minutes} min", days=days, hours=hours, minutes=f"{minutes:02d}")
    else:
        span = tr("{hours} h {minutes} min", hours=hours, minutes=f"{minutes:02d}")
    return tr("{span} late", span=span) if late else tr("{span} left", span=span)


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def utc_now() -> datetime:
    return datetime.now(UTC)


# ---- the CNIL notification, prepared -----------------------------------------------------------------
def cnil_notification_sections(incident: Incident, clinic_name: str, controller: str = "") -> list[tuple[str, str]]:
    """What the manager will type in the CNIL's online breach notification, in the order the
    teleservice asks for it as far as we know (?): check the form itself, which may change."""
    none = tr("(to complete)")
    people = tr("about {n}", n=incident.people_count) if incident.people_count is not None else none
    records = tr("about {n}", n=incident.records_count) if incident.records_count is not None else none
    return [
        (tr("1. Organisation"), tr("{clinic}; contact: {who}", clinic=clinic_name, who=controller or none)),
        (tr("2. Type of notification"),
         tr("Initial notification: a complete one may follow within the 72 hours or later (art. 33(4)).")),
        (tr("3. Dates"), tr("Start: {start}. Discovered: {found}.",
                            start=format_moment(incident.started_at) or none, found=format_moment(incident.discovered_at))),
        (tr("4. What happened"), incident.description or incident.title),
        (tr("5. Data concerned"), incident.data_concerned or none),
        (tr("6. People concerned"), tr("People: {people}; records: {records}.", people=people, records=records)),
        (tr("7. Likely consequences"), incident.consequences or none),
        (tr("8. Measures taken or planned"), incident.measures or none),
        (tr("9. Information of the people (art. 34)"), PeopleInformed(incident.people_informed).label),
    ]


# ---- the service ------------------------------------------------------------------------------------
def register_is_empty(store: RegisterStore, item_id: str) -> RegisterKind | None:
    """The register a checklist item is about, when that register holds nothing yet."""
    kind = register_for_item(item_id)
    if kind is None or store.count(kind):
        return None
    return kind


class Registers:
    def __init__(self, store: RegisterStore, uow: UnitOfWork, clinic: ClinicStore, people: People,
                 catalogue: Catalogue, now: Callable[[], datetime] = utc_now):
        self.store = store
        self._uow = uow
        self._clinic = clinic
        self._people = people
        self._catalogue = catalogue
        self._now = now

    # ---- reading
    def now(self) -> datetime:
        """The present moment (UTC) the deadlines are counted against."""
        return self._now()

    def processing_activities(self) -> list[ProcessingActivity]:
        return self.store.all(RegisterKind.PROCESSING)

    def processors(self) -> list[Processor]:
        return self.store.all(RegisterKind.PROCESSOR)

    def incidents(self) -> list[Incident]:
        return self.store.all(RegisterKind.INCIDENT)

    def trainings(self) -> list[TrainingSession]:
        return self.store.all(RegisterKind.TRAINING)

    def records(self, kind: RegisterKind) -> list:
        return self.store.all(kind)

    def get(self, kind: RegisterKind | str, record_id: int):
        kind = RegisterKind(kind)
        found = self.store.get(kind, int(record_id))
        if found is None:
            raise NotFound(tr("No entry {id} in the {register}.", id=record_id, register=kind.label.lower()))
        return found

    def templates(self, structure: Structure | str | None = None) -> list[ProcessingTemplate]:
        structure = structure or self._clinic.get().structure
        return [t for t in processing_templates() if t.suits(structure)]

    def ars_duty(self) -> tuple[bool | None, str]:
        return ars_reporting_duty(self._clinic.get().structure)

    def notification_sections(self, incident: Incident) -> list[tuple[str, str]]:
        clinic = self._clinic.get()
        return cnil_notification_sections(incident, clinic.name, clinic.manager_name)

    def state_for_item(self, item_id: str) -> str | None:
        """What the checklist shows beside an item about a register: how many entries it holds."""
        kind = register_for_item(item_id)
        if kind is None:
            return None
        count = self.store.count(kind)
        if not count:
            return tr("{register}: empty. Fill it in ClinicGuard (Registers page).", register=kind.label)
        return trn("{register}: {n} entry in ClinicGuard.", "{register}: {n} entries in ClinicGuard.", count,
                   register=kind.label)

    def summary(self, today: date | None = None, now: datetime | None = None,
                training_months: int | None = None) -> RegisterSummary:
        """Counts, overdue deadlines and what expires soon: for the dashboard and the reports."""
        today = today or clock.today()
        now = now or self._now()
        incidents = self.incidents()
        processors = self.processors()
        activities = self.processing_activities()
        expiring = [Expiring(p.id, p.name, what, on) for p in processors for what, on in p.expiring(today)]
        training_months = training_months or self.training_months()
        since = months_before(today, training_months).isoformat()
        last = self.store.last_training_by_person()
        untrained = tuple(p.name for p in self._people.all(include_inactive=False)
                          if last.get(p.id, "") < since)
        charter = self.current_charter()
        acknowledged = {a.person_id for a in charter.acknowledgements} if charter else set()
        without_charter = tuple(p.name for p in self._people.all(include_inactive=False)
                                if p.id not in acknowledged) if charter else ()
        return RegisterSummary(
            charter_version=charter.version if charter else None, without_charter=without_charter,
            training_months=training_months,
            processing=len(activities), processors=len(processors), incidents=len(incidents),
            trainings=self.store.count(RegisterKind.TRAINING),
            open_incidents=tuple(i for i in incidents if i.cnil_pending or i.ars_pending),
            overdue_incidents=tuple(i for i in incidents if i.cnil_overdue(now)),
            expiring=tuple(sorted(expiring, key=lambda e: e.on)),
            incomplete_contracts=tuple(p for p in processors if p.missing_clauses),
            untrained=untrained,
            activities_without_dpia_decision=sum(1 for a in activities if a.dpia == DpiaNeed.UNKNOWN.value),
        )

    # ---- processing activities
    def add_processing(self, actor: Actor, **values: Any) -> ProcessingActivity:
        return self._add(actor, Permission.EDIT_REGISTERS, ProcessingActivity, values)

    def add_from_template(self, actor: Actor, template_id: str, **overrides: Any) -> ProcessingActivity:
        values = template(template_id).fields()
        # the template names items of the bundled catalogue: keep those this clinic's catalogue has
        values["item_ids"] = tuple(i for i in values["item_ids"] if i in self._catalogue)
        clinic = self._clinic.get()
        values.setdefault("controller", clinic.manager_name)
        values.update({k: v for k, v in overrides.items() if v not in (None, "")})
        return self._add(actor, Permission.EDIT_REGISTERS, ProcessingActivity, values)

    # ---- processors
    def add_processor(self, actor: Actor, **values: Any) -> Processor:
        return self._add(actor, Permission.EDIT_REGISTERS, Processor, values)

    # ---- incidents
    def add_incident(self, actor: Actor, **values: Any) -> Incident:
        """Declare an incident (managers and practitioners); the declarer is recorded."""
        values.setdefault("declared_by", actor.name if actor else "")
        values.setdefault("ars_required", self.ars_duty()[0] is True)
        return self._add(actor, Permission.DECLARE_INCIDENT, Incident, values)

    # ---- training
    def add_training(self, actor: Actor, *, held_on: Any, topic: str, attendees: Sequence[str] = (),
                     others: Sequence[str] = (), **values: Any) -> TrainingSession:
        """A session with its attendees: `attendees` are profiles (by name), `others` people of the
        clinic without a profile. A practitioner records only sessions they attended."""
        values.update(held_on=held_on, topic=topic, attendees=self._attendees(attendees, others))
        return self._add(actor, Permission.RECORD_TRAINING, TrainingSession, values)

    def _attendees(self, attendees: Iterable[str], others: Iterable[str]) -> tuple[Attendee, ...]:
        result: list[Attendee] = []
        for name in attendees:
            name = (name or "").strip()
            if not name:
                continue
            try:
                person = self._people.get(name)
            except NotFound:
                raise NotFound(tr("Unknown profile {name!r}: add them as someone without a profile, or create "
                                  "their profile first.", name=name)) from None
            result.append(Attendee(person.name, person.id))
        for name in others:
            name = " ".join((name or "").split())
            if name:
                result.append(Attendee(name, None))
        seen = set()
        unique = []
        for attendee in result:
            key = attendee.name.casefold()
            if key not in seen:
                seen.add(key)
                unique.append(attendee)
        return tuple(unique)

    # ---- the training period the dashboard counts over
    def training_months(self) -> int:
        value = self._clinic.setting(TRAINING_MONTHS_SETTING)
        try:
            return int(value) if value is not None else TRAINING_MONTHS
        except ValueError:
            return TRAINING_MONTHS

    def set_training_months(self, actor: Actor, months: Any) -> int:
        """How many months a training session counts for on the dashboard (12 by default)."""
        low, high = TRAINING_MONTHS_RANGE
        try:
            months = int(months)
        except (TypeError, ValueError):
            months = -1
        if not low <= months <= high:
            raise InvalidValue(tr("The training period must be between {low} and {high} months.", low=low, high=high))
        with self._uow.writing(actor, Permission.EDIT_REGISTERS) as audit:
            before = self.training_months()
            if before != months:
                self._clinic.set_setting(TRAINING_MONTHS_SETTING, str(months))
                audit.record("register.setting.training-months", "setting", TRAINING_MONTHS_SETTING, before, months)
        return months

    # ---- the IT charter
    def charter_versions(self) -> list[CharterVersion]:
        """Every version of the IT charter, the latest adopted first, with who acknowledged it."""
        return self.store.charter_versions()

    def current_charter(self) -> CharterVersion | None:
        versions = self.store.charter_versions()
        return versions[0] if versions else None

    def add_charter_version(self, actor: Actor, *, version: str, adopted_on: Any, notes: str = "",
                            evidence_id: int | None = None) -> CharterVersion:
        """A new version of the IT charter (its text may be a file of the vault); it becomes the current one."""
        version = " ".join(str(version or "").split())
        if not version:
            raise InvalidValue(tr("{what} is required.", what=tr("Version")))
        if adopted_on in (None, ""):
            raise InvalidValue(tr("{what} is required.", what=tr("Adopted on")))
        adopted = parse_date(adopted_on)
        evidence_id = self._checked_evidence_id(evidence_id)
        with self._uow.writing(actor, Permission.EDIT_REGISTERS) as audit:
            if self.store.charter_version_exists(version):
                raise ClinicGuardError(tr("The IT charter already has a version {version}.", version=version))
            record = CharterVersion(0, version, adopted, (notes or "").strip(), evidence_id, clock.utc_now())
            new_id = self.store.insert_charter_version(record)
            audit.record("register.charter.add", "charter", new_id, None, record.public())
        return next(v for v in self.store.charter_versions() if v.id == new_id)

    def acknowledge_charter(self, actor: Actor, *, person: str | None = None, without_profile: str | None = None,
                            version: str | None = None, on: Any = None, paper: bool = False,
                            evidence_id: int | None = None) -> Acknowledgement:
        """Record that someone read a version of the charter (default: the current one, today, in the
        app, by the person signed in). Anyone acknowledges for themselves; a manager records the
        others', on paper with the scan as evidence, for people without a profile too."""
        versions = self.store.charter_versions()
        if not versions:
            raise ClinicGuardError(tr("Add the IT charter's current version first."))
        if version is None:
            target = versions[0]
        else:
            target = next((v for v in versions if v.version.casefold() == str(version).strip().casefold()), None)
            if target is None:
                raise NotFound(tr("Unknown charter version {version!r}: use one of {allowed}.", version=version,
                                  allowed=", ".join(v.version for v in versions)))
        day = parse_date(on) if on not in (None, "") else clock.today().isoformat()
        if day > clock.today().isoformat():
            raise InvalidValue(tr("The acknowledgement cannot be in the future ({date}).", date=format_date(day)))
        if day < target.adopted_on:
            raise InvalidValue(tr("The acknowledgement ({date}) cannot come before version {version} was adopted "
                                  "({adopted}).", date=format_date(day), version=target.version,
                                  adopted=format_date(target.adopted_on)))
        if without_profile and without_profile.strip():
            name, person_id = " ".join(without_profile.split()), None
        elif person:
            found = self._attendees([person], ())[0]
            name, person_id = found.name, found.person_id
        else:
            name, person_id = actor.name, actor.id
        evidence_id = self._checked_evidence_id(evidence_id)
        for_self = actor is not None and person_id is not None and person_id == actor.id
        with self._uow.writing(actor, Permission.READ if for_self else Permission.EDIT_REGISTERS) as audit:
            ack = Acknowledgement(name, person_id, day, "paper" if paper else "app", evidence_id)
            self.store.save_acknowledgement(target.id, ack, clock.utc_now())
            audit.record("register.charter.acknowledge", "charter", target.id, None,
                         dict(ack.public(), version=target.version))
        return ack

    def _checked_evidence_id(self, evidence_id: Any) -> int | None:
        if evidence_id in (None, ""):
            return None
        return self._checked_evidence([(evidence_id, "evidence")])[0].evidence_id

    # ---- any register
    def update(self, actor: Actor, kind: RegisterKind | str, record_id: int, **changes: Any):
        """Change an entry; incidents' decisions and every other register are the manager's."""
        kind = RegisterKind(kind)
        permission = Permission.RECORD_TRAINING if kind is RegisterKind.TRAINING else Permission.EDIT_REGISTERS
        if kind is RegisterKind.TRAINING and ("attendees" in changes or "others" in changes):
            changes["attendees"] = self._attendees(changes.pop("attendees", ()) or (), changes.pop("others", ()) or ())
        with self._uow.writing(actor, permission) as audit:
            before = self.get(kind, record_id)
            values = {f.name: getattr(before, f.name) for f in fields(before) if f.name not in _READ_ONLY}
            unknown = set(changes) - set(values) - _READ_ONLY
            if unknown:
                raise ValueError(f"cannot change {unknown}")
            values.update({k: v for k, v in changes.items() if k not in _READ_ONLY})
            record = self._checked(type(before), values, created_at=before.created_at)
            record = replace(record, id=before.id)
            self._check_own_training(audit.actor, record)
            if _comparable(record) == _comparable(before):
                return before
            self.store.update(record)
            audit.record(f"register.{kind.value}.update", kind.value, record.id, before.public(), record.public())
        return self.get(kind, record_id)

    def delete(self, actor: Actor, kind: RegisterKind | str, record_id: int) -> None:
        """Remove an entry. An incident stays in the register for good (art. 33(5): every breach is recorded)."""
        kind = RegisterKind(kind)
        if kind is RegisterKind.INCIDENT:
            raise ClinicGuardError(tr("An incident stays in the register: record what was decided instead."))
        with self._uow.writing(actor, Permission.EDIT_REGISTERS) as audit:
            before = self.get(kind, record_id)
            self.store.delete(kind, record_id)
            audit.record(f"register.{kind.value}.delete", kind.value, record_id, before.public(), None)

    def link_evidence(self, actor: Actor, kind: RegisterKind | str, record_id: int, evidence_id: int,
                      role: str = "evidence"):
        """Cite a file of the vault as evidence of an entry (a contract, a certificate, a DPIA...)."""
        kind = RegisterKind(kind)
        record = self.get(kind, record_id)
        links = tuple(record.evidence) + (EvidenceLink(int(evidence_id), role),)
        return self.update(actor, kind, record_id, evidence=links)

    # ---- the rules
    def _add(self, actor: Actor, permission: Permission, cls: type, values: dict[str, Any]):
        kind = {ProcessingActivity: RegisterKind.PROCESSING, Processor: RegisterKind.PROCESSOR,
                Incident: RegisterKind.INCIDENT, TrainingSession: RegisterKind.TRAINING}[cls]
        names = {f.name for f in fields(cls)} - _READ_ONLY
        unknown = set(values) - names
        if unknown:
            raise ValueError(f"unknown fields {unknown}")
        with self._uow.writing(actor, permission) as audit:
            record = self._checked(cls, values, created_at=clock.utc_now())
            self._check_own_training(audit.actor, record)
            record_id = self.store.insert(record)
            record = self.store.get(kind, record_id)
            audit.record(f"register.{kind.value}.add", kind.value, record_id, None, record.public())
        return record

    def _check_own_training(self, actor: Actor, record: Any) -> None:
        if (isinstance(record, TrainingSession) and actor.role is not Role.MANAGER
                and actor.id not in {a.person_id for a in record.attendees}):
            raise PermissionDenied(tr("{name}: you may record only the training sessions you attended.",
                                      name=actor.name))

    def _checked(self, cls: type, values: dict[str, Any], *, created_at: str):
        """The record `values` describe, every field cleaned and checked; a clear message otherwise."""
        labels = _field_labels()
        clean: dict[str, Any] = {}
        for name, value in values.items():
            label = labels.get(name, name)
            if name in _DATE_FIELDS:
                clean[name] = parse_date(value) if value not in (None, "") else None
                if name == "held_on" and clean[name] is None:
                    raise InvalidValue(tr("{what} is required.", what=label))
            elif name in _MOMENT_FIELDS:
                clean[name] = parse_moment(value, label) if value not in (None, "") else None
            elif name in _COUNT_FIELDS:
                clean[name] = _count(value, label)
            elif name in ("item_ids",):
                clean[name] = self._checked_items(value)
            elif name == "clauses":
                clean[name] = _checked_clauses(value)
            elif name == "action_ids":
                clean[name] = self._checked_actions(value)
            elif name == "evidence":
                clean[name] = self._checked_evidence(value)
            elif name == "attendees":
                clean[name] = tuple(value)
            elif name in ("hosts_health_data", "is_breach", "ars_required"):
                clean[name] = bool(value)
            else:
                text = "" if value is None else str(value).strip()
                if len(text) > TEXT_MAX_LENGTH:
                    raise InvalidValue(tr("{what}: at most {n} characters.", what=label, n=TEXT_MAX_LENGTH))
                clean[name] = text
        now = clock.utc_now()
        record = cls(id=0, **clean, created_at=created_at, updated_at=now)
        for problem in (self._problems(record)):
            raise InvalidValue(problem)
        return record

    def _problems(self, record: Any) -> Iterable[str]:
        labels = _field_labels()
        required = {ProcessingActivity: "name", Processor: "name", Incident: "title", TrainingSession: "topic"}
        name = required[type(record)]
        if not getattr(record, name):
            yield tr("{what} is required.", what=labels[name])
        if isinstance(record, ProcessingActivity):
            yield from _enum_problem(LegalBasis, record.legal_basis, labels["legal_basis"])
            yield from _enum_problem(HealthException, record.health_exception, labels["health_exception"])
            yield from _enum_problem(DpiaNeed, record.dpia, labels["dpia"])
        elif isinstance(record, Processor):
            if record.contract_date and record.contract_end and record.contract_end < record.contract_date:
                yield tr("The contract ends ({end}) before it starts ({start}).",
                         end=format_date(record.contract_end), start=format_date(record.contract_date))
        elif isinstance(record, Incident):
            yield from self._incident_problems(record)
        elif isinstance(record, TrainingSession) and not record.attendees:
            yield tr("Name at least one attendee.")

    def _incident_problems(self, incident: Incident) -> Iterable[str]:
        labels = _field_labels()
        now = self._now()
        if not incident.discovered_at:
            yield tr("{what} is required.", what=labels["discovered_at"])
            return
        found = incident.awareness
        if found > now + timedelta(minutes=5):
            yield tr("The incident cannot have been discovered in the future ({when}).",
                     when=format_moment(incident.discovered_at))
        if incident.started_at and datetime.fromisoformat(incident.started_at) > found:
            yield tr("The incident cannot start ({start}) after it was discovered ({found}).",
                     start=format_moment(incident.started_at), found=format_moment(incident.discovered_at))
        for name in ("notified_at", "people_informed_at", "ars_reported_at"):
            value = getattr(incident, name)
            if value and datetime.fromisoformat(value) < found:
                yield tr("{what} ({when}) cannot come before the discovery ({found}).", what=labels[name],
                         when=format_moment(value), found=format_moment(incident.discovered_at))
            if value and datetime.fromisoformat(value) > now + timedelta(minutes=5):
                yield tr("{what} cannot be in the future ({when}).", what=labels[name], when=format_moment(value))
        yield from _enum_problem(CnilDecision, incident.cnil_decision, labels["cnil_decision"])
        yield from _enum_problem(PeopleInformed, incident.people_informed, labels["people_informed"])
        if incident.cnil_decision == CnilDecision.NOT_NOTIFIED.value and not incident.not_notified_reason:
            yield tr("Say why the CNIL is not notified: the reason is kept in the register (art. 33(5)).")
        if incident.cnil_decision == CnilDecision.NOTIFIED.value and not incident.notified_at:
            yield tr("Give the time the CNIL was notified.")
        if incident.notified_at and incident.cnil_decision != CnilDecision.NOTIFIED.value:
            yield tr("A notification time is given but the decision is not “notified”.")

    def _checked_items(self, value: Any) -> tuple[str, ...]:
        items = tuple(dict.fromkeys(_split(value)))
        unknown = [i for i in items if i not in self._catalogue]
        if unknown:
            raise NotFound(tr("Unknown recommendation {id!r}.", id=unknown[0]))
        return items

    def _checked_actions(self, value: Any) -> tuple[int, ...]:
        result = []
        for part in _split(value):
            try:
                action_id = int(part)
            except (TypeError, ValueError):
                raise InvalidValue(tr("Unreadable action number {value!r}.", value=part)) from None
            if not self.store.action_exists(action_id):
                raise NotFound(tr("No action {id} in the plan.", id=action_id))
            result.append(action_id)
        return tuple(dict.fromkeys(result))

    def _checked_evidence(self, value: Any) -> tuple[EvidenceLink, ...]:
        result = []
        for link in value or ():
            if not isinstance(link, EvidenceLink):
                evidence_id, role = (link if isinstance(link, tuple) else (link, "evidence"))
                try:
                    link = EvidenceLink(int(evidence_id), role)
                except (TypeError, ValueError):
                    raise InvalidValue(tr("Unreadable evidence number {value!r}.", value=evidence_id)) from None
            if link.role not in EVIDENCE_ROLES:
                raise ValueError(f"unknown evidence role {link.role!r}")
            if not self.store.evidence_exists(link.evidence_id):
                raise NotFound(tr("No evidence {id} in the vault.", id=link.evidence_id))
            result.append(EvidenceLink(link.evidence_id, link.role))
        return tuple(dict.fromkeys(result))


def _comparable(record: Any) -> dict:
    data = record.public()
    data.pop("updated_at", None)
    return data


def _split(value: Any) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
    return [p.strip() if isinstance(p, str) else p for p in value if p not in (None, "")]


def _checked_clauses(value: Any) -> tuple[str, ...]:
    letters = []
    for part in _split(value):
        letter = str(part).strip().strip("()").lower()
        if letter not in CLAUSE_LETTERS:
            raise InvalidValue(tr("Unknown art. 28(3) clause {value!r}: use letters a to h.", value=part))
        letters.append(letter)
    return tuple(sorted(set(letters)))


def _count(value: Any, label: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(str(value).strip().replace(" ", "").replace("\u202f", ""))
    except ValueError:
        raise InvalidValue(tr("{what}: write a whole number, not {value!r}.", what=label, value=str(value))) from None
    if number < 0:
        raise InvalidValue(tr("{what}: a number cannot be negative.", what=label))
    return number


def _enum_problem(enum: Any, value: str, label: str) -> Iterable[str]:
    try:
        enum(value)
    except ValueError:
        yield tr("{what}: unknown value {value!r}, use one of {allowed}.", what=label, value=value,
                 allowed=", ".join(e.value for e in enum))


def _field_labels() -> dict[str, str]:
    """The name of each field as forms, messages and exports show it."""
    return {
        "name": tr("Name"), "purpose": tr("Purpose"), "legal_basis": tr("Legal basis (art. 6)"),
        "health_exception": tr("Health data exception (art. 9(2))"), "persons": tr("Categories of people"),
        "data_categories": tr("Categories of data"), "sensitive_data": tr("Sensitive data"),
        "recipients": tr("Recipients"), "transfers": tr("Transfers outside the EU"), "retention": tr("Retention"),
        "security_measures": tr("Security measures"), "processors": tr("Processors used"),
        "dpia": tr("DPIA"), "controller": tr("Controller"), "dpo": tr("DPO"),
        "service": tr("Service"), "data_concerned": tr("Data concerned"), "contract_date": tr("Contract date"),
        "contract_end": tr("Contract end"), "clauses": tr("Art. 28(3) clauses"),
        "sub_processors": tr("Sub-processors"), "hosts_health_data": tr("Hosts health data"),
        "hds_number": tr("HDS certificate number"), "hds_certifier": tr("Certifier"), "hds_scope": tr("HDS scope"),
        "hds_expiry": tr("HDS certificate expiry"), "next_review": tr("Next review"), "notes": tr("Notes"),
        "title": tr("Title"), "discovered_at": tr("Discovered on"), "description": tr("What happened"),
        "started_at": tr("Started on"), "is_breach": tr("Personal-data breach"),
        "people_count": tr("People concerned (approx.)"), "records_count": tr("Records concerned (approx.)"),
        "consequences": tr("Likely consequences"), "measures": tr("Measures taken"),
        "cnil_decision": tr("CNIL notification"), "not_notified_reason": tr("Reason for not notifying"),
        "notified_at": tr("Notified on"), "cnil_reference": tr("CNIL reference"),
        "people_informed": tr("People informed (art. 34)"), "people_informed_at": tr("People informed on"),
        "ars_required": tr("ARS report required"), "ars_reported_at": tr("Reported to the ARS on"),
        "ars_reference": tr("ARS report reference"), "held_on": tr("Date"), "topic": tr("Topic"),
        "trainer": tr("Trainer"), "duration_minutes": tr("Duration (minutes)"), "declared_by": tr("Declared by"),
        "created_at": tr("Created on"), "updated_at": tr("Last updated"), "template": tr("Template"),
        "reference": tr("Reference"), "item_ids": tr("Linked recommendations"), "action_ids": tr("Linked actions"),
        "attendees": tr("Attendees"),
    }


_ENUMS = {"legal_basis": LegalBasis, "health_exception": HealthException, "dpia": DpiaNeed,
          "cnil_decision": CnilDecision, "people_informed": PeopleInformed}


def display_value(name: str, value: Any) -> str:
    """A field's value as a reader sees it: labels for choices, local dates and times, yes or no."""
    if value is None or value == "":
        return ""
    if name in _ENUMS:
        try:
            return _ENUMS[name](value).label
        except ValueError:
            return str(value)
    if isinstance(value, bool):
        return tr("Yes") if value else tr("No")
    if name in _MOMENT_FIELDS or name in ("created_at", "updated_at"):
        return format_moment(value)
    if name in _DATE_FIELDS:
        return format_date(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(getattr(v, "name", str(v)) for v in value)
    return str(value)


def field_labels() -> dict[str, str]:
    return _field_labels()


__all__ = [
    "EXPIRY_WARNING_DAYS", "REGISTER_ITEMS", "ProcessingTemplate", "Registers", "ars_reporting_duty",
    "cnil_notification_sections", "countdown_text", "display_value", "field_labels", "format_moment", "parse_moment",
    "processing_templates", "register_is_empty", "template",
]
