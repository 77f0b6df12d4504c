"""The window builds a page when it is first shown, not when it opens (issue 18): what the pages
do together still works whichever was built first."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from clinicguard.ui import ops


def test_the_window_opens_on_the_dashboard_alone(main_window):
    pages = main_window.pages
    assert next(iter(pages)) == "dashboard" and pages.built("dashboard") is not None
    assert [key for key in pages if pages.built(key) is not None] == ["dashboard"]
    assert main_window.stack.currentWidget() is pages.built("dashboard")
    plan = main_window.show_page("plan")
    assert pages.built("plan") is plan and main_window.stack.currentWidget() is plan
    main_window.nav.setCurrentRow(list(pages).index("budget"))  # the navigation list builds it too
    assert main_window.stack.currentWidget() is pages.built("budget") is not None


def test_the_item_chosen_in_the_checklist_reaches_a_plan_page_built_later(main_window, small_catalogue):
    checklist = main_window.show_page("checklist")
    item_id = small_catalogue.items[1].id
    assert checklist.select_item(item_id)
    assert main_window.pages.built("plan") is None
    assert main_window.show_page("plan").selected_item == item_id
    other = small_catalogue.items[0].id
    main_window.show_page("checklist").select_item(other)
    assert main_window.pages["plan"].selected_item == other


def test_files_can_be_dropped_on_the_checklist_before_the_evidence_page_is_built(main_window):
    checklist = main_window.show_page("checklist")
    assert checklist.tree.viewport().acceptDrops()
    assert main_window.show_page("plan").table.viewport().acceptDrops()
    assert main_window.pages.built("evidence") is None


def test_the_vault_check_found_before_the_evidence_page_is_built_shows_on_it(qtbot, open_main_window, workspace,
                                                                           manager, tmp_path):
    source = tmp_path / "charte.pdf"
    source.write_bytes(b"%PDF charte " * 100)
    ev = workspace.vault.add(manager, source)
    orphan = workspace.vault.folder / "0123456789abcdef0123456789abcdef.age"  # a blob no row names
    orphan.write_bytes(workspace.vault.blob_path(ev.blob).read_bytes())
    window = open_main_window(workspace, manager)
    qtbot.waitUntil(lambda: not orphan.exists() and not ops.running(), timeout=10000)  # the check ran
    assert window.pages.built("evidence") is None
    attention = window.pages["evidence"].findChild(QLabel, "vaultAttention")
    assert "quarantaine" in attention.text()


def test_the_garbage_collector_paused_for_the_start_runs_again_once_the_window_is_shown(qtbot, open_main_window,
                                                                                       workspace, manager,
                                                                                       monkeypatch):
    import gc

    import clinicguard.ui

    monkeypatch.setattr(clinicguard.ui, "_gc_paused", True)  # as at a start: paused by the UI's first import
    gc.disable()
    try:
        window = open_main_window(workspace, manager)
        qtbot.waitUntil(gc.isenabled, timeout=5000)
        assert window.isVisible() and not clinicguard.ui._gc_paused
        garbage = [[]]
        garbage[0].append(garbage)  # a cycle made after the start is still collected
        del garbage
        assert gc.collect() >= 1
    finally:
        gc.enable()
        gc.unfreeze()


def test_the_garbage_collector_runs_again_while_a_first_run_or_a_sign_in_stays_open(qtbot, monkeypatch, real_look):
    import gc

    import clinicguard.ui
    from clinicguard.ui import app as app_module

    monkeypatch.setattr(clinicguard.ui, "_gc_paused", True)  # as at a start, no window painted yet
    monkeypatch.setattr(app_module, "GC_PAUSE_AT_MOST_MS", 50)
    gc.disable()
    try:
        app_module.application()
        qtbot.waitUntil(gc.isenabled, timeout=5000)
    finally:
        gc.enable()
        gc.unfreeze()
