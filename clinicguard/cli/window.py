"""`clinicguard` with no command opens the window: answered here, before the commands and their
parser are loaded (every command area imports the clinic's services: some 40 ms that the window's
start does not need, issue 18). Only the window's own options are read here (`--lang fr|en`,
`--demo`, `--data-dir DIR`, each at most once); anything else (a command, `--help`, an
abbreviation, a repeated or malformed option) goes to the full parser, which answers as before.
tests/test_cheap_imports.py checks that both ways read the same options."""

from __future__ import annotations

from pathlib import Path

from clinicguard.cli.running import run_command
from clinicguard.core.keys import configure_frozen_keyring
from clinicguard.core.logs import configure_logging
from clinicguard.i18n import set_language

_LANGUAGES = ("fr", "en")


def window_options(argv: list[str]) -> dict | None:
    """The window's options in `argv` ({"lang", "demo", "data_dir"}), or None when the full parser
    must read them."""
    options: dict = {}
    words = list(argv)
    while words:
        word = words.pop(0)
        name, equals, value = word.partition("=")
        if name == "--demo" and not equals and "demo" not in options:
            options["demo"] = True
            continue
        if name not in ("--lang", "--data-dir"):
            return None
        key = name[2:].replace("-", "_")
        if not equals:
            if not words or words[0].startswith("-"):
                return None
            value = words.pop(0)
        if key in options or (key == "lang" and value not in _LANGUAGES):
            return None
        options[key] = value
    return {"lang": options.get("lang"), "demo": options.get("demo", False), "data_dir": options.get("data_dir")}


def open_window(data_dir: str | None, demo: bool) -> int:
    from clinicguard.ui.app import run_gui  # lazy: the commands never load Qt

    return run_gui(data_dir=Path(data_dir) if data_dir else None, demo=demo)


def quick_main(argv: list[str]) -> int | None:
    """Open the window when `argv` holds only its options; None to leave `argv` to the full parser."""
    options = window_options(argv)
    if options is None:
        return None
    if options["lang"]:
        set_language(options["lang"])
    configure_frozen_keyring()
    log_file = configure_logging()
    return run_command(None, lambda: open_window(options["data_dir"], options["demo"]), log_file)
