"""The registers from the command line: `clinicguard register list/show/add/update/export ...`."""

from __future__ import annotations

import argparse
from dataclasses import fields
from typing import Any

from clinicguard.cli.common import (
    EXIT_OK,
    UsageError,
    acting,
    open_workspace,
    print_json,
)
from clinicguard.cli.parsing import date_value
from clinicguard.core import exports
from clinicguard.core.formatting import format_date
from clinicguard.core.registers import (
    countdown_text,
    display_value,
    field_labels,
    format_moment,
)
from clinicguard.i18n import tr, trn
from clinicguard.model.people import Actor
from clinicguard.model.registers import (
    CnilDecision,
    DpiaNeed,
    HealthException,
    LegalBasis,
    PeopleInformed,
    RegisterKind,
)

KINDS = [k.value for k in RegisterKind]


def _kind(text: str) -> RegisterKind:
    try:
        return RegisterKind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("Unknown register {value!r}: use one of {allowed}.", value=text,
                                            allowed=", ".join(KINDS))) from None


def _flag(text: str) -> bool:
    word = text.strip().casefold()
    if word in ("yes", "oui", "y", "o", "1", "true", "vrai"):
        return True
    if word in ("no", "non", "n", "0", "false", "faux"):
        return False
    raise argparse.ArgumentTypeError(tr("Answer yes or no (oui or non), not {value!r}.", value=text))


def _choices(enum: Any) -> str:
    return ", ".join(f"{e.value} ({e.label})" for e in enum)


