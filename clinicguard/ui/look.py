"""The window's look in one place: a light palette (the same on a PC in dark mode, so every colour
named in the views keeps its contrast), the style sheet of resources/styles, and the SVG icons of
resources/icons/lucide drawn in the palette's colours at the screen's resolution (crisp at any DPI)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

# Qt's namespace is read when used, not at import: reading it builds its ~100 enum types (about 25 ms),
# which the sign-in dialog does not need; the window's modules, imported while the user types, build them.
from PySide6 import QtCore
from PySide6.QtCore import QByteArray, QRectF, QSize
from PySide6.QtGui import QColor, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QAbstractButton, QApplication

from clinicguard.paths import resources_dir

INK = "#1f4f75"  # icons on light backgrounds (7.9:1 on white)
ON_ACCENT = "#ffffff"  # icons on the selected navigation entry
DISABLED = "#9aa6b2"
ALERT = "#b3261e"  # 6.5:1 on white: overdue, over budget, refused
OK = "#1e6b34"  # 6.6:1 on white
ICON_SIZES = (16, 20, 24, 32, 40, 48, 64)  # the sizes an icon says it has (it draws any size asked)


def icon_dir() -> Path:
    return resources_dir() / "icons" / "lucide"


def style_sheet_path() -> Path:
    return resources_dir() / "styles" / "clinicguard.qss"


@cache
def _svg(name: str) -> str:
    return (icon_dir() / f"{name}.svg").read_text(encoding="utf-8")


def _pixmap(name: str, colour: str, size: int) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(_svg(name).replace("currentColor", colour).encode("utf-8")))
    pixmap = QPixmap(size, size)
    pixmap.fill(QtCore.Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pixmap


class _SvgIcon(QIconEngine):
    """Draws an icon the first time it is asked for at a size, a mode and the screen's scale, and
    keeps that pixmap: the window's first paint draws the dozen it shows, not every size and
    colour of every icon (about 240 drawings, 50 to 110 ms, issue 18)."""

    def __init__(self, name: str, colours: dict[QIcon.Mode, str]):
        super().__init__()
        self._name, self._colours = name, colours
        self._drawn: dict[tuple[str, int], QPixmap] = {}

    def _colour(self, mode: QIcon.Mode) -> str:
        return self._colours.get(mode) or self._colours[QIcon.Mode.Normal]

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        side = max(1, round(min(size.width(), size.height()) * scale))
        key = (self._colour(mode), side)
        if key not in self._drawn:
            self._drawn[key] = _pixmap(self._name, key[0], side)
        pixmap = QPixmap(self._drawn[key])
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def paint(self, painter: QPainter, rect, mode: QIcon.Mode, state: QIcon.State) -> None:
        device = painter.device()
        scale = device.devicePixelRatioF() if device is not None else 1.0
        painter.drawPixmap(rect, self.scaledPixmap(rect.size(), mode, state, scale))

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        side = min(size.width(), size.height())
        return QSize(side, side)

    def availableSizes(self, mode: QIcon.Mode = QIcon.Mode.Normal,
                       state: QIcon.State = QIcon.State.Off) -> list[QSize]:
        return [QSize(size, size) for size in ICON_SIZES]

    def isNull(self) -> bool:
        return False

    def clone(self) -> QIconEngine:
        return _SvgIcon(self._name, dict(self._colours))


@cache
def icon(name: str, colour: str = INK, selected: str | None = None) -> QIcon:
    """The named Lucide icon in `colour` (and in `selected` when its item is selected), greyed
    when disabled, drawn at the size and the screen's scale each use asks for. Raises
    FileNotFoundError for an icon not shipped."""
    _svg(name)  # read now: a missing icon is found where it is asked for, not at its first paint
    colours = {QIcon.Mode.Normal: colour, QIcon.Mode.Disabled: DISABLED}
    if selected:
        colours[QIcon.Mode.Selected] = selected
    return QIcon(_SvgIcon(name, colours))


def set_icon(button: QAbstractButton, name: str, size: int = 16) -> None:
    """An icon beside a button's text; an icon-only button must also get an accessible name."""
    button.setIcon(icon(name))
    button.setIconSize(QSize(size, size))


