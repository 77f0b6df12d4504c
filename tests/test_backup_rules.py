"""Backups made by the clinic by itself and the rules behind them: the settings and their checks,
when a backup is due, what the dashboard warns about, a backup before a schema migration and
before a catalogue upgrade, a full or vanished destination, cancelling, a second destination,
and the cleanup of what a killed backup left."""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Migrations

from clinicguard.core import backup, backup_archive
from clinicguard.core.catalogue import load_catalogue
from clinicguard.core.settings import backup_due, backup_due_at_closing, backup_status
from clinicguard.core.workspace import Workspace
from clinicguard.model.backup import BackupSettings, BackupWarning, LastBackup
from clinicguard.model.errors import ClinicGuardError, PermissionDenied
from clinicguard.store import migrations as migrations_module
from tests.conftest import MANAGER, MANAGER_SECRET

V2 = Path(__file__).parent / "data" / "catalogue_small_v2.toml"
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _kinds(ws) -> list[str]:
    return [r["kind"] for r in ws.db["audit_entry"].rows]


def _last(days_ago: float, count: int = 5) -> LastBackup:
    return LastBackup("f.cgbackup.age", "/x", 10, (NOW - timedelta(days=days_ago)).isoformat(), count)


def test_settings_have_safe_defaults_and_are_checked_and_journalled(workspace, manager, tmp_path):
    s = workspace.backup_settings.current
    assert (s.destination, s.every_hours, s.at_closing, s.warn_after_days) == ("", 24, True, 7)
    assert (s.keep_daily, s.keep_weekly, s.keep_monthly) == (7, 4, 12)
    s = workspace.backup_settings.update(manager, destination=str(tmp_path), every_hours="12", at_closing="non",
                                         warn_after_days=3)
    assert (s.destination, s.every_hours, s.at_closing, s.warn_after_days) == (str(tmp_path), 12, False, 3)
    assert _kinds(workspace)[-1] == "backup.settings"
    with pytest.raises(ClinicGuardError, match="entre 1 et 366"):
        workspace.backup_settings.update(manager, warn_after_days=0)
    with pytest.raises(ClinicGuardError, match="entre 1 et 366"):
        workspace.backup_settings.update(manager, keep_daily="beaucoup")
    with pytest.raises(ClinicGuardError, match="oui ou non"):
        workspace.backup_settings.update(manager, at_closing="peut-être")
    with pytest.raises(ClinicGuardError, match="première destination"):
        workspace.backup_settings.update(manager, destination="", second_destination=str(tmp_path))
    assert workspace.backup_settings.current.every_hours == 12  # nothing changed by a refusal


def test_only_a_manager_changes_where_backups_go(workspace, manager, tmp_path):
    workspace.people.add(manager, "Dr Karim", "practitioner", "4821")
    karim = workspace.people.sign_in("Dr Karim", "4821")
    with pytest.raises(PermissionDenied):
        workspace.backup_settings.update(karim, destination=str(tmp_path))


def test_a_backup_is_due_on_the_schedule_only_with_a_destination():
    daily = BackupSettings(destination="/d")
    assert backup_due(daily, None, NOW)  # never made
    assert not backup_due(daily, _last(0.5), NOW)
    assert backup_due(daily, _last(1.01), NOW)
    assert not backup_due(BackupSettings(destination="/d", every_hours=0), None, NOW)  # off
    assert not backup_due(BackupSettings(), None, NOW)  # no destination
    assert backup_due(BackupSettings(destination="/d", every_hours=4), _last(0.2), NOW)
    # an unplugged drive is not retried every minute
    assert not backup_due(daily, None, NOW, last_attempt=NOW - timedelta(minutes=10))
    assert backup_due(daily, None, NOW, last_attempt=NOW - timedelta(hours=2))