def _options() -> dict[RegisterKind, list[tuple[str, str, str, Any]]]:
    """Per register: (option, field, help, type). One table for `add` and `update`."""
    moment = tr("date and time, local: DD/MM/YYYY HH:MM or YYYY-MM-DD HH:MM")
    return {
        RegisterKind.PROCESSING: [
            ("--name", "name", tr("the name of the processing activity"), str),
            ("--purpose", "purpose", tr("what the data are used for"), str),
            ("--legal-basis", "legal_basis", tr("the legal basis (art. 6): {values}", values=_choices(LegalBasis)), str),
            ("--health-exception", "health_exception",
             tr("the art. 9(2) exception for health data: {values}", values=_choices(HealthException)), str),
            ("--persons", "persons", tr("the categories of people concerned"), str),
            ("--data", "data_categories", tr("the categories of data"), str),
            ("--sensitive-data", "sensitive_data", tr("the sensitive data (health...)"), str),
            ("--recipients", "recipients", tr("who receives the data"), str),
            ("--transfers", "transfers", tr("transfers outside the EU (empty: none)"), str),
            ("--retention", "retention", tr("how long the data are kept"), str),
            ("--security", "security_measures", tr("the security measures"), str),
            ("--items", "item_ids", tr("the checklist recommendations the measures rely on (comma-separated ids)"), str),
            ("--processors", "processors", tr("the processors used"), str),
            ("--dpia", "dpia", tr("whether a DPIA is required: {values}", values=_choices(DpiaNeed)), str),
            ("--controller", "controller", tr("the controller (default: the clinic's manager)"), str),
            ("--dpo", "dpo", tr("the data protection officer, if any"), str),
        ],
        RegisterKind.PROCESSOR: [
            ("--name", "name", tr("the provider's name"), str),
            ("--service", "service", tr("the service it provides"), str),
            ("--data", "data_concerned", tr("the data it handles"), str),
            ("--contract-date", "contract_date", tr("the date of the contract (DD/MM/YYYY)"), date_value),
            ("--contract-end", "contract_end", tr("the end of the contract (DD/MM/YYYY)"), date_value),
            ("--clauses", "clauses", tr("the art. 28(3) clauses the contract contains: letters a to h, comma-separated"), str),
            ("--sub-processors", "sub_processors", tr("its sub-processors"), str),
            ("--hosts-health-data", "hosts_health_data", tr("whether it hosts health data (yes or no)"), _flag),
            ("--hds-number", "hds_number", tr("the HDS certificate number"), str),
            ("--hds-certifier", "hds_certifier", tr("the body that certified it"), str),
            ("--hds-scope", "hds_scope", tr("the scope of the HDS certificate"), str),
            ("--hds-expiry", "hds_expiry", tr("the HDS certificate's expiry date (DD/MM/YYYY)"), date_value),
            ("--next-review", "next_review", tr("the date of the next review (DD/MM/YYYY)"), date_value),
            ("--notes", "notes", tr("notes"), str),
        ],
        RegisterKind.INCIDENT: [
            ("--title", "title", tr("a short title for the incident"), str),
            ("--discovered", "discovered_at", tr("when the clinic became aware of it ({format})", format=moment), str),
            ("--started", "started_at", tr("when it started, if known ({format})", format=moment), str),
            ("--description", "description", tr("what happened"), str),
            ("--breach", "is_breach", tr("whether personal data were affected (yes or no; default yes)"), _flag),
            ("--data", "data_concerned", tr("the data concerned"), str),
            ("--people", "people_count", tr("the approximate number of people concerned"), str),
            ("--records", "records_count", tr("the approximate number of records concerned"), str),
            ("--consequences", "consequences", tr("the likely consequences for the people"), str),
            ("--measures", "measures", tr("the measures taken or planned"), str),
            ("--cnil", "cnil_decision", tr("the decision on notifying the CNIL: {values}", values=_choices(CnilDecision)), str),
            ("--reason", "not_notified_reason", tr("why the CNIL is not notified"), str),
            ("--notified", "notified_at", tr("when the CNIL was notified ({format})", format=moment), str),
            ("--cnil-reference", "cnil_reference", tr("the reference the CNIL gave"), str),
            ("--informed", "people_informed",
             tr("whether the people were informed (art. 34): {values}", values=_choices(PeopleInformed)), str),
            ("--informed-on", "people_informed_at", tr("when the people were informed ({format})", format=moment), str),
            ("--ars-required", "ars_required", tr("whether the incident must be reported to the ARS (yes or no)"), _flag),
            ("--ars-reported", "ars_reported_at", tr("when it was reported to the ARS ({format})", format=moment), str),
            ("--ars-reference", "ars_reference", tr("the reference of the ARS report"), str),
            ("--actions", "action_ids", tr("the plan's actions it led to (comma-separated numbers)"), str),
        ],
        RegisterKind.TRAINING: [
            ("--date", "held_on", tr("the date of the session (DD/MM/YYYY)"), date_value),
            ("--topic", "topic", tr("what the session was about"), str),
            ("--trainer", "trainer", tr("who gave it"), str),
            ("--duration", "duration_minutes", tr("its length in minutes"), str),
        ],
    }


def _values(args: argparse.Namespace, kind: RegisterKind) -> dict[str, Any]:
    return {dest: getattr(args, dest) for _opt, dest, _help, _type in _options()[kind]
            if getattr(args, dest, None) is not None}


def _training_people(args: argparse.Namespace) -> dict[str, Any]:
    found = {}
    if args.attendee is not None:
        found["attendees"] = args.attendee
    if args.without_profile is not None:
        found["others"] = args.without_profile
    return found


# ---- what a record looks like on screen
def _title(kind: RegisterKind, record: Any) -> str:
    if kind is RegisterKind.INCIDENT:
        return record.title
    if kind is RegisterKind.TRAINING:
        return f"{format_date(record.held_on)} {record.topic}"
    return record.name


def _state(kind: RegisterKind, record: Any, ws) -> str:
    now = ws.registers.now()
    if kind is RegisterKind.INCIDENT:
        if record.cnil_pending:
            return tr("CNIL deadline {when}: {left}", when=format_moment(record.cnil_deadline),
                      left=countdown_text(record.cnil_deadline, now))
        return CnilDecision(record.cnil_decision).label if record.is_breach else tr("IT incident, no personal data")
    if kind is RegisterKind.PROCESSOR:
        parts = []
        if record.missing_clauses:
            parts.append(tr("missing clauses: {letters}", letters=", ".join(record.missing_clauses)))
        if record.hosts_health_data and record.hds_expiry:
            parts.append(tr("HDS until {date}", date=format_date(record.hds_expiry)))
        return "; ".join(parts)
    if kind is RegisterKind.TRAINING:
        return trn("{n} attendee", "{n} attendees", len(record.attendees))
    return DpiaNeed(record.dpia).label


