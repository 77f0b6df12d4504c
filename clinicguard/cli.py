"""The headless commands, on top of the core. Never imports Qt (the GUI is loaded on demand).

Errors the user can act on print one clear line and exit with status 1; no traceback.
"""

from __future__ import annotations

import argparse
import getpass
import itertools
import json
import logging
import os
import re
import sys
from pathlib import Path

from clinicguard import __version__
from clinicguard.model.catalogue import Structure
from clinicguard.model.checklist import Status
from clinicguard.core.checklist import score_formula
from clinicguard.core.recovery_sheet import recovery_sheet
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.evidence import EXPIRY_WARNING_DAYS, Integrity
from clinicguard.model.people import Actor, Role
from clinicguard.core.status import signoff_object, status_object
from clinicguard.i18n import pick, set_language, tr, trn
from clinicguard.paths import default_data_dir
from clinicguard.core.workspace import Workspace
from clinicguard.core import exports, keys
from clinicguard.core.demo import DEMO_MANAGER, DEMO_MANAGER_SECRET, DEMO_PEOPLE, create_demo
from clinicguard.core.plan_import import write_template
from clinicguard.core.formatting import format_date
from clinicguard.model.audit import Head
from clinicguard.core.catalogue import bundled_catalogue
from clinicguard.core.keys import PASSPHRASE_ENV, PassphraseRequired, configure_frozen_keyring
from clinicguard.core.fsutil import atomic_write_bytes
from clinicguard.core.logs import configure_logging
from clinicguard.core.exports import export_catalogue, export_journal, prepare_actions, prepare_budget, prepare_checklist

log = logging.getLogger(__name__)
SECRET_ENV = "CLINICGUARD_PROFILE_SECRET"

# ---- argparse in the user's language -------------------------------------------------------------
# argparse writes its own texts (the usage line, section titles, error messages) in English. They are
# translated here through ArgumentParser's public methods only: the formatted help is rewritten, and
# an error message is matched against argparse's English templates, then rebuilt from the French one.
ARGPARSE_MESSAGES = ("usage: ", "positional arguments", "options", "show this help message and exit",
                     "%(prog)s: error: %(message)s\n")
ARGPARSE_ERRORS = (  # the messages argparse passes to error(), as its source writes them
    "the following arguments are required: %s", "invalid choice: %(value)r (choose from %(choices)s)",
    "unrecognized arguments: %s", "invalid %(type)s value: %(value)r", "argument %(argument_name)s: %(message)s",
    "ambiguous option: %(option)s could match %(matches)s", "one of the arguments %s is required",
    "not allowed with argument %s", "expected one argument", "expected at least one argument",
    "expected at most one argument", "ignored explicit argument %r",
)
_PERCENT_FIELD = re.compile(r"%(?:\((\w+)\))?[sr]")


def _template_pattern(template: str) -> re.Pattern:
    """A regular expression matching what argparse prints for `template`: one group per %-field,
    named as the field, or arg0, arg1... for the unnamed ones."""
    parts, last, unnamed = [], 0, itertools.count()
    for field in _PERCENT_FIELD.finditer(template):
        parts.append(re.escape(template[last:field.start()]))
        parts.append(f"(?P<{field.group(1) or f'arg{next(unnamed)}'}>.+?)")
        last = field.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts), re.DOTALL)


_ERROR_PATTERNS = [(template, _template_pattern(template)) for template in ARGPARSE_ERRORS]


