"""Dates and money as a French (or English) reader expects them: 29/11/2026, 1 234,56 €."""

from __future__ import annotations

from datetime import date

from clinicguard.i18n import language

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