def _print_record(kind: RegisterKind, record: Any) -> None:
    labels = field_labels()
    print(tr("{register} — entry {id}: {title}", register=kind.label, id=record.id, title=_title(kind, record)))
    for f in fields(record):
        text = display_value(f.name, getattr(record, f.name))
        if f.name in ("id", "evidence") or not text:
            continue
        print("  " + tr("{field}: {value}", field=labels.get(f.name, f.name), value=text))
    for link in record.evidence:
        print("  " + tr("Evidence {id} ({role}): {title}", id=link.evidence_id, role=link.role, title=link.title))


# ---- commands
def cmd_register_list(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        kinds = [args.kind] if args.kind else list(RegisterKind)
        rows = {kind: [(r, _state(kind, r, ws)) for r in ws.registers.records(kind)] for kind in kinds}
    finally:
        ws.close()
    if args.json:
        print_json({kind.value: [dict(r.public(), state=state) for r, state in records]
                    for kind, records in rows.items()})
        return EXIT_OK
    for kind, records in rows.items():
        print(f"{kind.label} ({len(records)})")
        for record, state in records:
            print(f"  {record.id:>4}  {_title(kind, record)}" + (f"  — {state}" if state else ""))
        if not records:
            print("  " + tr("Empty."))
    return EXIT_OK


def cmd_register_show(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        record = ws.registers.get(args.kind, args.id)
        state = _state(args.kind, record, ws)
    finally:
        ws.close()
    if args.json:
        print_json(dict(record.public(), state=state))
        return EXIT_OK
    _print_record(args.kind, record)
    if state:
        print("  " + tr("State: {state}", state=state))
    return EXIT_OK


def cmd_register_add(args: argparse.Namespace) -> int:
    kind: RegisterKind = args.kind
    values = _values(args, kind)
    ws = open_workspace(args)
    try:
        actor: Actor = acting(ws, args)
        if kind is RegisterKind.PROCESSING and args.template:
            record = ws.registers.add_from_template(actor, args.template, **values)
        elif kind is RegisterKind.PROCESSING:
            record = ws.registers.add_processing(actor, **values)
        elif kind is RegisterKind.PROCESSOR:
            record = ws.registers.add_processor(actor, **values)
        elif kind is RegisterKind.INCIDENT:
            if "discovered_at" not in values:
                raise UsageError(tr("Give the moment of discovery with --discovered."))
            record = ws.registers.add_incident(actor, **values)
        else:
            if "held_on" not in values or "topic" not in values:
                raise UsageError(tr("Give the session's --date and --topic."))
            people = _training_people(args)
            record = ws.registers.add_training(actor, held_on=values.pop("held_on"), topic=values.pop("topic"),
                                               attendees=people.get("attendees", ()), others=people.get("others", ()),
                                               **values)
        state = _state(kind, record, ws)
    finally:
        ws.close()
    print(tr("{register}: entry {id} added ({title}).", register=kind.label, id=record.id, title=_title(kind, record)))
    if state:
        print("  " + state)
    return EXIT_OK


def cmd_register_update(args: argparse.Namespace) -> int:
    kind: RegisterKind = args.kind
    values = _values(args, kind)
    if kind is RegisterKind.TRAINING:
        values.update(_training_people(args))
    if not values:
        raise UsageError(tr("Nothing to change: give at least one option."))
    ws = open_workspace(args)
    try:
        record = ws.registers.update(acting(ws, args), kind, args.id, **values)
        state = _state(kind, record, ws)
    finally:
        ws.close()
    print(tr("{register}: entry {id} saved.", register=kind.label, id=record.id))
    if state:
        print("  " + state)
    return EXIT_OK


def cmd_register_delete(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        ws.registers.delete(acting(ws, args), args.kind, args.id)
    finally:
        ws.close()
    print(tr("{register}: entry {id} deleted (the journal keeps what it held).", register=args.kind.label, id=args.id))
    return EXIT_OK


def cmd_register_link(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        ws.registers.link_evidence(acting(ws, args), args.kind, args.id, args.evidence, args.role)
    finally:
        ws.close()
    print(tr("Evidence {evidence} cited by entry {id} of the {register}.", evidence=args.evidence, id=args.id,
             register=args.kind.label.lower()))
    return EXIT_OK


def cmd_register_templates(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        found = ws.registers.templates()
    finally:
        ws.close()
    if args.json:
        print_json([dict(t.fields(), id=t.id, item_ids=list(t.item_ids)) for t in found])
        return EXIT_OK
    for t in found:
        print(f"{t.id:<20} {t.name}")
        print(f"{'':<20} {t.reference}")
    return EXIT_OK


def cmd_register_notification(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        incident = ws.registers.get(RegisterKind.INCIDENT, args.id)
        sections = ws.registers.notification_sections(incident)
        deadline = tr("CNIL deadline {when}: {left}", when=format_moment(incident.cnil_deadline),
                      left=countdown_text(incident.cnil_deadline, ws.registers.now()))
    finally:
        ws.close()
    print(tr("What to type in the CNIL's online notification (check the form itself, it may differ):"))
    print(deadline)
    for heading, text in sections:
        print(heading)
        print("  " + text.replace("\n", "\n  "))
    return EXIT_OK


def cmd_register_summary(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        s = ws.registers.summary()
        now = ws.registers.now()
    finally:
        ws.close()
    if args.json:
        print_json({"processing": s.processing, "processors": s.processors, "incidents": s.incidents,
                    "trainings": s.trainings, "open_incidents": [i.id for i in s.open_incidents],
                    "overdue_incidents": [i.id for i in s.overdue_incidents],
                    "expiring": [{"processor": e.processor, "what": e.what, "on": e.on} for e in s.expiring],
                    "incomplete_contracts": [p.id for p in s.incomplete_contracts], "untrained": list(s.untrained),
                    "training_months": s.training_months, "charter_version": s.charter_version, "without_charter": list(s.without_charter)})
        return EXIT_OK
    for kind in RegisterKind:
        print(f"{kind.label}: {s.count(kind)}")
    for incident in s.open_incidents:
        print(tr("Incident {id} ({title}): CNIL deadline {when}, {left}", id=incident.id, title=incident.title,
                 when=format_moment(incident.cnil_deadline), left=countdown_text(incident.cnil_deadline, now)))
    for e in s.expiring:
        print(tr("{what} of {name} ends on {date}", what=e.label, name=e.processor, date=format_date(e.on)))
    if s.untrained:
        print(tr("Without training in the last {months} months: {names}", months=s.training_months,
                 names=", ".join(s.untrained)))
    if s.without_charter:
        print(tr("Without the current IT charter ({version}): {names}", version=s.charter_version,
                 names=", ".join(s.without_charter)))
    return EXIT_OK


def cmd_charter_add(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        version = ws.registers.add_charter_version(acting(ws, args), version=args.version, adopted_on=args.adopted,
                                                   notes=args.notes or "", evidence_id=args.evidence)
    finally:
        ws.close()
    print(tr("IT charter: version {version} of {date} is the current one.", version=version.version,
             date=format_date(version.adopted_on)))
    return EXIT_OK


def cmd_charter_acknowledge(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        ack = ws.registers.acknowledge_charter(acting(ws, args), person=args.person,
                                               without_profile=args.without_profile, version=args.version,
                                               on=args.on, paper=args.paper, evidence_id=args.evidence)
    finally:
        ws.close()
    print(tr("{name} acknowledged the IT charter on {date}.", name=ack.name, date=format_date(ack.acknowledged_on)))
    return EXIT_OK


def cmd_charter_list(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        versions = ws.registers.charter_versions()
        missing = ws.registers.summary().without_charter
    finally:
        ws.close()
    if args.json:
        print_json([dict(v.public(), acknowledgements=[a.public() for a in v.acknowledgements]) for v in versions])
        return EXIT_OK
    for v in versions:
        print(tr("Version {version} of {date}", version=v.version, date=format_date(v.adopted_on)))
        for a in v.acknowledgements:
            how = tr("on paper") if a.how == "paper" else tr("in the application")
            print(f"  {format_date(a.acknowledged_on)}  {a.name} ({how})")
    if not versions:
        print(tr("No version of the IT charter yet."))
    elif missing:
        print(tr("Without the current version: {names}", names=", ".join(missing)))
    return EXIT_OK


def cmd_training_period(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        months = ws.registers.set_training_months(acting(ws, args), args.months) if args.months is not None \
            else ws.registers.training_months()
    finally:
        ws.close()
    print(tr("A training session counts for {months} months on the dashboard.", months=months))
    return EXIT_OK


def cmd_register_export(args: argparse.Namespace) -> int:
    out = exports.check_out_path(args.out)
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        exports.run_export(ws, actor, exports.prepare_registers(ws, actor), out)
    finally:
        ws.close()
    print(tr("Workbook written to {file}.", file=out))
    return EXIT_OK


def register(sub, common, actor) -> None:
    p = sub.add_parser("register", help=tr("the registers: processing, processors, incidents, training"))
    reg = p.add_subparsers(dest="register_command", metavar="COMMAND", required=True)
    kinds_help = tr("the register: {values}", values=", ".join(KINDS))

    p = reg.add_parser("list", parents=[common], help=tr("list the entries of the registers"))
    p.add_argument("kind", nargs="?", type=_kind, metavar="REGISTER", help=kinds_help + " " + tr("(default: all)"))
    p.add_argument("--json", action="store_true", help=tr("print JSON for a script"))
    p.set_defaults(func=cmd_register_list)

    p = reg.add_parser("show", parents=[common], help=tr("show one entry"))
    p.add_argument("kind", type=_kind, metavar="REGISTER", help=kinds_help)
    p.add_argument("id", type=int, metavar="ID", help=tr("the entry's number"))
    p.add_argument("--json", action="store_true", help=tr("print JSON for a script"))
    p.set_defaults(func=cmd_register_show)

    options = _options()
    for command, func, help_text in (("add", cmd_register_add, tr("add an entry to a register")),
                                     ("update", cmd_register_update, tr("change an entry of a register"))):
        p = reg.add_parser(command, help=help_text)
        per_kind = p.add_subparsers(dest="kind_name", metavar="REGISTER", required=True, help=kinds_help)
        for kind in RegisterKind:
            q = per_kind.add_parser(kind.value, parents=[common, actor], help=kind.label)
            if command == "update":
                q.add_argument("id", type=int, metavar="ID", help=tr("the entry's number"))
            if command == "add" and kind is RegisterKind.PROCESSING:
                q.add_argument("--template", metavar="TEMPLATE",
                               help=tr("start from a template (see 'clinicguard register templates')"))
            for option, dest, help_, type_ in options[kind]:
                q.add_argument(option, dest=dest, type=type_, metavar="VALUE", help=help_)
            if kind is RegisterKind.TRAINING:
                q.add_argument("--attendee", action="append", metavar="NAME",
                               help=tr("an attendee with a profile (repeat for each)"))
                q.add_argument("--without-profile", action="append", metavar="NAME",
                               help=tr("an attendee of the clinic without a profile (repeat for each)"))
            q.set_defaults(func=func, kind=kind)

    p = reg.add_parser("delete", parents=[common, actor],
                       help=tr("delete an entry (never an incident; the journal keeps what it held)"))
    p.add_argument("kind", type=_kind, metavar="REGISTER", help=kinds_help)
    p.add_argument("id", type=int, metavar="ID", help=tr("the entry's number"))
    p.set_defaults(func=cmd_register_delete)

    p = reg.add_parser("link", parents=[common, actor], help=tr("cite a file of the evidence vault in an entry"))
    p.add_argument("kind", type=_kind, metavar="REGISTER", help=kinds_help)
    p.add_argument("id", type=int, metavar="ID", help=tr("the entry's number"))
    p.add_argument("--evidence", type=int, required=True, metavar="N", help=tr("the evidence's number in the vault"))
    p.add_argument("--role", default="evidence", choices=["evidence", "dpia", "contract", "hds", "certificate"],
                   help=tr("what the file is: evidence, dpia, contract, hds (certificate) or certificate (training)"))
    p.set_defaults(func=cmd_register_link)

    p = reg.add_parser("templates", parents=[common], help=tr("the processing templates for this structure"))
    p.add_argument("--json", action="store_true", help=tr("print JSON for a script"))
    p.set_defaults(func=cmd_register_templates)

    p = reg.add_parser("notification", parents=[common],
                       help=tr("what to type in the CNIL's online breach notification"))
    p.add_argument("id", type=int, metavar="ID", help=tr("the incident's number"))
    p.set_defaults(func=cmd_register_notification)

    p = reg.add_parser("summary", parents=[common], help=tr("counts, deadlines and expiring contracts"))
    p.add_argument("--json", action="store_true", help=tr("print JSON for a script"))
    p.set_defaults(func=cmd_register_summary)

    p = reg.add_parser("charter", help=tr("the IT charter: its versions and who acknowledged them"))
    charter = p.add_subparsers(dest="charter_command", metavar="COMMAND", required=True)
    p = charter.add_parser("list", parents=[common], help=tr("the versions and their acknowledgements"))
    p.add_argument("--json", action="store_true", help=tr("print JSON for a script"))
    p.set_defaults(func=cmd_charter_list)
    p = charter.add_parser("add", parents=[common, actor], help=tr("record a new version of the charter"))
    p.add_argument("--version", required=True, metavar="NAME", help=tr("the version's name (e.g. 2026-1)"))
    p.add_argument("--adopted", required=True, type=date_value, metavar="DATE",
                   help=tr("the date it was adopted (DD/MM/YYYY)"))
    p.add_argument("--notes", metavar="TEXT", help=tr("what changed"))
    p.add_argument("--evidence", type=int, metavar="N", help=tr("the charter's text in the evidence vault"))
    p.set_defaults(func=cmd_charter_add)
    p = charter.add_parser("acknowledge", parents=[common, actor],
                           help=tr("record that someone read the charter (default: you, the current version, today)"))
    who = p.add_mutually_exclusive_group()
    who.add_argument("--person", metavar="NAME", help=tr("a profile (a manager records others' acknowledgements)"))
    who.add_argument("--without-profile", metavar="NAME", help=tr("someone of the clinic without a profile"))
    p.add_argument("--version", metavar="NAME", help=tr("the version (default: the current one)"))
    p.add_argument("--on", type=date_value, metavar="DATE", help=tr("the date (default: today)"))
    p.add_argument("--paper", action="store_true", help=tr("acknowledged on paper (cite the scan with --evidence)"))
    p.add_argument("--evidence", type=int, metavar="N", help=tr("the signed page in the evidence vault"))
    p.set_defaults(func=cmd_charter_acknowledge)

    p = reg.add_parser("training-period", parents=[common, actor],
                       help=tr("how many months a training session counts for on the dashboard"))
    p.add_argument("months", nargs="?", type=int, metavar="MONTHS", help=tr("the new period, 1 to 60 (default: show it)"))
    p.set_defaults(func=cmd_training_period)

    p = reg.add_parser("export", parents=[common, actor], help=tr("write the registers to an Excel workbook"))
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help=tr("the workbook to write"))
    p.set_defaults(func=cmd_register_export)
