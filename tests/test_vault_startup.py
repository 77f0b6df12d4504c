"""The vault's start-up check runs when the clinic opens in the window, not when the vault is built."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from clinicguard.core.workspace import Workspace
from tests.conftest import MANAGER, MANAGER_SECRET
from tests.signing_in import start_signed_in

ORPHAN = "0123456789abcdef0123456789abcdef.age"


def test_opening_the_clinic_window_quarantines_an_orphan_blob(qtbot, tmp_path, small_catalogue, monkeypatch):
    data_dir = tmp_path / "clinic"
    ws, _ = Workspace.create(data_dir, clinic_name="Cabinet", structure="group-practice", manager_name=MANAGER,
                             manager_secret=MANAGER_SECRET, catalogue=small_catalogue)
    source = tmp_path / "charte.pdf"
    source.write_bytes(b"%PDF charte " * 100)
    ev = ws.vault.add(ws.people.sign_in(MANAGER, MANAGER_SECRET), source)
    orphan = ws.vault.folder / ORPHAN  # a blob whose row a crash never wrote
    orphan.write_bytes(ws.vault.blob_path(ev.blob).read_bytes())
    ws.close()

    reading = Workspace.open(data_dir, catalogue=small_catalogue)
    assert [e.id for e in reading.vault.store.all()] == [ev.id] and orphan.exists()  # building checks nothing
    reading.close()

    monkeypatch.setattr("clinicguard.core.workspace.bundled_catalogue", lambda: small_catalogue)
    window, _user = start_signed_in(qtbot, data_dir, typing_ms=50)
    window.show()  # the check runs off the UI thread once the window is on screen
    attention = window.pages["evidence"].findChild(QLabel, "vaultAttention")
    qtbot.waitUntil(lambda: "quarantaine" in attention.text(), timeout=10000)
    assert not orphan.exists() and (data_dir / "vault" / "quarantine" / ORPHAN).exists()
    window.state.ws.close()
