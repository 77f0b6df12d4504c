"""Dates and money as a French (or English) reader expects them (29/11/2026, 1 234,56 €), and text
folded for searching."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Any

from clinicguard.model.errors import InvalidValue
from clinicguard.i18n import language, tr

NBSP = "\u202f"  # narrow no-break space, the French thousands separator


def format_date(value: str | date | None) -> str:
    if not value:
        return ""
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return d.strftime("%d/%m/%Y")


def local_time(ts: str) -> str:
    """A UTC timestamp as the clinic's wall clock shows it: 29/11/2026 16:18:59."""
    try:
        moment = datetime.fromisoformat(ts)
    except ValueError:
        return ts
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%d/%m/%Y %H:%M:%S")


def format_money(cents: int | None, *, symbol: bool = True) -> str:
    """Integer cents as text; never goes through a float."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(int(cents)), 100)
    grouped = f"{units:,}"
    if language() == "fr":
        text = f"{sign}{grouped.replace(',', NBSP)},{rest:02d}"
    else:
        text = f"{sign}{grouped}.{rest:02d}"
    return f"{text}{NBSP}€" if symbol else text


# The one range of dates accepted anywhere (dialogs, commands, imports, services): every date a
# clinic deals with fits, and every fiscal year around it (a July year starting in 2200 ends in
# 2201) stays inside what Python's dates hold, so no summary or export can fail on a typing slip
# such as 9999 or 0001.
MIN_YEAR = 1900
MAX_YEAR = 2200


def parse_date(value: Any) -> str:
    """Read a date typed or imported by a user (a date, ISO YYYY-MM-DD or DD/MM/YYYY) as ISO text;
    a date outside MIN_YEAR..MAX_YEAR is refused."""
    if hasattr(value, "date") and callable(value.date):  # a datetime from a spreadsheet
        value = value.date()
    if isinstance(value, date):
        return _in_range(value, value.isoformat())
    text = str(value).strip()
    try:
        if "-" in text:
            return _in_range(date.fromisoformat(text), text)
        parts = text.replace(".", "/").split("/")
        if len(parts) != 3 or len(parts[2]) != 4:
            raise ValueError(text)
        day, month, year = (int(p) for p in parts)
        return _in_range(date(year, month, day), text)
    except (ValueError, IndexError, OverflowError):
        raise InvalidValue(tr("Unreadable date {value!r}: use DD/MM/YYYY.", value=text)) from None


def _in_range(day: date, text: str) -> str:
    problem = date_problem(day)
    if problem:
        raise InvalidValue(problem[:1].upper() + problem[1:] + ".")
    return day.isoformat()


def date_problem(value: str | date | None) -> str | None:
    """Why this date (ISO text or a date) is not accepted, or None: the shared range rule."""
    if not value:
        return None
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return tr("unreadable date {value!r}", value=str(value))
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        return tr("the date {value} is outside the years {first} to {last}", value=day.isoformat(),
                  first=MIN_YEAR, last=MAX_YEAR)
    return None


# Characters refused in any text a user types or imports: C0 and C1 control characters (NUL
# among them) other than tab and line breaks, lone surrogates (undecodable bytes on a command
# line), and the non-characters U+FFFE/U+FFFF. They are invisible, cut texts short in other
# programs, or cannot even be stored.
_BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def text_problem(value: str | None) -> str | None:
    """Why this text is not accepted (a control character), or None: the shared text rule."""
    if not value:
        return None
    found = _BAD_TEXT.search(value)
    if found is None:
        return None
    return tr("it holds an invisible control character (U+{code:04X}) at position {position}",
              code=ord(found.group()), position=found.start() + 1)


def check_text(value: str | None, field: str) -> None:
    """Raise InvalidValue naming `field` (translated) when `value` breaks the text rule."""
    problem = text_problem(value)
    if problem:
        raise InvalidValue(tr("{field}: {problem}.", field=field, problem=problem))


_COMBINING_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str) -> str:
    """Lower case without accents, so 'echeance' finds 'Échéance'.

    Runs once per action when the plan is loaded: a regular expression over the combining marks
    is about ten times faster than testing each character's Unicode category in Python."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFD", folded))
