"""`python -m clinicguard` and the frozen application's entry point.

`clinicguard --version` answers here, before the commands and their parser are loaded: a script
checking the installed version should not pay for the start-up of every command (issue 18).
tests/test_cheap_imports.py checks that it prints what the parser's own --version prints.
`clinicguard status [--json] [--data-dir DIR]`, the command scripts poll, is answered by
cli/status.py before the parser is loaded too, when the clinic can be read as it is; `clinicguard`
alone (the window, with its own options only) by cli/window.py."""

import sys

from clinicguard import __version__


def run() -> int:
    argv = sys.argv[1:]
    if argv == ["--version"]:
        print(f"ClinicGuard {__version__}")  # the same line as the parser's --version
        return 0
    if not argv or argv[0].startswith("--"):  # the window, unless a command follows the options
        from clinicguard.cli.window import quick_main as window_main

        code = window_main(argv)
        if code is not None:
            return code
    if argv[:1] == ["status"]:
        from clinicguard.cli.status import quick_main

        code = quick_main(argv)
        if code is not None:
            return code
    from clinicguard.cli import main

    return main()


if __name__ == "__main__":
    raise SystemExit(run())
