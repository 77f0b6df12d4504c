"""The headless commands, on top of the core. Never imports Qt (the GUI is loaded on demand).

The parser and `main` are in cli/commands.py and load, with every command area, when first used
(PEP 562): `python -m clinicguard status` reads the clinic through cli/status.py without them
(issue 18). Errors the user can act on print one clear line and exit with status 1; no traceback."""

from __future__ import annotations

from clinicguard.core.lazy import lazy_package

_NAMES = {"commands": ("COMMAND_AREAS", "build_parser", "environment_problem_text", "main",
                       "translate_argparse_message")}
_AREAS = ("accounting", "audit", "backup", "checklist", "clinic", "common", "evidence", "exports", "parsing", "people",
          "plan", "registers", "report", "running", "signoff", "status")
__all__, __getattr__, __dir__ = lazy_package(__name__, _NAMES, submodules=_AREAS)
