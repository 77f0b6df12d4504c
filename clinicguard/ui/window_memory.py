"""What the window remembers between two starts, per user of the PC: its size and place, the
splitters' positions and the tables' column widths (QSettings; no clinic data). Tests and the
screenshot script point CLINICGUARD_UI_SETTINGS at a folder of their own."""

from __future__ import annotations

import os

from PySide6.QtCore import QByteArray, QRect, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHeaderView, QSplitter, QTableView, QTreeView, QWidget

SETTINGS_ENV = "CLINICGUARD_UI_SETTINGS"
LAYOUT_VERSION = 1  # raise when a page's columns change meaning: the old widths are then ignored


def settings() -> QSettings:
    folder = os.environ.get(SETTINGS_ENV)
    if folder:
        return QSettings(os.path.join(folder, "window.ini"), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "ClinicGuard", "window")


def default_geometry(available: QRect) -> QRect:
    """The first start's size: all of a laptop's free area (taskbar excluded: 1366 x 768 is common
    in practices), a comfortable part of a large screen (lines wider than that are harder to
    read), centred."""
    width = available.width() if available.width() <= 1440 else max(1440, min(1600, int(available.width() * 0.7)))
    height = available.height() if available.height() <= 900 else max(900, min(1000, int(available.height() * 0.8)))
    x = available.x() + (available.width() - width) // 2
    y = available.y() + (available.height() - height) // 2
    return QRect(x, y, width, height)


def _parts(page: QWidget) -> dict[str, QSplitter | QHeaderView]:
    """The page's splitters and table headers, named by their order in the page (stable as long
    as the page is built the same way)."""
    parts: dict[str, QSplitter | QHeaderView] = {}
    for n, splitter in enumerate(page.findChildren(QSplitter)):
        parts[f"splitter{n}"] = splitter
    views = [v for v in page.findChildren(QTableView) + page.findChildren(QTreeView) if v.parent() is not None]
    for n, view in enumerate(views):
        parts[f"header{n}"] = view.header() if isinstance(view, QTreeView) else view.horizontalHeader()
    return parts


def restore_page(store: QSettings, key: str, page: QWidget) -> None:
    if store.value("layout_version", 0, int) != LAYOUT_VERSION:
        return
    for name, part in _parts(page).items():
        state = store.value(f"pages/{key}/{name}")
        if isinstance(state, QByteArray) and not state.isEmpty():
            part.restoreState(state)


def save_page(store: QSettings, key: str, page: QWidget) -> None:
    for name, part in _parts(page).items():
        store.setValue(f"pages/{key}/{name}", part.saveState())


def restore_window(store: QSettings, window: QWidget) -> bool:
    """The remembered size and place, if still on a screen; False on a first start."""
    state = store.value("geometry")
    if store.value("layout_version", 0, int) != LAYOUT_VERSION or not isinstance(state, QByteArray):
        return False
    return bool(window.restoreGeometry(state))


def save_window(store: QSettings, window: QWidget) -> None:
    store.setValue("layout_version", LAYOUT_VERSION)
    store.setValue("geometry", window.saveGeometry())


def apply_default_geometry(window: QWidget) -> None:
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        window.setGeometry(default_geometry(screen.availableGeometry()))