def test_a_backup_at_closing_only_when_something_changed():
    s = BackupSettings(destination="/d")
    assert backup_due_at_closing(s, None, [])
    assert not backup_due_at_closing(s, _last(0), [])
    # signing in, exporting, opening a file or making the backup itself change nothing worth a new file
    assert not backup_due_at_closing(s, _last(0), ["backup.create", "backup.rotate", "session.sign-in",
                                                   "export.budget", "evidence.open"])
    assert backup_due_at_closing(s, _last(0), ["backup.verify", "assessment.update"])
    assert not backup_due_at_closing(BackupSettings(destination="/d", at_closing=False), None, [])
    assert not backup_due_at_closing(BackupSettings(), None, [])


def test_the_clinic_knows_whether_it_changed_since_its_last_backup(workspace, manager, tmp_path):
    workspace.backup_settings.update(manager, destination=str(tmp_path))
    assert workspace.backup_settings.due_at_closing()  # never backed up
    backup.create_configured(workspace, manager)
    assert not workspace.backup_settings.due_at_closing()  # its own journal entries are no change
    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", status="partial")
    assert workspace.backup_settings.due_at_closing()


def test_the_dashboard_warnings(tmp_path):
    here = str(tmp_path)
    assert backup_status(BackupSettings(), None, NOW).warnings == (BackupWarning.NO_DESTINATION, BackupWarning.NEVER)
    status = backup_status(BackupSettings(destination=str(tmp_path / "gone")), _last(2), NOW)
    assert status.warnings == (BackupWarning.DESTINATION_MISSING,) and status.age_days == 2
    status = backup_status(BackupSettings(destination=here), _last(8), NOW)
    assert status.warnings == (BackupWarning.TOO_OLD,) and status.age_days == 8
    assert backup_status(BackupSettings(destination=here, warn_after_days=10), _last(8), NOW).warnings == ()
    assert backup_status(BackupSettings(destination=here), _last(1), NOW, problem="x").warnings == \
        (BackupWarning.LAST_FAILED,)


