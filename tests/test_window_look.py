"""pytest-qt on the real main window: the sidebar's icons and live counts, a window that fits the
screen and remembers its layout, tables without a horizontal scrollbar at 1366 x 768 with money
never cut and long text elided with a tooltip, and the screenshot script (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QEvent, QRect, Qt
from PySide6.QtGui import QHelpEvent, QImage
from PySide6.QtWidgets import QApplication, QSplitter, QTableView, QToolTip, QTreeView

from clinicguard.core.formatting import format_money
from clinicguard.paths import resources_dir
from clinicguard.ui.columns import full_text_if_cut
from clinicguard.ui.main_window import MainWindow, page_factories
from clinicguard.ui.state import AppState
from clinicguard.ui.window_memory import default_geometry

ROOT = Path(__file__).resolve().parent.parent
MAIN_PAGES = ("checklist", "plan", "budget", "evidence", "signoff", "journal", "people")


def nav_text(window, key: str) -> str:
    row = window.page_keys().index(key)
    return window.nav.item(row).text().replace("\n", " ")  # (a long entry takes two lines)


def settle(window, width: int, height: int) -> None:
    window.resize(width, height)
    for _ in range(3):
        QApplication.processEvents()


def test_the_sidebar_has_an_icon_per_page_and_live_counts(qtbot, main_window, workspace, manager):
    for row in range(main_window.nav.count()):
        assert not main_window.nav.item(row).icon().isNull()
    # the counts are read once the window has painted (issue 18)
    qtbot.waitUntil(lambda: nav_text(main_window, "checklist") == "Recommandations · 3 à évaluer")
    assert nav_text(main_window, "plan") == "Plan d'action"  # nothing late: no count
    workspace.plan.create_action(manager, title="Registre", due_date=(date.today() - timedelta(days=3)).isoformat())
    assert nav_text(main_window, "plan") == "Plan d'action · 1 en retard"
    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", status="compliant")
    assert nav_text(main_window, "checklist") == "Recommandations · 2 à évaluer"
    row = main_window.page_keys().index("plan")
    assert main_window.nav.item(row).data(Qt.ItemDataRole.AccessibleTextRole) == "Plan d'action, 1 en retard"


def test_every_page_icon_and_the_icons_licence_are_shipped():
    folder = resources_dir() / "icons" / "lucide"
    assert "ISC License" in (folder / "LICENSE").read_text(encoding="utf-8")
    for spec in page_factories():
        assert (folder / f"{spec.icon}.svg").is_file(), spec.key
    spec_file = (ROOT / "packaging" / "clinicguard.spec").read_text(encoding="utf-8")
    assert '"styles"' in spec_file and '"lucide"' in spec_file  # the frozen build checks they are there


def test_the_first_size_follows_the_available_screen():
    laptop = default_geometry(QRect(0, 0, 1366, 728))  # 1366 x 768 less the taskbar: all of it
    assert laptop == QRect(0, 0, 1366, 728)
    large = default_geometry(QRect(0, 0, 2560, 1400))
    assert (large.width(), large.height()) == (1600, 1000)  # a comfortable part of a large screen
    assert large.center() == QRect(0, 0, 2560, 1400).center()
    small = default_geometry(QRect(0, 0, 1024, 700))
    assert (small.width(), small.height()) == (1024, 700)


def test_size_splitters_and_column_widths_are_remembered(qtbot, workspace, manager, window_settings):
    first = MainWindow(AppState(workspace, manager))
    qtbot.addWidget(first)
    first.show()
    # a size of the user's own (the test platform's screen is 800 px wide: within it)
    settle(first, 780, 650)
    checklist = first.show_page("checklist")
    splitter = checklist.findChild(QSplitter)
    splitter.setSizes([700, 300])
    remembered_sizes = splitter.sizes()
    plan = first.show_page("plan")
    plan.table.setColumnWidth(3, 171)
    width = first.width()
    assert first.height() == 650
    first.close()
    assert (window_settings / "window.ini").is_file()

    second = MainWindow(AppState(workspace, manager))
    qtbot.addWidget(second)
    second.show()
    # the remembered size, kept within the screen (the page's minimum width is wider than the
    # test platform's 800-pixel screen)
    available = second.screen().availableGeometry().width()
    assert second.height() == 650 and min(width, available) - 4 <= second.width() <= available
    second.show_page("checklist")
    QApplication.processEvents()
    assert second.pages["checklist"].findChild(QSplitter).sizes() == remembered_sizes
    assert second.pages["plan"].table.columnWidth(3) == 171
    second.close()


def test_main_tables_fit_1366_by_768_and_money_is_never_cut(qtbot, main_window, workspace, manager):
    plan = workspace.plan
    for n in range(3):
        action = plan.create_action(manager, title=f"Renouveler le parc informatique du cabinet, lot {n}",
                                    owner="Dr Karim Benali", due_date=date.today().isoformat())
        plan.add_line(manager, action.id, label="Postes de travail et écrans", planned_ht=123_456_789,
                      actual_ht=123_450_000, category="hardware", expense_date=date.today().isoformat())
    settle(main_window, 1366, 768)
    for key in MAIN_PAGES:
        page = main_window.show_page(key)
        QApplication.processEvents()
        views = [v for v in page.findChildren(QTableView) + page.findChildren(QTreeView) if v.isVisible()]
        # (no evidence, no request: an empty state; the budget opens on its chart, its tables below)
        assert views or key in ("evidence", "signoff", "budget"), key
        for view in views:
            assert view.horizontalScrollBar().maximum() == 0, (key, view.accessibleName())
    budget = main_window.show_page("budget")
    QApplication.processEvents()
    for index in range(budget.tabs.count()):
        table = budget.tabs.widget(index)
        if not isinstance(table, QTableView):
            continue  # the chart: its figures are in the tables
        budget.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        assert table.horizontalScrollBar().maximum() == 0, budget.tabs.tabText(index)
        model = table.model()
        for row in range(model.rowCount()):
            for column in range(1, model.columnCount()):
                cell = model.index(row, column)
                text = str(cell.data() or "")
                if "€" in text and not table.isColumnHidden(column):
                    assert not full_text_if_cut(table, cell), (budget.tabs.tabText(index), text)
    assert format_money(3 * 123_456_789) in [budget.group_models["category"].index(r, 1).data()
                                               for r in range(budget.group_models["category"].rowCount())]


def test_long_text_is_elided_with_a_tooltip(qtbot, main_window, workspace, manager):
    title = "Mettre en place une sauvegarde externalisée chiffrée, testée chaque trimestre avec le prestataire"
    workspace.plan.create_action(manager, title=title)
    settle(main_window, 1024, 700)
    plan = main_window.show_page("plan")
    QApplication.processEvents()
    cell = plan.proxy.index(0, 1)
    assert full_text_if_cut(plan.table, cell) == title
    rect = plan.table.visualRect(cell)
    viewport = plan.table.viewport()
    event = QHelpEvent(QEvent.Type.ToolTip, rect.center(), viewport.mapToGlobal(rect.center()))
    QApplication.sendEvent(viewport, event)
    assert QToolTip.text() == title
    QToolTip.hideText()
    assert plan.table.textElideMode() == Qt.TextElideMode.ElideRight


def test_the_screenshot_script_renders_every_page_at_both_sizes(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "screenshots.py"), str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    keys = [spec.key for spec in page_factories()]
    for width, height in ((1366, 768), (1024, 700)):
        files = sorted((tmp_path / f"{width}x{height}").glob("*.png"))
        assert [f.stem.split("-", 1)[1] for f in files] == keys
        for file in files:
            image = QImage(str(file))
            # the window never had to grow past the screen for a page
            assert (image.width(), image.height()) == (width, height), file.name


def test_the_score_trend_is_replayed_from_the_journal(workspace, manager):
    from clinicguard.core.checklist import score
    from clinicguard.core.score_history import ANSWER_KIND, score_history

    assert score_history(workspace.checklist.rows(), workspace.audit.search(kind=ANSWER_KIND)) == []
    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", status="compliant")
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-01", status="partial")
    rows = workspace.checklist.rows()
    entries = workspace.audit.search(kind=ANSWER_KIND)
    (point,) = score_history(rows, entries)  # one day of answers: one point
    assert point.percent == score(rows).percent  # the last point is today's score
    # the same answers spread over two days: two points, rising
    first, second = entries
    moved = [first.__class__(**{**first.__dict__, "ts": "2026-01-05T09:00:00+00:00"}), second]
    points = score_history(rows, moved)
    assert [p.day for p in points] == ["2026-01-05", second.ts[:10]]
    assert points[0].percent < points[1].percent == score(rows).percent


def test_dashboard_and_budget_charts_give_their_figures_as_text(qtbot, main_window, workspace, manager):
    workspace.checklist.set_assessment(manager, "GOV-ROLES-01", status="compliant")
    dashboard = main_window.show_page("dashboard")
    domains = dashboard.domains_chart.figures()
    assert len(domains) == len(workspace.catalogue.domains)
    assert any(line.endswith("%") for line in domains)
    assert dashboard.domains_chart.toolTip().startswith("Score par domaine")
    assert "Score par domaine" in dashboard.domains_chart.accessibleDescription()
    trend = dashboard.trend_chart.figures()
    assert len(trend) == 1 and trend[0].startswith(date.today().strftime("%d/%m/%Y"))

    action = workspace.plan.create_action(manager, title="NAS")
    workspace.plan.add_line(manager, action.id, label="NAS", planned_ht=89_900, actual_ht=92_000,
                            category="hardware", expense_date=date.today().isoformat())
    budget = main_window.show_page("budget")
    assert budget.tabs.tabText(0) == "Graphique"
    lines = budget.category_chart.figures()
    assert lines == ["Matériel : prévu 899,00\u202f€, réalisé 920,00\u202f€"]
    assert any("prévu 899,00" in line for line in budget.quarter_chart.figures())


def test_the_look_is_light_on_any_pc_and_comes_from_one_style_sheet(qapp):
    from clinicguard.ui.look import install_style, style_sheet_path

    saved = (qapp.palette(), qapp.styleSheet())
    try:
        install_style(qapp)
        window, text = qapp.palette().color(qapp.palette().ColorRole.Window), qapp.palette().color(
            qapp.palette().ColorRole.WindowText)
        assert window.lightness() > 230 and text.lightness() < 60  # dark mode or not: dark text on light
        assert qapp.styleSheet() == style_sheet_path().read_text(encoding="utf-8")
        assert "#navigation" in qapp.styleSheet()
    finally:
        qapp.setPalette(saved[0])
        qapp.setStyleSheet(saved[1])


def test_every_icon_only_button_has_an_accessible_name(main_window):
    from PySide6.QtWidgets import QAbstractButton, QLineEdit

    def qt_own(button) -> bool:  # a line edit's clear button, the menu bar's overflow: Qt names them
        return isinstance(button.parent(), QLineEdit) or button.objectName() == "qt_menubar_ext_button"

    for key in main_window.pages:  # pages are built when first shown: build them all
        main_window.pages[key]
    unnamed = [(button.objectName(), button.toolTip()) for button in main_window.findChildren(QAbstractButton)
               if not button.text().strip() and not button.icon().isNull() and not button.accessibleName()
               and not qt_own(button)]
    assert unnamed == []
    shown_with_icons = [b for b in main_window.findChildren(QAbstractButton) if not b.icon().isNull()]
    assert len(shown_with_icons) > 20  # the main buttons of every page carry an icon


def _contrast(a: str, b: str) -> float:
    from PySide6.QtGui import QColor

    def luminance(colour: str) -> float:
        c = QColor(colour)
        channels = []
        for v in (c.redF(), c.greenF(), c.blueF()):
            channels.append(v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4)
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_status_colours_pass_wcag_aa_and_always_come_with_their_words(main_window):
    from clinicguard.model.checklist import Status
    from clinicguard.ui import look
    from clinicguard.ui.checklist_model import STATUS_COLOURS

    text = look.light_palette().color(look.light_palette().ColorRole.Text).name()
    for status, background in STATUS_COLOURS.items():
        assert _contrast(text, background) >= 4.5, status  # the status's words on its colour
    for colour in (look.ALERT, look.OK, look.INK):
        assert _contrast(colour, "#ffffff") >= 4.5 and _contrast(colour, "#f6f8fb") >= 4.5, colour
    assert _contrast("#ffffff", "#1f5f8b") >= 4.5  # the selected navigation entry
    # the colour is never alone: the status column says the status in words
    checklist = main_window.show_page("checklist")
    statuses = {checklist.proxy.index(r, 2, checklist.proxy.index(t, 0, checklist.proxy.index(d, 0))).data()
                for d in range(checklist.proxy.rowCount())
                for t in range(checklist.proxy.rowCount(checklist.proxy.index(d, 0)))
                for r in range(checklist.proxy.rowCount(checklist.proxy.index(t, 0, checklist.proxy.index(d, 0))))}
    assert statuses and statuses <= {s.label for s in Status}
