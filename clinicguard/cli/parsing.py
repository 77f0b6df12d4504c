"""argparse in the user's language: its texts are translated through ArgumentParser's public methods only."""

from __future__ import annotations

import argparse
import itertools
import re
import sys

from clinicguard.i18n import tr


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