def translate_argparse_message(message: str) -> str:
    """argparse's English error `message`, in the current language (unchanged if it is not argparse's)."""
    for template, pattern in _ERROR_PATTERNS:
        match = pattern.fullmatch(message)
        if match is None:
            continue
        values = match.groupdict()
        if "message" in values:  # "argument --x: <the argument's own error>"
            values["message"] = translate_argparse_message(values["message"])
        unnamed = itertools.count()
        # the values are put back as argparse printed them (a %r value already carries its quotes)
        return _PERCENT_FIELD.sub(lambda field: values[field.group(1) or f"arg{next(unnamed)}"], tr(template))
    return message


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser speaking the user's language; its subcommands' parsers are of this class too."""

    def __init__(self, *args, add_help: bool = True, **kwargs):
        super().__init__(*args, add_help=False, **kwargs)
        if add_help:  # argparse's own -h would carry its English help text
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help=tr("show this help message and exit"))

    def format_usage(self) -> str:
        return _translate_help(super().format_usage())

    def format_help(self) -> str:
        return _translate_help(super().format_help())

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, tr("%(prog)s: error: %(message)s\n") % {"prog": self.prog,
                                                             "message": translate_argparse_message(message)})


def _translate_help(text: str) -> str:
    lines = text.split("\n")
    if lines[0].startswith("usage: "):
        prefix = tr("usage: ")
        lines[0] = prefix + lines[0][len("usage: "):]
        shift = " " * max(0, len(prefix) - len("usage: "))
        for i in range(1, len(lines)):  # the usage's wrapped lines stay aligned under its first
            if not lines[i].startswith(" "):
                break
            lines[i] = shift + lines[i]
    headings = {f"{title}:": f"{tr(title)}:" for title in ("positional arguments", "options")}
    return "\n".join(headings.get(line, line) for line in lines)


class UsageError(ClinicGuardError):
    pass


# ---- shared helpers -------------------------------------------------------------------------
def data_dir_of(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir()


def read_secret(prompt: str) -> str:
    secret = os.environ.get(SECRET_ENV)
    if secret:
        return secret
    if sys.stdin is None or not sys.stdin.isatty():
        raise UsageError(tr("No secret given: set {env} or run the command in a terminal.", env=SECRET_ENV))
    return getpass.getpass(prompt)


def open_workspace(args: argparse.Namespace):
    return Workspace.open(data_dir_of(args))


def acting(ws, args: argparse.Namespace) -> Actor:
    """Sign in as the profile named by --as (default: the clinic's manager)."""
    name = getattr(args, "as_name", None) or ws.people.default_manager().name
    actor = ws.people.sign_in(name, read_secret(tr("Password or PIN for {name}: ", name=name)))
    changes = ws.catalogue_versions.upgrade()
    if changes is not None:
        print(catalogue_changes_text(changes), file=sys.stderr)
    return actor


def catalogue_changes_text(changes) -> str:
    return tr("The catalogue moved from version {old} to {new}: {added} to assess, "
              "{removed} (their answers are kept, read-only), {changed}.",
              old=changes.from_version, new=changes.to_version,
              added=trn("{n} new recommendation", "{n} new recommendations", len(changes.added)),
              removed=trn("{n} withdrawn", "{n} withdrawn", len(changes.removed)),
              changed=trn("{n} reworded", "{n} reworded", len(changes.changed)))


def print_json(value) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, sort_keys=False)
    sys.stdout.write("\n")


# ---- commands -------------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> int:
    data_dir = data_dir_of(args)
    manager = args.manager or tr("Manager")
    secret = read_secret(tr("Choose a password or PIN for {name}: ", name=manager))

    passphrase = None
    if not keys.secure_keyring_available():
        passphrase = os.environ.get(keys.PASSPHRASE_ENV)
        if not passphrase and sys.stdin is not None and sys.stdin.isatty():
            passphrase = getpass.getpass(tr("Choose a passphrase to protect the clinic key: "))
    ws, recovery = Workspace.create(
        data_dir, clinic_name=args.clinic_name, structure=args.structure, manager_name=manager,
        manager_secret=secret, fiscal_year_start_month=args.fiscal_year_start, passphrase=passphrase,
    )
    sheet = recovery_sheet(ws, recovery)
    if args.recovery_sheet:
        atomic_write_bytes(Path(args.recovery_sheet), sheet.encode("utf-8"))
        print(tr("Clinic created in {folder}. Recovery sheet written to {file}: print it and keep it safe.",
                 folder=data_dir, file=args.recovery_sheet))
    else:
        print(tr("Clinic created in {folder}.", folder=data_dir))
        print(sheet)
    ws.close()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    data_dir = data_dir_of(args)
    ws, _, _ = create_demo(data_dir)
    ws.close()
    print(tr("Demo clinic created in {folder}. Sign in as {name} with the password {secret}.",
             folder=data_dir, name=DEMO_MANAGER, secret=DEMO_MANAGER_SECRET))
    print(tr("Other profiles and their PINs: {others}.",
             others=", ".join(f"{name} ({pin})" for name, _role, pin in DEMO_PEOPLE)))
    return 0


