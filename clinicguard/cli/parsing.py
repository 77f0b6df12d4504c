"""argparse in the user's language: its texts are translated through ArgumentParser's public methods only."""

from __future__ import annotations

import argparse
import difflib
import itertools
import re
import sys
from datetime import datetime

from clinicguard.i18n import tr
from clinicguard.model.errors import InvalidValue
from clinicguard.core.formatting import MAX_YEAR, MIN_YEAR, parse_date


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
        if template == "invalid %(type)s value: %(value)r":  # say what is expected, not the Python type
            if values["type"] == "int":
                return tr("{value} is not a whole number.", value=values["value"])
            return tr("{value} is not a valid value.", value=values["value"])
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
        # the option names, for a "did you mean" on a mistyped one (argparse keeps its own list private)
        self.option_names = [name for parent in kwargs.get("parents", ()) for name in getattr(parent, "option_names", ())]
        if add_help:  # argparse's own -h would carry its English help text
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help=tr("show this help message and exit"))

    def format_usage(self) -> str:
        return _translate_help(super().format_usage())

    def format_help(self) -> str:
        return _translate_help(super().format_help())

    def add_argument(self, *names, **kwargs):
        self.option_names = [*getattr(self, "option_names", []), *(n for n in names if n.startswith("--"))]
        return super().add_argument(*names, **kwargs)

    def all_option_names(self) -> set[str]:
        """This parser's option names and its subcommands' (argparse reports an unknown one at the top)."""
        names = set(getattr(self, "option_names", ()))
        commands = getattr(self, "commands", None)
        for parser in (commands.choices.values() if commands is not None else ()):
            names |= parser.all_option_names() if isinstance(parser, ArgumentParser) else set()
        return names

    def parse_known_args(self, args=None, namespace=None):
        self.arguments = list(sys.argv[1:] if args is None else args)  # to tell an option's value from a command
        return super().parse_known_args(args, namespace)

    def add_subparsers(self, **kwargs):
        self.commands = super().add_subparsers(**kwargs)
        return self.commands

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, tr("%(prog)s: error: %(message)s\n") % {"prog": self.prog,
                                                             "message": self._command_message(message)
                                                             or translate_argparse_message(message)})

    def _command_message(self, message: str) -> str | None:
        """A missing or mistyped subcommand, said plainly with the commands to choose from."""
        unknown = re.fullmatch(r"unrecognized arguments: (\S+).*", message, re.DOTALL)
        if unknown:
            word = unknown.group(1).split("=")[0]
            close = difflib.get_close_matches(word, self.all_option_names(), n=1, cutoff=0.75)
            if close:
                return translate_argparse_message(message) + tr(" Did you mean {value}?", value=close[0])
        commands = getattr(self, "commands", None)
        if commands is None or not commands.choices:
            return None
        names = list(commands.choices)
        listed = ", ".join(names)
        invalid = re.fullmatch(rf"argument {re.escape(str(commands.metavar))}: invalid choice: '(.*)' \(choose from .*\)", message, re.DOTALL)
        if invalid:
            value = invalid.group(1)
            arguments = getattr(self, "arguments", [])
            after_option = value in arguments and arguments.index(value) > 0 and \
                arguments[arguments.index(value) - 1].startswith("-")
            if after_option or "/" in value or "\\" in value:
                return tr("a command is missing after {prog}: choose one of {commands}.", prog=self.prog,
                          commands=listed)
            close = difflib.get_close_matches(value, names, n=1, cutoff=0.6)
            hint = tr(" Did you mean {value}?", value=close[0]) if close else ""
            return tr("{value!r} is not a command of {prog}: choose one of {commands}.", value=value,
                      prog=self.prog, commands=listed) + hint
        if message.startswith(f"the following arguments are required: {commands.metavar}"):
            return tr("a command is missing after {prog}: choose one of {commands}.", prog=self.prog, commands=listed)
        return None


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


# ---- values checked as the arguments are read (a bad one exits with status 2, before anything runs) ----
def date_value(text: str) -> str:
    """A date option (YYYY-MM-DD or DD/MM/YYYY, an ISO timestamp too), as ISO text; anything else is refused."""
    if "T" in text:
        try:
            return datetime.fromisoformat(text).isoformat()
        except ValueError:
            pass
    try:
        return parse_date(text)
    except InvalidValue as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def year_value(text: str) -> int:
    """A fiscal year written in full (2026)."""
    if not text.strip().isdigit() or not MIN_YEAR <= int(text) <= MAX_YEAR:
        raise argparse.ArgumentTypeError(tr("{value!r} is not a year: write it in full, e.g. 2026.", value=text))
    return int(text)