def test_the_dashboard_warns_when_the_last_verified_backup_file_is_gone(tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    last = LastBackup("clinicguard-x.cgbackup.age", str(folder), 10, (NOW - timedelta(days=1)).isoformat(), 5)
    (folder / last.file).write_bytes(b"x")
    settings = BackupSettings(destination=str(folder))
    assert backup_status(settings, last, NOW).warnings == ()
    (folder / last.file).unlink()  # deleted or moved by hand
    assert backup_status(settings, last, NOW).warnings == (BackupWarning.LAST_GONE,)
    gone = LastBackup(last.file, str(tmp_path / "old-pc-drive"), 10, last.created_at, 5)
    assert backup_status(settings, gone, NOW).warnings == ()  # its folder is not there: unplugged, not gone


def test_configured_backup_goes_to_both_destinations_rotates_and_is_remembered(workspace, manager, tmp_path):
    first, second = tmp_path / "usb", tmp_path / "nas"
    first.mkdir()
    second.mkdir()
    old = [f"clinicguard-x-2020010{d}T120000000000{backup.SUFFIX}" for d in range(1, 4)]
    for name in old:
        (first / name).write_bytes(b"old")
    workspace.backup_settings.update(manager, destination=str(first), second_destination=str(second), keep_daily=1,
                                     keep_weekly=0, keep_monthly=0)
    made = backup.create_configured(workspace, manager)
    copy = second / made.path.name
    assert copy.read_bytes() == made.path.read_bytes()
    assert backup.verify(copy, workspace.keys.identity).manifest["clinic_name"] == "Cabinet Test"
    assert sorted(p.name for p in first.iterdir()) == [made.path.name]  # the old ones rotated away
    last = workspace.backup_settings.last
    assert (last.file, last.folder, last.size) == (made.path.name, str(first), made.size)
    assert last.audit_count == made.manifest["audit_head"]["count"]
    assert "backup.create" in _kinds(workspace) and _kinds(workspace)[-1] == "backup.rotate"


def test_without_a_destination_the_message_says_where_to_choose_one(workspace, manager):
    with pytest.raises(backup.BackupError, match="Paramètres"):
        backup.create_configured(workspace, manager)


def test_an_unplugged_drive_gives_a_clear_message_and_no_file(workspace, manager, tmp_path):
    usb = tmp_path / "usb"
    with pytest.raises(backup.DestinationUnavailable, match="débranchée"):
        backup.create(workspace, manager, usb)
    assert not usb.exists()
    assert not list(workspace.data_dir.glob(".backup-*"))


class FillsUp:
    """A file on a drive with `room` bytes free: writes past it fail as a full disk does."""

    def __init__(self, raw, room: int):
        self._raw, self._room = raw, room

    def write(self, data) -> int:
        if len(data) > self._room:
            self._raw.write(bytes(data)[: self._room])
            self._room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self._room -= len(data)
        return self._raw.write(data)

    def __getattr__(self, name):
        return getattr(self._raw, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._raw.close()


def test_a_full_destination_gives_a_clear_message_and_no_partial_file(workspace, manager, tmp_path, monkeypatch):
    dest = tmp_path / "full"
    dest.mkdir()
    real = backup_archive._open_private
    monkeypatch.setattr(backup_archive, "_open_private", lambda path: FillsUp(real(path), room=100_000))
    with pytest.raises(backup.DestinationUnavailable, match="pleine"):
        backup.create(workspace, manager, dest)
    assert list(dest.iterdir()) == []
    monkeypatch.setattr(backup_archive, "_open_private", real)
    assert backup.create(workspace, manager, dest).path.exists()  # space freed: it works again


def test_a_drive_that_fails_when_synced_gives_the_same_clear_message_and_no_file(workspace, manager, tmp_path,
                                                                                monkeypatch):
    from clinicguard.core import readback

    dest = tmp_path / "full"
    dest.mkdir()
    (tmp_path / "big.bin").write_bytes(os.urandom(40 << 20))  # more than a segment: synced while written
    workspace.vault.add(manager, tmp_path / "big.bin")

    def full(_fd):  # the space runs out when the written blocks reach the disk
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(readback, "_datasync", full)
    with pytest.raises(backup.DestinationUnavailable, match="pleine"):
        backup.create(workspace, manager, dest)
    assert list(dest.iterdir()) == []


def test_a_cancelled_backup_leaves_nothing(workspace, manager, tmp_path):
    dest = tmp_path / "d"
    dest.mkdir()
    with pytest.raises(backup.BackupCancelled, match="annulée"):
        backup.create(workspace, manager, dest, cancelled=lambda: True)
    assert list(dest.iterdir()) == []
    assert "backup.create" not in _kinds(workspace)


def test_progress_reaches_the_end_and_a_cancelled_check_is_not_journalled(workspace, manager, tmp_path):
    dest = tmp_path / "d"
    dest.mkdir()
    seen: list[tuple[int, int]] = []
    made = backup.create(workspace, manager, dest, progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]
    count = len(_kinds(workspace))
    with pytest.raises(backup.BackupCancelled):
        backup.verify_recorded(workspace, manager, made.path, cancelled=lambda: True)
    assert len(_kinds(workspace)) == count


def test_a_second_destination_that_fails_keeps_the_first_and_says_so(workspace, manager, tmp_path):
    first = tmp_path / "usb"
    first.mkdir()
    workspace.backup_settings.update(manager, destination=str(first), second_destination=str(tmp_path / "nas"))
    made = backup.create_configured(workspace, manager)
    assert made.path.exists() and made.problems and "nas" in made.problems[0]
    assert workspace.backup_settings.problem == made.problems[0]


def test_with_the_usb_drive_taken_away_the_backup_goes_to_the_second_destination(workspace, manager, tmp_path,
                                                                                 monkeypatch):
    from clinicguard.cli import main

    usb, nas = tmp_path / "usb", tmp_path / "nas"
    nas.mkdir()  # the drive is in a drawer, as the settings page advises; the share is there
    workspace.backup_settings.update(manager, destination=str(usb), second_destination=str(nas))
    made = backup.create_configured(workspace, manager, reason="schedule")
    assert made.path.parent == nas and backup.verify(made.path, workspace.keys.identity)
    assert made.problems == (backup.missing_destination_text(usb),) and not usb.exists()
    assert workspace.backup_settings.last.file == made.path.name  # the dashboard shows it, and the missing drive
    assert workspace.backup_settings.problem == made.problems[0]
    usb.mkdir()  # plugged back in: both get it again, nothing to say
    made = backup.create_configured(workspace, manager)
    assert made.path.parent == usb and [p.parent for p in made.copies] == [nas] and made.problems == ()
    shutil.rmtree(usb)
    folder = workspace.data_dir
    workspace.close()
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    assert main(["backup", "create", "--data-dir", str(folder), "--as", MANAGER]) == 3  # made, with a problem
    (newest,) = nas.glob(f"*{backup.SUFFIX}")  # the rotation keeps one a day: the newest
    assert newest.name > made.path.name and not usb.exists()


def test_with_no_destination_there_nothing_is_written_and_the_first_is_named(workspace, manager, tmp_path):
    workspace.backup_settings.update(manager, destination=str(tmp_path / "usb"),
                                     second_destination=str(tmp_path / "nas"))
    with pytest.raises(backup.DestinationUnavailable, match="usb"):
        backup.create_configured(workspace, manager)
    assert not (tmp_path / "usb").exists() and not (tmp_path / "nas").exists()  # nothing made up in their place


def _with_new_migration(monkeypatch):
    from clinicguard.store.migrations import migrations

    def m999_test_only(db):
        db.execute("CREATE TABLE test_only_m999 (x INTEGER)")

    monkeypatch.setattr(migrations, "_migrations",
                        [*migrations._migrations, Migrations._Migration("m999_test_only", m999_test_only)])


def test_a_schema_migration_is_preceded_by_a_backup(workspace, manager, tmp_path, monkeypatch):
    dest = tmp_path / "usb"
    dest.mkdir()
    workspace.backup_settings.update(manager, destination=str(dest))
    folder = workspace.data_dir
    workspace.close()
    _with_new_migration(monkeypatch)
    ws = Workspace.open(folder)
    try:
        (made,) = list(dest.glob(f"*{backup.SUFFIX}"))
        checked = backup.verify(made, ws.keys.identity)
        assert "m999_test_only" not in checked.manifest["schema"]  # the database as it was
        assert "test_only_m999" in ws.db.table_names()  # then migrated
        entry = list(ws.db["audit_entry"].rows)[-1]
        assert entry["kind"] == "backup.create" and json.loads(entry["after"])["reason"] == "migration"
        assert ws.backup_settings.last.file == made.name
    finally:
        ws.close()
    assert migrations_module  # the module whose list was extended for this test only


def test_a_migration_with_an_unplugged_drive_still_opens_and_the_dashboard_is_told(workspace, manager, tmp_path,
                                                                                 monkeypatch):
    dest = tmp_path / "usb"
    dest.mkdir()
    workspace.backup_settings.update(manager, destination=str(dest))
    folder = workspace.data_dir
    workspace.close()
    dest.rmdir()
    _with_new_migration(monkeypatch)
    ws = Workspace.open(folder)
    try:
        assert "débranchée" in ws.backup_settings.problem
        assert BackupWarning.LAST_FAILED in ws.backup_settings.status(NOW).warnings
    finally:
        ws.close()


def test_a_catalogue_upgrade_is_preceded_by_a_backup(workspace, manager, tmp_path):
    dest = tmp_path / "usb"
    dest.mkdir()
    workspace.backup_settings.update(manager, destination=str(dest))
    folder = workspace.data_dir
    workspace.close()
    ws = Workspace.open(folder, catalogue=load_catalogue(V2))
    try:
        assert ws.catalogue_versions.upgrade() is not None
        (made,) = list(dest.glob(f"*{backup.SUFFIX}"))
        assert backup.verify(made, ws.keys.identity).manifest["catalogue_version"] == "1.0"
        kinds = _kinds(ws)
        assert kinds[-2:] == ["backup.create", "catalogue.upgrade"]
    finally:
        ws.close()


def test_the_cli_sets_and_shows_the_backup_settings_and_backs_up_to_them(workspace, tmp_path, monkeypatch, capsys):
    from clinicguard.cli import main
    folder = workspace.data_dir
    workspace.close()
    dest = tmp_path / "usb"
    dest.mkdir()
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    assert main(["backup", "settings", "--data-dir", str(folder), "--as", MANAGER, "--destination", str(dest),
                 "--every-hours", "0", "--warn-days", "3"]) == 0
    out = capsys.readouterr().out
    assert str(dest) in out and "désactivée" in out
    assert main(["backup", "settings", "--data-dir", str(folder), "--warn-days", "0"]) == 1
    assert "entre 1 et 366" in capsys.readouterr().err
    assert main(["backup", "create", "--data-dir", str(folder)]) == 0
    (made,) = list(dest.glob(f"*{backup.SUFFIX}"))
    assert main(["backup", "list", "--data-dir", str(folder), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert row["file"] == made.name and row["state"] == "verified"
    made.write_bytes(made.read_bytes()[:-10])
    assert main(["backup", "list", "--data-dir", str(folder)]) == 3
    assert "endommagée" in capsys.readouterr().out


def test_leftovers_of_a_killed_backup_or_restore_are_removed_at_start(workspace, manager, tmp_path):
    dest = tmp_path / "usb"
    dest.mkdir()
    workspace.backup_settings.update(manager, destination=str(dest))
    made = backup.create(workspace, manager, dest)
    part = dest / f"clinicguard-x-20260101T000000000000{backup.SUFFIX}{backup.PART}"
    part.write_bytes(b"half")
    snap = workspace.data_dir / ".backup-0123456789abcdef.sqlite"
    snap.write_bytes(b"half")
    stage = workspace.data_dir.parent / f".{workspace.data_dir.name}{backup.RESTORE_MARK}abc"
    (stage / "vault").mkdir(parents=True)
    fresh = dest / f"clinicguard-y-20260101T000000000000{backup.SUFFIX}{backup.PART}"
    fresh.write_bytes(b"running elsewhere")
    old = time.time() - 3600
    for p in (part, snap, stage):
        os.utime(p, (old, old))
    removed = backup.remove_leftovers(workspace.data_dir, workspace.backup_settings.current.destinations)
    assert sorted(removed) == sorted([part, snap, stage])
    assert made.path.exists() and fresh.exists()  # finished backups and a backup still running are kept


def test_a_migration_backup_needs_no_passphrase_and_is_journalled_once_unlocked(tmp_path, small_catalogue,
                                                                               monkeypatch):
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    keyring.set_keyring(FailKeyring())  # no credential store: the clinic key is behind a passphrase
    passphrase = "correct horse battery staple"
    ws, _ = Workspace.create(tmp_path / "c", clinic_name="Cabinet", structure="group-practice", manager_name=MANAGER,
                             manager_secret=MANAGER_SECRET, catalogue=small_catalogue, passphrase=passphrase)
    dest = tmp_path / "usb"
    dest.mkdir()
    ws.backup_settings.update(ws.people.sign_in(MANAGER, MANAGER_SECRET), destination=str(dest))
    ws.close()
    _with_new_migration(monkeypatch)
    ws = Workspace.open(tmp_path / "c", catalogue=small_catalogue)  # no passphrase given yet
    try:
        (made,) = list(dest.glob(f"*{backup.SUFFIX}"))  # made and read back without the clinic key
        assert "backup.create" not in _kinds(ws)
        ws.keys.unlock(passphrase)
        ws.journal_pending_backups()
        assert _kinds(ws)[-1] == "backup.create" and ws.backup_settings.last.file == made.name
        assert backup.verify(made, ws.keys.identity)
    finally:
        ws.close()
