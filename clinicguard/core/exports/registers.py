"""The registers workbook, for the DPO or an inspector: the processing register in the column order
of the CNIL's basic register model (description, actors, purposes, security measures, data,
people, recipients, transfers; the legal basis and the DPIA added where the GDPR asks for them),
then processors and hosts, incidents and breaches, training sessions and their attendees.

Every user text goes through the safe cell helpers (never a formula); dates in French formats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Protocol

from openpyxl import Workbook

from clinicguard.core.exports.cover import cover
from clinicguard.core.exports.pipeline import (
    Cancelled,
    Context,
    ExportSources,
    PreparedExport,
    Progress,
    authorised,
    context_for,
    run_export,
    tick,
)
from clinicguard.core.exports.xlsx import (
    DATE,
    DATETIME,
    INTEGER,
    TEXT,
    WRAP,
    Column,
    TableSheet,
    enum_label,
    sheet_title,
    yes_no,
)
from clinicguard.core.registers import Registers, countdown_text
from clinicguard.i18n import tr
from clinicguard.model.people import Actor
from clinicguard.model.registers import (
    CLAUSE_LETTERS,
    CharterVersion,
    CnilDecision,
    DpiaNeed,
    HealthException,
    Incident,
    LegalBasis,
    PeopleInformed,
    ProcessingActivity,
    Processor,
    TrainingSession,
)


class RegisterSources(ExportSources, Protocol):
    @property
    def registers(self) -> Registers: ...


@dataclass(frozen=True)
class RegistersData:
    context: Context
    activities: tuple[ProcessingActivity, ...]
    processors: tuple[Processor, ...]
    incidents: tuple[Incident, ...]
    trainings: tuple[TrainingSession, ...]
    now: datetime
    charter: tuple[CharterVersion, ...] = ()


def prepare_registers(sources: RegisterSources, actor: Actor) -> PreparedExport:
    current = authorised(sources, actor)
    registers = sources.registers
    data = RegistersData(context_for(sources, current), tuple(registers.processing_activities()),
                         tuple(registers.processors()), tuple(registers.incidents()), tuple(registers.trainings()),
                         registers.now(), tuple(registers.charter_versions()))
    details = {"processing": len(data.activities), "processors": len(data.processors),
               "incidents": len(data.incidents), "trainings": len(data.trainings),
               "audit_head": data.context.audit_head}
    return PreparedExport("registers", partial(build_registers, data), details)


def export_registers(sources: RegisterSources, actor: Actor, out: Path | str, progress: Progress | None = None,
                     cancelled: Cancelled | None = None) -> Path:
    return run_export(sources, actor, prepare_registers(sources, actor), out, progress, cancelled)


def _local(value: str | None) -> datetime | None:
    """A stored UTC moment as a local time without zone (what a spreadsheet cell holds)."""
    if not value:
        return None
    return datetime.fromisoformat(value).astimezone().replace(tzinfo=None)


def _evidence(record, role: str | None = None) -> str:
    return ", ".join(f"{link.evidence_id} — {link.title}" for link in record.evidence
                     if role is None or link.role == role)


def processing_columns() -> list[Column]:
    return [
        Column(tr("No."), INTEGER, 6), Column(tr("Name of the processing"), WRAP, 28),
        Column(tr("Created on"), DATE, 12), Column(tr("Last updated"), DATE, 12),
        Column(tr("Controller"), TEXT, 18), Column(tr("DPO"), TEXT, 16),
        Column(tr("Purpose"), WRAP, 40), Column(tr("Legal basis (art. 6)"), TEXT, 22),
        Column(tr("Health data exception (art. 9(2))"), TEXT, 24),
        Column(tr("Security measures"), WRAP, 40), Column(tr("Linked recommendations"), TEXT, 20),
        Column(tr("Categories of data"), WRAP, 36), Column(tr("Sensitive data"), WRAP, 28),
        Column(tr("Retention"), WRAP, 34), Column(tr("Categories of people"), WRAP, 28),
        Column(tr("Recipients"), WRAP, 34), Column(tr("Processors used"), WRAP, 24),
        Column(tr("Transfers outside the EU"), WRAP, 24), Column(tr("DPIA"), TEXT, 12),
        Column(tr("DPIA (evidence)"), TEXT, 20), Column(tr("Evidence"), TEXT, 20),
        Column(tr("Template and reference"), WRAP, 30),
    ]


def build_registers(data: RegistersData, progress: Progress | None = None,
                    cancelled: Cancelled | None = None) -> Workbook:
    book = Workbook()
    names = {"processing": sheet_title(tr("Processing register")), "processors": sheet_title(tr("Processors")),
             "incidents": sheet_title(tr("Incidents and breaches")), "trainings": sheet_title(tr("Training")),
             "attendees": sheet_title(tr("Attendees")), "charter": sheet_title(tr("IT charter"))}
    cover(
        book, tr("Registers of the clinic"), data.context,
        [(tr("Processing activities"), INTEGER, len(data.activities)),
         (tr("Processors and hosts"), INTEGER, len(data.processors)),
         (tr("Incidents and breaches"), INTEGER, len(data.incidents)),
         (tr("Training sessions"), INTEGER, len(data.trainings))],
        [(names["processing"], tr("The record of processing activities (GDPR art. 30(1)), one row per activity, in "
                                  "the order of the CNIL's register model.")),
         (names["processors"], tr("Processors and hosts (art. 28): contract, art. 28(3) clauses, HDS certificate.")),
         (names["incidents"], tr("Every incident and breach, notified or not (art. 33(5)), with the 72-hour deadline.")),
         (names["trainings"], tr("Training sessions.")),
         (names["attendees"], tr("One row per attendee of each session, with or without a profile.")),
         (names["charter"], tr("The IT charter's versions and who acknowledged each, in the app or on paper."))],
        [tr("The columns follow the sections of the CNIL's basic register model as we read it (?); the legal basis "
            "and the DPIA are added because the GDPR asks for them."),
         tr("Times are the clinic's local time; the CNIL deadline is 72 hours after the discovery (art. 33(1)).")],
    )
    total = len(data.activities) + len(data.processors) + len(data.incidents) + len(data.trainings)
    done = 0

    table = TableSheet(book.create_sheet(names["processing"]), processing_columns())
    for a in data.activities:
        table.append([
            a.id, a.name, a.created_at[:10], a.updated_at[:10], a.controller, a.dpo, a.purpose,
            enum_label(LegalBasis, a.legal_basis), enum_label(HealthException, a.health_exception),
            a.security_measures, ", ".join(a.item_ids), a.data_categories, a.sensitive_data, a.retention, a.persons,
            a.recipients, a.processors, a.transfers or tr("None"), enum_label(DpiaNeed, a.dpia),
            _evidence(a, "dpia"), _evidence(a, "evidence"),
            " — ".join(p for p in (a.template, a.reference) if p),
        ])
        done += 1
        tick(progress, cancelled, done, total)
    table.finish("Traitements", repeat_columns="A:B")

    clauses = [Column(tr("Clause ({letter})", letter=letter), TEXT, 8) for letter in CLAUSE_LETTERS]
    table = TableSheet(book.create_sheet(names["processors"]), [
        Column(tr("No."), INTEGER, 6), Column(tr("Provider"), TEXT, 22), Column(tr("Service"), WRAP, 28),
        Column(tr("Data concerned"), WRAP, 28), Column(tr("Contract date"), DATE, 12),
        Column(tr("Contract end"), DATE, 12), *clauses, Column(tr("Missing clauses"), TEXT, 14),
        Column(tr("Sub-processors"), WRAP, 24), Column(tr("Hosts health data"), TEXT, 10),
        Column(tr("HDS certificate number"), TEXT, 18), Column(tr("Certifier"), TEXT, 16),
        Column(tr("HDS scope"), WRAP, 24), Column(tr("HDS certificate expiry"), DATE, 12),
        Column(tr("Next review"), DATE, 12), Column(tr("Contract (evidence)"), TEXT, 20),
        Column(tr("HDS certificate (evidence)"), TEXT, 20), Column(tr("Notes"), WRAP, 28),
    ])
    for p in data.processors:
        table.append([
            p.id, p.name, p.service, p.data_concerned, p.contract_date, p.contract_end,
            *[yes_no(letter in p.clauses) for letter in CLAUSE_LETTERS], ", ".join(p.missing_clauses),
            p.sub_processors, yes_no(p.hosts_health_data), p.hds_number, p.hds_certifier, p.hds_scope,
            p.hds_expiry, p.next_review, _evidence(p, "contract"), _evidence(p, "hds"), p.notes,
        ])
        done += 1
        tick(progress, cancelled, done, total)
    table.finish("SousTraitants", repeat_columns="A:B")

    table = TableSheet(book.create_sheet(names["incidents"]), [
        Column(tr("No."), INTEGER, 6), Column(tr("Title"), WRAP, 24), Column(tr("Discovered on"), DATETIME, 16),
        Column(tr("Started on"), DATETIME, 16), Column(tr("What happened"), WRAP, 36),
        Column(tr("Personal-data breach"), TEXT, 10), Column(tr("Data concerned"), WRAP, 26),
        Column(tr("People concerned (approx.)"), INTEGER, 12), Column(tr("Records concerned (approx.)"), INTEGER, 12),
        Column(tr("Likely consequences"), WRAP, 30), Column(tr("Measures taken"), WRAP, 30),
        Column(tr("CNIL deadline (72 h)"), DATETIME, 16), Column(tr("CNIL notification"), TEXT, 14),
        Column(tr("Reason for not notifying"), WRAP, 30), Column(tr("Notified on"), DATETIME, 16),
        Column(tr("CNIL reference"), TEXT, 16), Column(tr("People informed (art. 34)"), TEXT, 16),
        Column(tr("People informed on"), DATETIME, 16), Column(tr("ARS report required"), TEXT, 10),
        Column(tr("Reported to the ARS on"), DATETIME, 16), Column(tr("ARS report reference"), TEXT, 16),
        Column(tr("Declared by"), TEXT, 16), Column(tr("Linked actions"), TEXT, 12), Column(tr("Evidence"), TEXT, 20),
        Column(tr("State on export"), TEXT, 20),
    ])
    for i in data.incidents:
        state = countdown_text(i.cnil_deadline, data.now) if i.cnil_pending else \
            enum_label(CnilDecision, i.cnil_decision)
        table.append([
            i.id, i.title, _local(i.discovered_at), _local(i.started_at), i.description, yes_no(i.is_breach),
            i.data_concerned, i.people_count, i.records_count, i.consequences, i.measures,
            _local(i.cnil_deadline.isoformat()) if i.is_breach else None, enum_label(CnilDecision, i.cnil_decision),
            i.not_notified_reason, _local(i.notified_at), i.cnil_reference, enum_label(PeopleInformed, i.people_informed),
            _local(i.people_informed_at), yes_no(i.ars_required), _local(i.ars_reported_at), i.ars_reference,
            i.declared_by, ", ".join(str(a) for a in i.action_ids), _evidence(i), state if i.is_breach else "",
        ])
        done += 1
        tick(progress, cancelled, done, total)
    table.finish("Incidents", repeat_columns="A:B")

    table = TableSheet(book.create_sheet(names["trainings"]), [
        Column(tr("No."), INTEGER, 6), Column(tr("Date"), DATE, 12), Column(tr("Topic"), WRAP, 30),
        Column(tr("Trainer"), TEXT, 18), Column(tr("Duration (minutes)"), INTEGER, 10),
        Column(tr("Number of attendees"), INTEGER, 10), Column(tr("Attendees"), WRAP, 36),
        Column(tr("Certificates (evidence)"), TEXT, 22),
    ])
    attendees = TableSheet(book.create_sheet(names["attendees"]), [
        Column(tr("Session no."), INTEGER, 8), Column(tr("Date"), DATE, 12), Column(tr("Topic"), WRAP, 30),
        Column(tr("Attendee"), TEXT, 22), Column(tr("Has a profile"), TEXT, 10),
    ])
    for t in data.trainings:
        table.append([t.id, t.held_on, t.topic, t.trainer, t.duration_minutes, len(t.attendees),
                      ", ".join(a.name for a in t.attendees), _evidence(t)])
        for a in t.attendees:
            attendees.append([t.id, t.held_on, t.topic, a.name, yes_no(a.person_id is not None)])
        done += 1
        tick(progress, cancelled, done, total)
    table.finish("Formations")
    attendees.finish("Participants")

    table = TableSheet(book.create_sheet(names["charter"]), [
        Column(tr("Version"), TEXT, 12), Column(tr("Adopted on"), DATE, 12), Column(tr("Person"), TEXT, 22),
        Column(tr("Has a profile"), TEXT, 10), Column(tr("Acknowledged on"), DATE, 12), Column(tr("How"), TEXT, 14),
        Column(tr("Evidence no."), INTEGER, 10),
    ])
    for v in data.charter:
        if not v.acknowledgements:
            table.append([v.version, v.adopted_on, None, None, None, None, v.evidence_id])
        for a in v.acknowledgements:
            table.append([v.version, v.adopted_on, a.name, yes_no(a.person_id is not None), a.acknowledged_on,
                          tr("on paper") if a.how == "paper" else tr("in the application"), a.evidence_id])
    table.finish("Charte")
    return book
