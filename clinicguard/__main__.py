"""`python -m clinicguard` and the frozen application's entry point.

`clinicguard --version` answers here, before the commands and their parser are loaded: a script
checking the installed version should not pay for the start-up of every command (issue 18).
tests/test_cheap_imports.py checks that it prints what the parser's own --version prints."""

import sys

from clinicguard import __version__


def run() -> int:
    if sys.argv[1:] == ["--version"]:
        print(f"ClinicGuard {__version__}")  # the same line as the parser's --version
        return 0
    from clinicguard.cli import main

    return main()


if __name__ == "__main__":
    raise SystemExit(run())
