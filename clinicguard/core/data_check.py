"""The journal protects the data, not only itself: replay what the journal records about each
answer, action, budget line and evidence file, and compare it with the row in the database.

The hash chain proves that no entry was edited; this proves that no ROW was edited behind the
journal's back (a status changed by hand, an amount rewritten, a row inserted or deleted, a blob
replaced together with its hash in the evidence table). Only fields the journal recorded are
compared, so a column added by a later migration is not reported until a change records it.
`evidence verify` then checks each blob's content against the hash the row carries: together,
a replaced blob is caught whatever was rewritten with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from clinicguard.i18n import tr
from clinicguard.model.audit import AuditEntry

_GONE = object()


@dataclass(frozen=True)
class DataMismatch:
    object_type: str
    object_id: str
    field: str | None  # None: the whole row (missing, or not in the journal)
    in_database: Any
    in_journal: Any
    entry: int | None  # the entry that recorded the expected state

    @property
    def message(self) -> str:
        what = tr("{what} {id}", what=_label(self.object_type), id=self.object_id)
        if self.field is None and self.in_journal is _GONE:
            return tr("{what} is in the database but the journal records it as deleted (entry {entry})",
                      what=what, entry=self.entry)
        if self.field is None and self.in_database is _GONE:
            return tr("{what} is missing from the database although the journal records it (entry {entry})",
                      what=what, entry=self.entry)
        if self.field is None:
            return tr("{what} is in the database but no journal entry created it", what=what)
        return tr("{what}: {field} is {actual!r} in the database, {expected!r} in the journal (entry {entry})",
                  what=what, field=self.field, actual=self.in_database, expected=self.in_journal, entry=self.entry)


def _label(object_type: str) -> str:
    return {"recommendation": tr("the answer to"), "action": tr("the action"), "budget-line": tr("the budget line"),
            "evidence": tr("the evidence file")}.get(object_type, object_type)


def expected_state(entries: Iterable[AuditEntry]) -> dict[tuple[str, str], tuple[Any, int]]:
    """{(object type, id): (the fields the journal last recorded, or _GONE; that entry's id)}."""
    state: dict[tuple[str, str], tuple[Any, int]] = {}

    def merge(key, fields, entry_id):
        current = state.get(key, (None, entry_id))[0]
        base = dict(current) if isinstance(current, dict) else {}
        base.update(fields)
        state[key] = (base, entry_id)

    for e in entries:
        kind, key = e.kind, (e.object_type, str(e.object_id))
        if kind in ("assessment.update", "action.create", "action.update", "budget-line.create",
                    "budget-line.update", "evidence.add") and isinstance(e.after, dict):
            state[key] = (dict(e.after), e.id)
        elif kind == "evidence.update" and isinstance(e.after, dict):
            merge(key, e.after, e.id)
        elif kind in ("action.delete", "budget-line.delete", "evidence.delete"):
            state[key] = (_GONE, e.id)
            if kind == "action.delete" and isinstance(e.before, dict):
                for line in e.before.get("budget_lines") or ():
                    state[("budget-line", str(line.get("id")))] = (_GONE, e.id)
        elif kind == "budget-line.redate" and isinstance(e.after, dict):
            for line_id, changes in (e.after.get("lines") or {}).items():
                merge(("budget-line", str(line_id)), changes, e.id)
    return state


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):  # links: a set, in no given order
        return sorted(map(str, a)) == sorted(map(str, b))
    return a == b


def compare(expected: Mapping[tuple[str, str], tuple[Any, int]],
            current: Mapping[tuple[str, str], dict]) -> list[DataMismatch]:
    """Every difference between the rows and what the journal recorded, in a stable order."""
    problems = []
    for key in sorted(set(expected) | set(current)):
        fields, entry = expected.get(key, (None, None))
        row = current.get(key)
        if row is None:
            if fields is not None and fields is not _GONE:
                problems.append(DataMismatch(*key, None, _GONE, fields, entry))
            continue
        if fields is None:
            problems.append(DataMismatch(*key, None, row, None, None))
            continue
        if fields is _GONE:
            problems.append(DataMismatch(*key, None, row, _GONE, entry))
            continue
        for name, value in fields.items():
            if name in row and not _same(row[name], value):
                problems.append(DataMismatch(*key, name, row[name], value, entry))
    return problems


def current_state(assessments: Mapping[str, Any], actions: Iterable[Any], lines: Iterable[Any],
                  evidence: Iterable[Any]) -> dict[tuple[str, str], dict]:
    """The rows as the journal records them (each model's `public()`), keyed like `expected_state`.

    An answer never changed (no `updated_at`) is the catalogue's default, not a journaled row."""
    state: dict[tuple[str, str], dict] = {}
    for item_id, answer in assessments.items():
        if getattr(answer, "updated_at", None):
            state[("recommendation", str(item_id))] = answer.public()
    for action in actions:
        state[("action", str(action.id))] = action.public()
    for line in lines:
        state[("budget-line", str(line.id))] = line.public()
    for ev in evidence:
        state[("evidence", str(ev.id))] = ev.public()
    return state
