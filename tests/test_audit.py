"""The audit trail: one entry per change with the right before and after; any single edit,
deletion, insertion or move among 1,000 entries is detected and the right entry named; the head
kept outside the database shows removal of the last entries."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3

import pytest

from clinicguard.core.audit import HEAD_FILE, AuditTrail, entry_hash
from clinicguard.model.audit import GENESIS, Head
from clinicguard.model.errors import PermissionDenied
from clinicguard.store.audit_store import AuditStore
from clinicguard.model.people import Actor, Role
from clinicguard.core.workspace import Workspace, database_path
from clinicguard.store.db import open_database
from tests.conftest import MANAGER

PRACTITIONER, PIN = "Dr Anne Dubois", "5931"


# ---- every kind of change leaves exactly one entry ------------------------------------------------
def _item(ws):
    return ws.catalogue.items[0].id


def _practitioner(ws, manager):
    if PRACTITIONER not in ws.people.names():
        ws.people.add(manager, PRACTITIONER, "practitioner", PIN)
    return ws.people.get(PRACTITIONER)


def _failing_sign_in(ws, manager):
    _practitioner(ws, manager)
    with pytest.raises(PermissionDenied):
        ws.people.sign_in(PRACTITIONER, "0000")


# Each case: (kind, setup(ws, manager), change(ws, manager), expected(ws) -> (object_type, object_id, before, after)).
# Other features add their kinds here.
CHANGES = [
    pytest.param("assessment.update", None,
                 lambda ws, m: ws.checklist.set_assessment(m, _item(ws), status="partial", comment="=1+1"),
                 lambda ws: ("recommendation", _item(ws), None,
                             {"status": "partial", "comment": "=1+1", "responsible": "",
                              "last_reviewed": ws.checklist.store.get(_item(ws)).last_reviewed, "next_review": None}),
                 id="checklist-first-answer"),
    pytest.param("assessment.update", lambda ws, m: ws.checklist.set_assessment(m, _item(ws), status="partial"),
                 lambda ws, m: ws.checklist.set_assessment(m, _item(ws), responsible="Sophie"),
                 lambda ws: ("recommendation", _item(ws),
                             dict(ws.checklist.store.get(_item(ws)).public(), responsible=""),
                             ws.checklist.store.get(_item(ws)).public()),
                 id="checklist-change"),
    pytest.param("clinic.update", None, lambda ws, m: ws.settings.update(m, name="Cabinet Neuf"),
                 lambda ws: ("clinic", ws.settings.clinic.uuid, {"name": "Cabinet Test"}, {"name": "Cabinet Neuf"}),
                 id="clinic-settings"),
    pytest.param("setting.update", None, lambda ws, m: ws.people.set_auto_lock_minutes(m, 15),
                 lambda ws: ("setting", "session.auto_lock_minutes", {"value": 10}, {"value": 15}),
                 id="auto-lock-setting"),
    pytest.param("person.create", None, lambda ws, m: _practitioner(ws, m),
                 lambda ws: ("person", str(ws.people.get(PRACTITIONER).id), None,
                             {"name": PRACTITIONER, "role": "practitioner", "secret_kind": "pin", "active": True,
                              "locked": False}),
                 id="person-create"),
    pytest.param("person.change-role", _practitioner, lambda ws, m: ws.people.change_role(m, PRACTITIONER, "accountant"),
                 lambda ws: ("person", str(ws.people.get(PRACTITIONER).id), {"role": "practitioner"},
                             {"role": "accountant"}),
                 id="person-role"),
    pytest.param("person.deactivate", _practitioner, lambda ws, m: ws.people.deactivate(m, PRACTITIONER),
                 lambda ws: ("person", str(ws.people.get(PRACTITIONER).id), {"active": True}, {"active": False}),
                 id="person-deactivate"),
    pytest.param("person.reset-secret", _practitioner,
                 lambda ws, m: ws.people.reset_secret(m, PRACTITIONER, "Nouveau-Secret-2026"),
                 lambda ws: ("person", str(ws.people.get(PRACTITIONER).id), {"secret_kind": "pin", "locked": False},
                             {"secret_kind": "password", "locked": False}),
                 id="person-reset-secret"),
    pytest.param("person.unlock", lambda ws, m: [_failing_sign_in(ws, m) for _ in range(3)],
                 lambda ws, m: ws.people.unlock(m, PRACTITIONER),
                 lambda ws: ("person", str(ws.people.get(PRACTITIONER).id), {"locked": True, "failed_attempts": 3},
                             {"locked": False, "failed_attempts": 0}),
                 id="person-unlock"),
    pytest.param("session.sign-in", None, lambda ws, m: ws.people.sign_in(MANAGER, "Secret-Manager-2026"),
                 lambda ws: ("person", "1", None, None), id="sign-in"),
    pytest.param("session.sign-out", None, lambda ws, m: ws.people.sign_out(m),
                 lambda ws: ("person", "1", None, None), id="sign-out"),
    pytest.param("session.sign-in-failed", _practitioner, _failing_sign_in,
                 lambda ws: ("person", str(ws.people.get(PRACTITIONER).id), {"failed_attempts": 0, "locked": False},
                             {"failed_attempts": 1, "locked": False, "locked_until": None}),
                 id="failed-sign-in"),
    pytest.param("signoff.request", None, lambda ws, m: ws.signoffs.request(m, [_item(ws)], "revue annuelle"),
                 lambda ws: ("recommendation", _item(ws), None,
                             ws.signoffs.store.request(_item(ws)).public()),
                 id="signoff-request"),
    pytest.param("signoff.confirm", _practitioner,
                 lambda ws, m: ws.signoffs.confirm(ws.people.get(PRACTITIONER).actor, _item(ws), "+fait"),
                 lambda ws: ("recommendation", _item(ws), None,
                             {"person": PRACTITIONER, "comment": "+fait",
                              "signed_at": ws.signoffs.for_item(_item(ws)).confirmed[0].signed_at}),
                 id="signoff-confirm"),
    pytest.param("signoff.withdraw",
                 lambda ws, m: ws.signoffs.confirm(_practitioner(ws, m).actor, _item(ws)),
                 lambda ws, m: ws.signoffs.withdraw(ws.people.get(PRACTITIONER).actor, _item(ws)),
                 lambda ws: ("recommendation", _item(ws),
                             {"person": PRACTITIONER, "comment": "",
                              "signed_at": ws.audit.search(kind="signoff.confirm")[0].after["signed_at"]}, None),
                 id="signoff-withdraw"),
]


@pytest.mark.parametrize("kind, setup, change, expected", CHANGES)
def test_each_change_leaves_exactly_one_entry_with_before_and_after(workspace, manager, kind, setup, change, expected):
    if setup:
        setup(workspace, manager)
    count = workspace.audit.head()[0]
    change(workspace, manager)
    new = workspace.audit.entries()[count:]
    assert [e.kind for e in new] == [kind]
    object_type, object_id, before, after = expected(workspace)
    assert (new[0].object_type, new[0].object_id, new[0].before, new[0].after) == (object_type, object_id, before, after)
    assert workspace.audit.verify().ok


def test_a_change_that_fails_leaves_no_entry(workspace, manager):
    count = workspace.audit.head()[0]
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        with workspace.uow.writing(manager, "edit-settings") as audit:
            audit.record("clinic.update", "clinic", "x", None, {"name": "half"})
            workspace.db["clinic"].update(1, {"fiscal_year_start_month": 13})  # refused by the CHECK
    assert workspace.audit.head()[0] == count


def test_the_trail_is_append_only_for_the_program(workspace):
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        workspace.db.execute("UPDATE audit_entry SET actor_name = 'x' WHERE id = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        workspace.db.execute("DELETE FROM audit_entry WHERE id = 1")


# ---- tampering with a 1,000-entry trail --------------------------------------------------------------
N = 1000
KEY = hashlib.sha256(b"test audit key").digest()


@pytest.fixture(scope="module")
def thousand(tmp_path_factory):
    """A database holding 1,000 entries, written in one transaction, and its saved head."""
    folder = tmp_path_factory.mktemp("trail")
    db = open_database(folder / "clinic.db")
    trail = AuditTrail(AuditStore(db), KEY, folder / HEAD_FILE)
    actors = [Actor(1, "Claire Martin", Role.MANAGER), Actor(2, "Dr Karim Benali", Role.PRACTITIONER)]
    with db.atomic():
        for i in range(N):
            trail.record(actors[i % 2], "assessment.update", "recommendation", f"ITEM-{i % 37:02d}",
                         {"status": "partial"}, {"status": "compliant", "comment": f"revue {i}"})
    assert trail.save_head()
    db.close()
    return folder


@pytest.fixture
def tampered(tmp_path, thousand):
    """A copy of the 1,000-entry trail, and a raw connection to it as someone editing the file would use."""
    shutil.copy(thousand / "clinic.db", tmp_path / "clinic.db")
    shutil.copy(thousand / HEAD_FILE, tmp_path / HEAD_FILE)
    raw = sqlite3.connect(tmp_path / "clinic.db", isolation_level=None)
    raw.execute("DROP TRIGGER audit_entry_no_update")  # anyone with a SQLite tool can do this
    raw.execute("DROP TRIGGER audit_entry_no_delete")

    def verify(expected_head=None, head_file=True):
        raw.close()
        db = open_database(tmp_path / "clinic.db", create=False)
        try:
            return AuditTrail(AuditStore(db), KEY, tmp_path / HEAD_FILE if head_file else None).verify(expected_head)
        finally:
            db.close()

    yield raw, verify
    raw.close()


def _shift(raw, from_id, by):
    """Renumber entries from_id.. by `by`, as someone covering their tracks would."""
    raw.execute("UPDATE audit_entry SET id = -(id + ?) WHERE id >= ?", [by, from_id])
    raw.execute("UPDATE audit_entry SET id = -id WHERE id < 0")


def _row(raw, entry_id):
    cur = raw.execute("SELECT * FROM audit_entry WHERE id = ?", [entry_id])
    return dict(zip([d[0] for d in cur.description], cur.fetchone()))


def edit_content(raw, n):
    raw.execute("UPDATE audit_entry SET after = ? WHERE id = ?", ['{"status":"non-compliant"}', n])


def edit_and_rehash(raw, n):
    row = _row(raw, n)
    row["actor_name"] = "Quelqu'un d'autre"
    row["hash"] = entry_hash(row)  # without the key the MAC cannot follow
    raw.execute("UPDATE audit_entry SET actor_name = ?, hash = ? WHERE id = ?", [row["actor_name"], row["hash"], n])


def edit_timestamp(raw, n):
    raw.execute("UPDATE audit_entry SET ts = '2020-01-01T00:00:00.000000+00:00' WHERE id = ?", [n])


def delete(raw, n):
    raw.execute("DELETE FROM audit_entry WHERE id = ?", [n])


def delete_and_renumber(raw, n):
    delete(raw, n)
    _shift(raw, n + 1, -1)


def insert(raw, n):
    """Insert a forged entry so that it becomes entry n, chained to entry n-1 like a real one."""
    prev = _row(raw, n - 1)["hash"] if n > 1 else GENESIS
    _shift(raw, n, 1)
    row = {"id": n, "ts": "2026-01-01T00:00:00.000000+00:00", "actor_id": 1, "actor_name": "Claire Martin",
           "kind": "evidence.delete", "object_type": "evidence", "object_id": "7", "before": None, "after": None,
           "prev_hash": prev}
    row["hash"] = entry_hash(row)
    row["mac"] = "0" * 64
    raw.execute(f"INSERT INTO audit_entry ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))


def copy_genuine(raw, n):
    """Insert a copy of a genuine entry (valid MAC) as entry n."""
    source = _row(raw, 1 if n > 1 else 2)
    _shift(raw, n, 1)
    source["id"] = n
    raw.execute(f"INSERT INTO audit_entry ({', '.join(source)}) VALUES ({', '.join('?' * len(source))})",
                list(source.values()))


def swap(raw, n):
    """Swap entry n with its neighbour (the one after, or before for the last)."""
    a, b = (n, n + 1) if n < N else (n - 1, n)
    raw.execute("UPDATE audit_entry SET id = -1 WHERE id = ?", [a])
    raw.execute("UPDATE audit_entry SET id = ? WHERE id = ?", [a, b])
    raw.execute("UPDATE audit_entry SET id = ? WHERE id = -1", [b])


def move_to_end(raw, n):
    raw.execute("UPDATE audit_entry SET id = ? WHERE id = ?", [N + 1, n])
    _shift(raw, n + 1, -1)


POSITIONS = [1, 2, 437, N - 1, N]
TAMPERING = [
    # (function, kind reported, which entry is named)
    (edit_content, "edited", lambda n: n),
    (edit_and_rehash, "edited", lambda n: n),
    (edit_timestamp, "edited", lambda n: n),
    (delete, "deleted", lambda n: n),
    (delete_and_renumber, "deleted", lambda n: n),
    (insert, "inserted", lambda n: n),
    (copy_genuine, "inserted", lambda n: n),
    (swap, "moved", lambda n: n if n < N else n - 1),
    (move_to_end, "moved", lambda n: n),
]


@pytest.mark.parametrize(
    "tamper, kind, named, position",
    [pytest.param(t, k, f, p, id=f"{t.__name__}-{p}") for t, k, f in TAMPERING for p in POSITIONS
     if not (t is move_to_end and p == N)],  # moving the last entry to the end changes nothing
)
def test_any_single_tampering_is_detected_and_the_entry_named(tampered, tamper, kind, named, position):
    raw, verify = tampered
    tamper(raw, position)
    result = verify()
    assert not result.ok
    assert (result.bad_entry, result.kind) == (named(position), kind), result.problem
    assert str(named(position)) in result.problem


def test_insertion_after_the_last_entry_is_detected(tampered):
    raw, verify = tampered
    insert(raw, N + 1)
    result = verify()
    assert (result.ok, result.bad_entry, result.kind) == (False, N + 1, "inserted")


def test_an_intact_trail_verifies(tampered):
    _raw, verify = tampered
    result = verify()
    assert result.ok and result.count == N and result.head_checked


@pytest.mark.parametrize("removed", [1, 3, N])
def test_removing_the_last_entries_is_caught_by_the_saved_head(tampered, removed):
    raw, verify = tampered
    raw.execute("DELETE FROM audit_entry WHERE id > ?", [N - removed])
    result = verify()
    assert (result.ok, result.bad_entry, result.kind) == (False, N - removed + 1, "deleted")


def test_without_the_saved_head_truncation_shows_only_against_an_exported_head(tampered, thousand):
    raw, verify = tampered
    exported = Head(N, _row(raw, N)["hash"])
    raw.execute("DELETE FROM audit_entry WHERE id > ?", [N - 2])
    # the documented limit: a trail checked without any saved head looks intact
    assert verify(head_file=False).ok
    result = verify(expected_head=exported, head_file=False)
    assert (result.ok, result.bad_entry) == (False, N - 1)


def test_a_forged_head_file_is_refused(tampered, tmp_path):
    raw, verify = tampered
    raw.execute("DELETE FROM audit_entry WHERE id > ?", [N - 2])
    data = json.loads((tmp_path / HEAD_FILE).read_text())
    data.update(count=N - 2, hash=_row(raw, N - 2)["hash"])
    (tmp_path / HEAD_FILE).write_text(json.dumps(data))
    result = verify()
    assert (result.ok, result.kind) == (False, "head-altered")


def test_replacing_the_end_of_the_trail_is_caught(tampered):
    raw, verify = tampered
    row = _row(raw, N)
    raw.execute("DELETE FROM audit_entry WHERE id = ?", [N])
    row["after"] = '{"status":"compliant","comment":"rewritten"}'
    row["hash"] = entry_hash(row)
    raw.execute(f"INSERT INTO audit_entry ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    result = verify()
    assert (result.ok, result.bad_entry) == (False, N)


# ---- the head file in a real workspace ----------------------------------------------------------------
def test_the_head_file_follows_each_change_and_keeps_the_evidence_of_a_truncation(workspace, manager):
    head_file = workspace.data_dir / HEAD_FILE
    workspace.settings.update(manager, name="Cabinet A")
    assert json.loads(head_file.read_text())["count"] == workspace.audit.head()[0]
    count = workspace.audit.head()[0]
    raw = sqlite3.connect(database_path(workspace.data_dir), isolation_level=None)
    raw.execute("DROP TRIGGER audit_entry_no_delete")
    raw.execute("DELETE FROM audit_entry WHERE id = ?", [count])
    raw.close()
    # the program writes on, chaining to the shortened trail; the saved head must not follow it
    workspace.settings.update(manager, name="Cabinet B")
    workspace.settings.update(manager, name="Cabinet C")
    assert json.loads(head_file.read_text())["count"] == count
    result = workspace.audit.verify()
    assert (result.ok, result.bad_entry) == (False, count)



def test_deleting_the_head_file_with_the_end_of_the_trail_is_caught(workspace, manager):
    head_file = workspace.data_dir / HEAD_FILE
    workspace.settings.update(manager, name="Cabinet A")
    assert workspace.audit.verify().ok
    count = workspace.audit.head()[0]
    raw = sqlite3.connect(database_path(workspace.data_dir), isolation_level=None)
    raw.execute("DROP TRIGGER audit_entry_no_delete")
    raw.execute("DELETE FROM audit_entry WHERE id = ?", [count])
    raw.close()
    head_file.unlink()
    result = workspace.audit.verify()
    assert (result.ok, result.kind) == (False, "head-missing")
    assert HEAD_FILE in result.message
    # the next changes and closing do not write a fresh head file that would hide the truncation
    workspace.settings.update(manager, name="Cabinet B")
    workspace.close()
    assert not head_file.exists()
    reopened = Workspace.open(workspace.data_dir, catalogue=workspace.catalogue)
    try:
        assert reopened.audit.verify().kind == "head-missing"
    finally:
        reopened.close()


def test_a_new_clinic_has_its_head_file_from_the_start(workspace):
    assert (workspace.data_dir / HEAD_FILE).exists()
    assert workspace.audit.verify().ok


def test_a_kind_finds_itself_and_its_family_only(workspace, manager):
    """`kind` matches a whole kind or a family, and nothing that only starts like it (the search
    now goes through the index on kind: the dashboard's history on a clinic of 10,000 actions)."""
    plan = workspace.plan
    action = plan.create_action(manager, title="Sauvegarde")
    plan.add_line(manager, action.id, label="NAS", planned_ht=100)
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-01", status="partial")
    kinds = lambda kind: sorted({e.kind for e in workspace.audit.search(kind=kind)})  # noqa: E731
    assert kinds("action") == ["action.create"]
    assert kinds("action.create") == ["action.create"]
    assert kinds("budget-line") == ["budget-line.create"]
    assert kinds("assessment.update") == ["assessment.update"]
    assert kinds("Action") == ["action.create"]  # as LIKE compared the family, case aside
    assert kinds("act") == kinds("action.c") == kinds("action.%") == kinds("action._reate") == []
