"""`clinicguard status`: where the clinic stands, as text or as JSON for a script.

`python -m clinicguard status [--json] [--data-dir DIR]` is answered here before the parser and
the other commands are loaded (clinicguard/__main__.py): the clinic is read through a plain
connection (core.status.StatusReader), without sqlite-utils, the keyring or the services of a
Workspace (issue 18). Any other arguments, and a clinic that must be opened the full way first (to
migrate it, to clean up after an interrupted export, or to say what is wrong), go to the parser
(cli/commands.py), whose `status` prints through `print_status` too."""

from __future__ import annotations

from types import SimpleNamespace

from clinicguard.cli.running import EXIT_OK, data_dir_of, print_json, run_command
from clinicguard.core.logs import configure_logging
from clinicguard.core.scoring import score_formula
from clinicguard.core.status import StatusReader
from clinicguard.i18n import tr, trn
from clinicguard.model.catalogue import Structure
from clinicguard.model.checklist import Status
from clinicguard.model.evidence import EXPIRY_WARNING_DAYS


def print_status(status: dict, as_json: bool) -> None:
    if as_json:
        print_json(status)
        return
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


def simple_arguments(argv: list[str]) -> SimpleNamespace | None:
    """The arguments of `status` when they are only `--json` and `--data-dir DIR` (or
    `--data-dir=DIR`), read as the parser reads them; None for anything else (help, another
    option, an abbreviation, a missing value), which the parser answers."""
    if argv[:1] != ["status"]:
        return None
    args = SimpleNamespace(command="status", json=False, data_dir=None)
    rest = argv[1:]
    i = 0
    while i < len(rest):
        word = rest[i]
        if word == "--json":
            args.json = True
        elif word.startswith("--data-dir="):
            args.data_dir = word.partition("=")[2]
        elif word == "--data-dir" and i + 1 < len(rest) and not rest[i + 1].startswith("-"):
            args.data_dir = rest[i + 1]
            i += 1
        else:
            return None
        i += 1
    return args


def quick_main(argv: list[str]) -> int | None:
    """Answer `status` from the short way in; None when the parser must answer instead (see the
    module's docstring). Logs and fails as `cli.commands.main` does."""
    args = simple_arguments(argv)
    if args is None:
        return None
    reader = StatusReader.open(data_dir_of(args))
    if reader is None:
        return None

    def show() -> int:
        try:
            status = reader.status()
        finally:
            reader.close()
        print_status(status, args.json)
        return EXIT_OK

    return run_command("status", show, configure_logging(brief=True))
