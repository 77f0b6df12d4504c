"""How the backup screens write a size and a backup's time (the menu's messages, the dashboard
card and the Backups dialog say them the same way)."""

from __future__ import annotations

from datetime import datetime

from clinicguard.core.formatting import format_date
from clinicguard.i18n import language, tr


def size_text(n: int) -> str:
    for unit, scale in ((tr("GB"), 1 << 30), (tr("MB"), 1 << 20), (tr("KB"), 1 << 10)):
        if n >= scale:
            number = f"{n / scale:.1f}"
            return f"{number.replace('.', ',') if language() == 'fr' else number}\u00a0{unit}"
    return tr("{n} bytes", n=n)


def local_time(stamp: str) -> str:
    """A UTC ISO time as the PC's local date and time ("03/12/2026 à 08:29")."""
    when = datetime.fromisoformat(stamp).astimezone()
    return tr("{date} at {time}", date=format_date(when.date()), time=when.strftime("%H:%M"))