def cmd_checklist_set(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        changes = {"status": args.status}
        if args.comment is not None:
            changes["comment"] = args.comment
        if args.responsible is not None:
            changes["responsible"] = args.responsible
        if args.next_review is not None:
            changes["next_review"] = args.next_review
        ws.checklist.set_assessment(actor, args.item_id, **changes)
        print(tr("{id}: {status}", id=args.item_id, status=Status(args.status).label))
    finally:
        ws.close()
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        status = status_object(ws)
    finally:
        ws.close()
    if args.json:
        print_json(status)
        return 0
    print(f"{status['clinic']['name']} — {Structure(status['clinic']['structure']).label}")
    overall = status["overall"]["score"]
    print(tr("Overall score: {score}", score="—" if overall is None else f"{overall:.0f} %"))
    for domain in status["domains"].values():
        score = domain["score"]
        print("  " + tr("{title}: {score}", title=domain["title"], score="—" if score is None else f"{score:.0f} %"))
    for key, count in status["overall"]["counts"].items():
        print("  " + tr("{title}: {score}", title=Status(key).label, score=count))
    print(tr("Reviews due within 30 days: {n}", n=len(status["reviews_due_30_days"])))
    print(tr("Actions: {n} ({overdue} overdue, {soon} due within 30 days)", n=status["actions"],
             overdue=status["overdue_actions"], soon=status["actions_due_30_days"]))
    print(tr("Evidence files: {n} ({expiring} expiring within {days} days, {expired})",
             n=status["evidence_files"], days=EXPIRY_WARNING_DAYS,
             expiring=len(status[f"evidence_expiring_{EXPIRY_WARNING_DAYS}_days"]),
             expired=trn("{n} expired", "{n} expired", len(status["evidence_expired"]))))
    print(score_formula())
    return 0


def cmd_import_actions(args: argparse.Namespace) -> int:
    if args.template:
        if args.file:
            raise UsageError(tr("Give either a file to import or --template, not both."))
        if Path(args.template).suffix.lower() != ".xlsx":
            raise UsageError(tr("The template is an Excel workbook: give a file name ending in .xlsx."))
        write_template(Path(args.template))
        print(tr("Import template written to {file}.", file=args.template))
        return 0
    if not args.file:
        raise UsageError(tr("Give the file to import, or --template FILE.xlsx to write the template."))
    ws = open_workspace(args)
    try:
        # Check the whole file before signing in, so a refused file leaves the database untouched.
        preview = ws.plan_import.preview(Path(args.file))
        if not preview.ok:
            raise preview.refusal()
        actor = acting(ws, args)
        result = ws.plan_import.apply(actor, preview)
    finally:
        ws.close()
    print(tr("{actions} and {lines} imported from {file}.", actions=trn("{n} action", "{n} actions", result.actions),
             lines=trn("{n} budget line", "{n} budget lines", result.lines), file=Path(args.file).name))
    return 0


def open_vault(args: argparse.Namespace):
    """Open the workspace and its vault, run the vault's start-up check and say what it found."""
    ws = open_workspace(args)
    for line in ws.vault.check().messages():
        print(tr("Warning: {message}", message=line), file=sys.stderr)
    return ws


def cmd_evidence_add(args: argparse.Namespace) -> int:
    files = [Path(f) for f in args.files]
    for file in files:
        if not file.is_file():
            raise UsageError(tr("The file {file} does not exist.", file=file))
    ws = open_vault(args)
    try:
        actor = acting(ws, args)
        for file in files:
            ev = ws.vault.add(actor, file, title=args.title, description=args.description or "",
                              items=args.item or (), actions=args.action or (), valid_from=args.valid_from,
                              expires_on=args.expires)
            print(tr("Evidence {id} added: {name} ({size} bytes, SHA-256 {sha256}).",
                     id=ev.id, name=ev.original_name, size=ev.size, sha256=ev.sha256))
    finally:
        ws.close()
    return 0


def cmd_evidence_list(args: argparse.Namespace) -> int:
    ws = open_vault(args)
    try:
        files = ws.vault.store.all()
    finally:
        ws.close()
    if args.json:
        print_json([dict(ev.public(), expiry=ev.expiry_state().value) for ev in files])
        return 0
    if not files:
        print(tr("The evidence vault is empty."))
    for ev in files:
        expiry = tr(", expires {date}", date=format_date(ev.expires_on)) if ev.expires_on else ""
        links = ", ".join([*ev.items, *(tr("action {id}", id=a) for a in ev.actions)]) or "—"
        print(f"{ev.id:>5}  {ev.title} [{ev.original_name}, {tr('{n} bytes', n=ev.size)}{expiry}] — {links}")
    return 0


def cmd_evidence_export(args: argparse.Namespace) -> int:
    ws = open_vault(args)
    try:
        actor = acting(ws, args)
        dest = ws.vault.export(actor, args.evidence_id, Path(args.out))
    finally:
        ws.close()
    print(tr("Decrypted copy written to {file}.", file=dest))
    return 0


def cmd_evidence_verify(args: argparse.Namespace) -> int:
    ws = open_vault(args)
    try:
        report = ws.vault.verify()
    finally:
        ws.close()
    for item in report.files:
        if item.state is not Integrity.INTACT:
            print(tr("{state}: evidence {id} — {title} ({name})", state=item.state.label, id=item.evidence.id,
                     title=item.evidence.title, name=item.evidence.original_name))
    intact = len(report.with_state(Integrity.INTACT))
    print(trn("{intact} of {n} file intact.", "{intact} of {n} files intact.", len(report.files), intact=intact))
    return 0 if report.ok else 1


def cmd_evidence_delete(args: argparse.Namespace) -> int:
    ws = open_vault(args)
    try:
        actor = acting(ws, args)
        ws.vault.delete(actor, args.evidence_id, args.reason)
    finally:
        ws.close()
    print(tr("Evidence {id} deleted; the audit trail keeps its name, SHA-256 and the reason.", id=args.evidence_id))
    return 0


# ---- people, sign-off, audit (issue 7) ------------------------------------------------------------
NEW_SECRET_ENV = "CLINICGUARD_NEW_SECRET"


def read_new_secret(name: str) -> str:
    """A new password or PIN for `name`: from CLINICGUARD_NEW_SECRET, or asked twice at a prompt."""
    secret = os.environ.get(NEW_SECRET_ENV)
    if secret:
        return secret
    if sys.stdin is None or not sys.stdin.isatty():
        raise UsageError(tr("No new secret given: set {env} or run the command in a terminal.", env=NEW_SECRET_ENV))
    first = getpass.getpass(tr("New password or PIN for {name}: ", name=name))
    if getpass.getpass(tr("Type it again: ")) != first:
        raise UsageError(tr("The two entries differ."))
    return first


def cmd_people_list(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        people = ws.people.all()
    finally:
        ws.close()
    rows = [{"name": p.name, "role": p.role.value, "secret_kind": p.secret_kind, "active": p.active,
             "locked": p.locked, "failed_attempts": p.failed_attempts} for p in people]
    if args.json:
        print_json(rows)
        return 0
    for p in people:
        state = [tr("deactivated")] if not p.active else []
        state += [tr("locked")] if p.locked else []
        print(f"{p.name} — {p.role.label}" + (f" ({', '.join(state)})" if state else ""))
    return 0


def _people_change(args: argparse.Namespace, change) -> int:
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        person = change(ws, actor)
        print(tr("{name}: {role}{state}", name=person.name, role=person.role.label,
                 state="" if person.active else " — " + tr("deactivated")))
    finally:
        ws.close()
    return 0


def cmd_people_add(args: argparse.Namespace) -> int:
    secret = read_new_secret(args.name)
    return _people_change(args, lambda ws, actor: ws.people.add(actor, args.name, args.role, secret))


def cmd_people_set_role(args: argparse.Namespace) -> int:
    return _people_change(args, lambda ws, actor: ws.people.change_role(actor, args.name, args.role))


def cmd_people_deactivate(args: argparse.Namespace) -> int:
    return _people_change(args, lambda ws, actor: ws.people.deactivate(actor, args.name))


def cmd_people_reactivate(args: argparse.Namespace) -> int:
    return _people_change(args, lambda ws, actor: ws.people.reactivate(actor, args.name))


def cmd_people_unlock(args: argparse.Namespace) -> int:
    return _people_change(args, lambda ws, actor: ws.people.unlock(actor, args.name))


def cmd_people_reset_secret(args: argparse.Namespace) -> int:
    secret = read_new_secret(args.name)
    return _people_change(args, lambda ws, actor: ws.people.reset_secret(actor, args.name, secret))


def cmd_people_change_secret(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        name = args.as_name or ws.people.default_manager().name
        current = read_secret(tr("Password or PIN for {name}: ", name=name))
        actor = ws.people.sign_in(name, current)
        ws.people.change_own_secret(actor, current, read_new_secret(name))
        print(tr("The password or PIN of {name} has been changed.", name=actor.name))
    finally:
        ws.close()
    return 0


def cmd_people_auto_lock(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        if args.minutes is not None:
            ws.people.set_auto_lock_minutes(acting(ws, args), args.minutes)
        print(tr("Automatic lock after {n} minutes without activity.", n=ws.people.auto_lock_minutes()))
    finally:
        ws.close()
    return 0


def cmd_signoff_confirm(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        for signed in ws.signoffs.confirm_many(actor, args.item_ids, args.comment or ""):
            print(tr("{id}: confirmed by {name}.", id=signed.item_id, name=actor.name))
    finally:
        ws.close()
    return 0


def cmd_signoff_request(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        made = ws.signoffs.request(acting(ws, args), args.item_ids, args.note or "")
        names = ", ".join(p.name for p in ws.people.active_practitioners()) or tr("nobody yet")
        print(trn("{n} recommendation to confirm, asked of: {names}.", "{n} recommendations to confirm, asked of: {names}.",
                  len(made), names=names))
    finally:
        ws.close()
    return 0


def cmd_signoff_pending(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        pending = ws.signoffs.pending(acting(ws, args))
        rows = [{"item_id": r.item_id,
                 "title": pick(ws.catalogue.get(r.item_id).title) if r.item_id in ws.catalogue else "",
                 "requested_at": r.requested_at, "requested_by": r.requested_by_name, "note": r.note}
                for r in pending]
    finally:
        ws.close()
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(f"{row['item_id']}  {row['title']}")
            asked = {"name": row["requested_by"] or "—", "date": format_date(row["requested_at"][:10])}
            print("  " + (tr("Asked by {name} on {date}: “{note}”", note=row["note"], **asked) if row["note"]
                          else tr("Asked by {name} on {date}", **asked)))
        if not rows:
            print(tr("Nothing to confirm."))
    return 0


def cmd_signoff_status(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        for item_id in args.item_ids or []:
            if item_id not in ws.catalogue:
                raise UsageError(tr("Unknown recommendation {id!r}.", id=item_id))
        result = signoff_object(ws, args.item_ids or None)
    finally:
        ws.close()
    if args.json:
        print_json(result)
        return 0
    for item_id, s in result.items():
        print(item_id)
        print("  " + tr("Confirmed: {names}", names=", ".join(c["person"] for c in s["confirmed"]) or "—"))
        print("  " + tr("Not confirmed: {names}", names=", ".join(s["missing"]) or "—"))
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    expected = Head.parse(args.expect_head) if args.expect_head else None
    ws = open_workspace(args)
    try:
        result = ws.audit.verify(expected)
    finally:
        ws.close()
    if args.json:
        print_json({"ok": result.ok, "entries": result.count, "head": f"{result.count}:{result.head}",
                    "bad_entry": result.bad_entry, "kind": result.kind, "problem": result.problem,
                    "head_checked": result.head_checked})
    elif result.ok:
        print(result.message)
    else:
        print(result.message, file=sys.stderr)
    return 0 if result.ok else 1


def cmd_audit_export(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        n = export_journal(ws, actor, Path(args.out), person=args.person, since=args.since, until=args.until,
                           kind=args.kind, object_type=args.object_type, object_id=args.object_id)
        print(tr("{n} audit entries written to {file}.", n=n, file=args.out))
    finally:
        ws.close()
    return 0


# ---- Excel exports (issue 5) -------------------------------------------------------------------------
def _export_with(args: argparse.Namespace, prepare) -> int:
    out = exports.check_out_path(args.out)
    ws = open_workspace(args)
    try:
        actor = acting(ws, args)
        exports.run_export(ws, actor, prepare(ws, actor), out)
    finally:
        ws.close()
    print(tr("Workbook written to {file}.", file=out))
    return 0


def cmd_export_budget(args: argparse.Namespace) -> int:
    return _export_with(args, lambda ws, actor: prepare_budget(ws, actor, args.year))


def cmd_export_checklist(args: argparse.Namespace) -> int:
    return _export_with(args, prepare_checklist)


def cmd_export_actions(args: argparse.Namespace) -> int:
    return _export_with(args, prepare_actions)


def cmd_catalogue_export(args: argparse.Namespace) -> int:
    out = export_catalogue(bundled_catalogue(), Path(args.out))
    print(tr("Workbook written to {file}.", file=out))
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    from clinicguard.ui.app import run_gui  # lazy: the commands never load Qt

    return run_gui(data_dir=Path(args.data_dir) if args.data_dir else None, demo=args.demo)


# ---- parser ---------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    common = ArgumentParser(add_help=False)
    common.add_argument("--data-dir", metavar="DIR", help=tr("the clinic's data folder (default: the per-user application-data folder)"))
    actor = ArgumentParser(add_help=False)
    actor.add_argument("--as", dest="as_name", metavar="NAME",
                       help=tr("act as this profile (secret from {env} or a prompt)", env=SECRET_ENV))

    parser = ArgumentParser(prog="clinicguard", description=tr("ClinicGuard: health-data compliance for clinics."))
    parser.add_argument("--version", action="version", version=f"ClinicGuard {__version__}",
                        help=tr("show the version number and exit"))
    parser.add_argument("--lang", choices=["fr", "en"], help=tr("language of the interface"))
    parser.add_argument("--demo", action="store_true", help=tr("open the application on a demo clinic"))
    parser.add_argument("--data-dir", metavar="DIR", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", parents=[common], help=tr("set up a new clinic"))
    p.add_argument("--clinic-name", required=True)
    p.add_argument("--structure", required=True, choices=[s.value for s in Structure])
    p.add_argument("--manager", metavar="NAME", help=tr("the manager's name (first profile)"))
    p.add_argument("--fiscal-year-start", type=int, default=1, metavar="MONTH")
    p.add_argument("--recovery-sheet", metavar="FILE", help=tr("write the recovery sheet to FILE instead of printing it"))
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", parents=[common], help=tr("create the demo clinic"))
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("checklist", help=tr("answer the checklist"))
    checklist_sub = p.add_subparsers(dest="checklist_command", metavar="COMMAND", required=True)
    p = checklist_sub.add_parser("set", parents=[common, actor], help=tr("set a recommendation's status"))
    p.add_argument("item_id", metavar="ITEM_ID")
    p.add_argument("status", choices=[s.value for s in Status], metavar="STATUS",
                   help=", ".join(s.value for s in Status))
    p.add_argument("--comment")
    p.add_argument("--responsible")
    p.add_argument("--next-review", metavar="DATE")
    p.set_defaults(func=cmd_checklist_set)

    p = sub.add_parser("status", parents=[common], help=tr("print where the clinic stands"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("import", help=tr("import data kept elsewhere"))
    import_sub = p.add_subparsers(dest="import_command", metavar="WHAT", required=True)
    p = import_sub.add_parser("actions", parents=[common, actor],
                              help=tr("import an action plan with its budget from an .xlsx or .csv file"))
    p.add_argument("file", nargs="?", metavar="FILE", help=tr("the .xlsx or .csv file, one row per budget line"))
    p.add_argument("--template", metavar="FILE.xlsx", help=tr("write the import template to this file instead"))
    p.set_defaults(func=cmd_import_actions)

    p = sub.add_parser("evidence", help=tr("the evidence vault"))
    evidence_sub = p.add_subparsers(dest="evidence_command", metavar="COMMAND", required=True)
    p = evidence_sub.add_parser("add", parents=[common, actor], help=tr("encrypt files into the vault"))
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--item", action="append", metavar="ID", help=tr("a recommendation the file backs (repeatable)"))
    p.add_argument("--action", action="append", type=int, metavar="ID", help=tr("an action the file backs (repeatable)"))
    p.add_argument("--title", metavar="TEXT")
    p.add_argument("--description", metavar="TEXT")
    p.add_argument("--valid-from", metavar="DATE")
    p.add_argument("--expires", metavar="DATE", help=tr("the date the evidence expires (e.g. a training certificate)"))
    p.set_defaults(func=cmd_evidence_add)
    p = evidence_sub.add_parser("list", parents=[common], help=tr("list the evidence files"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_evidence_list)
    p = evidence_sub.add_parser("export", parents=[common, actor], help=tr("write a decrypted copy of a file"))
    p.add_argument("evidence_id", type=int, metavar="EVIDENCE_ID")
    p.add_argument("--out", required=True, metavar="PATH", help=tr("a folder, or the file to write"))
    p.set_defaults(func=cmd_evidence_export)
    p = evidence_sub.add_parser("verify", parents=[common], help=tr("decrypt every file and check it is intact"))
    p.set_defaults(func=cmd_evidence_verify)
    p = evidence_sub.add_parser("delete", parents=[common, actor], help=tr("delete a file (the reason is kept)"))
    p.add_argument("evidence_id", type=int, metavar="EVIDENCE_ID")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_evidence_delete)

    p = sub.add_parser("people", help=tr("profiles and roles"))
    people_sub = p.add_subparsers(dest="people_command", metavar="COMMAND", required=True)
    p = people_sub.add_parser("list", parents=[common], help=tr("list the profiles"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_people_list)
    p = people_sub.add_parser("add", parents=[common, actor],
                              help=tr("add a profile (its secret from {env} or a prompt)", env=NEW_SECRET_ENV))
    p.add_argument("name", metavar="NAME")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.set_defaults(func=cmd_people_add)
    p = people_sub.add_parser("set-role", parents=[common, actor], help=tr("change a profile's role"))
    p.add_argument("name", metavar="NAME")
    p.add_argument("role", choices=[r.value for r in Role], metavar="ROLE", help=", ".join(r.value for r in Role))
    p.set_defaults(func=cmd_people_set_role)
    for command, func, text in (("deactivate", cmd_people_deactivate, tr("deactivate a profile (its history is kept)")),
                                ("reactivate", cmd_people_reactivate, tr("reactivate a profile")),
                                ("unlock", cmd_people_unlock, tr("unlock a profile locked after wrong PINs")),
                                ("reset-secret", cmd_people_reset_secret,
                                 tr("set a new secret for a profile (from {env} or a prompt)", env=NEW_SECRET_ENV))):
        p = people_sub.add_parser(command, parents=[common, actor], help=text)
        p.add_argument("name", metavar="NAME")
        p.set_defaults(func=func)
    p = people_sub.add_parser("change-secret", parents=[common, actor],
                              help=tr("change your own secret (the new one from {env} or a prompt)", env=NEW_SECRET_ENV))
    p.set_defaults(func=cmd_people_change_secret)
    p = people_sub.add_parser("auto-lock", parents=[common, actor],
                              help=tr("show or set the minutes of inactivity before the application locks"))
    p.add_argument("minutes", type=int, nargs="?", metavar="MINUTES")
    p.set_defaults(func=cmd_people_auto_lock)

    p = sub.add_parser("signoff", help=tr("practitioners' sign-off of recommendations"))
    signoff_sub = p.add_subparsers(dest="signoff_command", metavar="COMMAND", required=True)
    p = signoff_sub.add_parser("confirm", parents=[common, actor],
                               help=tr("confirm recommendations are applied in your practice"))
    p.add_argument("item_ids", nargs="+", metavar="ITEM_ID")
    p.add_argument("--comment")
    p.set_defaults(func=cmd_signoff_confirm)
    p = signoff_sub.add_parser("request", parents=[common, actor], help=tr("ask every practitioner to confirm"))
    p.add_argument("item_ids", nargs="+", metavar="ITEM_ID")
    p.add_argument("--note")
    p.set_defaults(func=cmd_signoff_request)
    p = signoff_sub.add_parser("pending", parents=[common, actor], help=tr("what you have been asked to confirm"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_signoff_pending)
    p = signoff_sub.add_parser("status", parents=[common], help=tr("who has confirmed and who has not"))
    p.add_argument("item_ids", nargs="*", metavar="ITEM_ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_signoff_status)

    p = sub.add_parser("audit", help=tr("the audit trail (journal)"))
    audit_sub = p.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    p = audit_sub.add_parser("verify", parents=[common],
                             help=tr("check that no entry was edited, deleted, inserted or moved"))
    p.add_argument("--expect-head", metavar="COUNT:HASH",
                   help=tr("also check against a head kept elsewhere (printed in exports)"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_audit_verify)
    p = audit_sub.add_parser("export", parents=[common, actor], help=tr("write the audit trail to an Excel workbook"))
    p.add_argument("--out", required=True, metavar="FILE.xlsx")
    p.add_argument("--person", metavar="NAME")
    p.add_argument("--since", metavar="DATE")
    p.add_argument("--until", metavar="DATE")
    p.add_argument("--kind", metavar="KIND", help=tr("a kind (person.create) or a family (person)"))
    p.add_argument("--object-type", metavar="TYPE")
    p.add_argument("--object-id", metavar="ID")
    p.set_defaults(func=cmd_audit_export)

    p = sub.add_parser("export", help=tr("write Excel workbooks for the accountant, the DPO or an inspector"))
    export_sub = p.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    p = export_sub.add_parser("budget", parents=[common, actor], help=tr("the budget of a fiscal year"))
    p.add_argument("--year", type=int, metavar="YYYY",
                   help=tr("the fiscal year, named by the year it starts in (default: the current one)"))
    p.add_argument("--out", required=True, metavar="FILE.xlsx")
    p.set_defaults(func=cmd_export_budget)
    p = export_sub.add_parser("checklist", parents=[common, actor], help=tr("the checklist with the scores"))
    p.add_argument("--out", required=True, metavar="FILE.xlsx")
    p.set_defaults(func=cmd_export_checklist)
    p = export_sub.add_parser("actions", parents=[common, actor], help=tr("the action plan with its costs"))
    p.add_argument("--out", required=True, metavar="FILE.xlsx")
    p.set_defaults(func=cmd_export_actions)

    p = sub.add_parser("catalogue", help=tr("the recommendations catalogue"))
    catalogue_sub = p.add_subparsers(dest="catalogue_command", metavar="COMMAND", required=True)
    p = catalogue_sub.add_parser("export", help=tr("write the whole bundled catalogue to an Excel workbook"))
    p.add_argument("--out", required=True, metavar="FILE.xlsx")
    p.add_argument("--lang", choices=["fr", "en"], help=tr("language of the workbook"))
    p.set_defaults(func=cmd_catalogue_export)

    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--lang" in argv:
        i = argv.index("--lang")
        if i + 1 < len(argv) and argv[i + 1] in ("fr", "en"):
            set_language(argv[i + 1])
    parser = build_parser()
    args = parser.parse_args(argv)

    configure_frozen_keyring()
    log_file = configure_logging()
    try:
        if args.command is None:
            return cmd_gui(args)
        log.info("command %s", args.command)
        return args.func(args)
    except ClinicGuardError as exc:
        message = str(exc)
        if isinstance(exc, PassphraseRequired):  # the GUI asks; a script must say where it is
            message += " " + tr("Unattended commands read it from {env}.", env=PASSPHRASE_ENV)
        print(tr("Error: {message}", message=message), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`clinicguard status | head -1`): nothing to report.
        # Point stdout at devnull so that the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # a bug, not bad input: one line for the user, the traceback in the log
        log.exception("unexpected error in command %s", args.command)
        where = tr(" Details are in {file}.", file=log_file) if log_file else ""
        print(tr("Error: something went wrong ({kind}); nothing that was saved has been lost.{where}",
                 kind=type(exc).__name__, where=where), file=sys.stderr)
        return 1
