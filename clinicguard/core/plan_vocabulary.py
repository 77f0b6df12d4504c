"""The words a spreadsheet or a command may use for an action's status, priority and category,
in French or English, whatever the interface language."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from clinicguard.core.formatting import fold
from clinicguard.i18n import tr
from clinicguard.model.errors import InvalidValue
from clinicguard.model.plan import ActionStatus


# Words that make a budget category obvious from a suggested action's title (French and English),
# matched at the start of a word; the first group that matches wins, so "Souscrire une protection
# antivirus" is a subscription and "Passer les postes Windows Famille en Windows Pro" is software.
_CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("subscriptions", ("souscri", "abonnement", "subscri", "hébergeur", "hosting", "host")),
    ("training", ("formation", "former", "training", "train", "session", "hameçonnage", "phishing", "mooc")),
    ("services", ("consultant", "juriste", "lawyer", "faire", "accompagner", "audit", "have")),
    ("software", ("logiciel", "software", "vpn", "windows", "antivirus", "outil", "tool", "passerelle",
                  "gateway", "authentification", "authentication")),
    ("hardware", ("disque", "disk", "clé usb", "clés usb", "usb", "onduleur", "ups", "lecteur", "reader",
                  "armoire", "cabinet", "écran", "screen", "filtre", "filter", "poste", "workstation",
                  "computer", "raid", "nas")),
)


def guess_category(titles: Iterable[str]) -> str:
    """The budget category a suggested action obviously belongs to, else "other"."""
    text = " ".join(titles).casefold()
    for category, words in _CATEGORY_WORDS:
        if any(re.search(r"\b" + re.escape(word), text) for word in words):
            return category
    return "other"


# Words a spreadsheet may hold for each status, in both languages, whatever the interface language.
_STATUS_WORDS = {
    ActionStatus.TODO: ("todo", "to do", "à faire", "a faire", "to-do"),
    ActionStatus.IN_PROGRESS: ("in-progress", "in progress", "en cours"),
    ActionStatus.ON_HOLD: ("on-hold", "on hold", "en attente", "suspendue"),
    ActionStatus.DONE: ("done", "terminée", "terminé", "fait", "faite"),
    ActionStatus.DROPPED: ("dropped", "abandonnée", "abandonné"),
}


_STATUS_BY_WORD = {fold(word): status.value for status, words in _STATUS_WORDS.items() for word in words}


def status_value(value: Any) -> str:
    """An action status from its code ('in-progress') or its label in either language ('En cours')."""
    found = _STATUS_BY_WORD.get(fold(str(value).strip()))
    if found is None:
        raise InvalidValue(tr("Unknown action status {value!r}: use one of {allowed}.", value=str(value),
                              allowed=", ".join(s.label for s in ActionStatus)))
    return found


def priority_value(value: Any) -> int:
    text = str(value).strip().upper()
    if text.startswith("P"):
        text = text[1:]
    if text.endswith(".0"):
        text = text[:-2]
    if text in ("1", "2", "3", "4"):
        return int(text)
    raise InvalidValue(tr("Unknown priority {value!r}: use P1, P2, P3 or P4.", value=str(value)))