def light_palette() -> QPalette:
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#f6f8fb", QPalette.ColorRole.WindowText: "#1f2d3d",
        QPalette.ColorRole.Base: "#ffffff", QPalette.ColorRole.AlternateBase: "#f4f7fa",
        QPalette.ColorRole.Text: "#1f2d3d", QPalette.ColorRole.Button: "#f0f3f7",
        QPalette.ColorRole.ButtonText: "#1f2d3d", QPalette.ColorRole.Highlight: "#1f5f8b",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#ffffe8",
        QPalette.ColorRole.ToolTipText: "#1f2d3d", QPalette.ColorRole.PlaceholderText: "#5f6b78",
        QPalette.ColorRole.Link: "#1f5f8b", QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Light: "#ffffff", QPalette.ColorRole.Midlight: "#e6ebf1",
        QPalette.ColorRole.Mid: "#b8c2cc", QPalette.ColorRole.Dark: "#8a96a3", QPalette.ColorRole.Shadow: "#5f6b78",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7d8894"))  # 3.6:1, as a hint
    return palette


def install_style(app: QApplication) -> None:
    """Fusion (drawn the same on every PC), the light palette and the style sheet."""
    app.setStyle("Fusion")
    app.setPalette(light_palette())
    app.setStyleSheet(style_sheet_path().read_text(encoding="utf-8"))


# The main buttons' icons, by page and attribute: set once the page is built (main_window), so
# that the views stay free of presentation details. A page or button not listed keeps its text.
BUTTON_ICONS: dict[str, dict[str, str]] = {
    "dashboard": {"review_button": "play"},
    "checklist": {"attach_button": "paperclip", "evidence_button": "eye", "plan_button": "clipboard-list",
                  "answered_plan_button": "clipboard-list", "answered_show_button": "eye"},
    "plan": {"new_button": "plus", "edit_button": "pencil", "delete_button": "trash-2", "import_button": "file-up",
             "add_line_button": "plus", "edit_line_button": "pencil", "delete_line_button": "trash-2",
             "gap_button": "clipboard-list", "to_checklist_button": "list-checks"},
    "budget": {"export_button": "file-spreadsheet", "plan_button": "clipboard-list"},
    "evidence": {"add_button": "paperclip", "edit_button": "pencil", "open_button": "folder-open",
                 "export_button": "save", "verify_button": "shield-check", "delete_button": "trash-2",
                 "cancel_button": "x"},
    "signoff": {"confirm_button": "circle-check", "withdraw_button": "undo-2", "request_button": "send",
                "cancel_button": "circle-x"},
    "journal": {"verify_button": "shield-check", "export_button": "file-spreadsheet"},
    "people": {"add_button": "user-plus", "role_button": "user-cog", "active_button": "user-x",
               "reset_button": "key-round", "unlock_button": "unlock", "own_secret_button": "key-round"},
}
PRIMARY_BUTTONS = {("dashboard", "review_button"), ("plan", "gap_button"), ("budget", "export_button"),
                   ("checklist", "plan_button"), ("evidence", "add_button")}


def decorate(key: str, page) -> None:
    """Give a page's main buttons their icons (and the one main action its accent colour)."""
    for attribute, name in BUTTON_ICONS.get(key, {}).items():
        button = getattr(page, attribute, None)
        if isinstance(button, QAbstractButton):
            primary = (key, attribute) in PRIMARY_BUTTONS
            button.setIcon(icon(name, ON_ACCENT) if primary else icon(name))
            button.setIconSize(QSize(16, 16))
            if primary:
                button.setProperty("primary", True)
