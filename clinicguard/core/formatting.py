"""Dates and money as a French (or English) reader expects them (29/11/2026, 1 234,56 €), and text
folded for searching."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from clinicguard.model.errors import InvalidValue
from clinicguard.i18n import language, tr

NBSP = "\u202f"  # narrow no-break space, the French thousands separator


def format_date(value: str | date | None) -> str:
    if not value:
        return ""
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return d.strftime("%d/%m/%Y")


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


def parse_date(value: Any) -> str:
    """Read a date typed or imported by a user (a date, ISO YYYY-MM-DD or DD/MM/YYYY) as ISO text."""
    if hasattr(value, "date") and callable(value.date):  # a datetime from a spreadsheet
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    try:
        if "-" in text:
            return date.fromisoformat(text).isoformat()
        parts = text.replace(".", "/").split("/")
        if len(parts) != 3 or len(parts[2]) != 4:
            raise ValueError(text)
        day, month, year = (int(p) for p in parts)
        return date(year, month, day).isoformat()
    except (ValueError, IndexError):
        raise InvalidValue(tr("Unreadable date {value!r}: use DD/MM/YYYY.", value=text)) from None


_COMBINING_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str) -> str:
    """Lower case without accents, so 'echeance' finds 'Échéance'.

    Runs once per action when the plan is loaded: a regular expression over the combining marks
    is about ten times faster than testing each character's Unicode category in Python."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFD", folded))
