"""Every action of every page can be reached with the keyboard: Tab reaches each enabled button,
field and list a page shows, starting from the navigation, and Alt+number opens the pages."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QAbstractSpinBox, QPlainTextEdit, QTextEdit)


def tab_chain(window, page: QWidget) -> list[QWidget]:
    """The widgets of `page` that Tab stops at, in order, starting from the navigation list."""
    chain, widget = [], window.nav.nextInFocusChain()
    for _ in range(5000):
        if widget is window.nav:
            break
        if (page.isAncestorOf(widget) and widget.isVisible() and widget.isEnabled()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus):
            chain.append(widget)
        widget = widget.nextInFocusChain()
    return chain


def test_tab_reaches_every_control_of_every_page(main_window):
    main_window.resize(1366, 768)
    for row in range(main_window.nav.count()):
        key = main_window.nav.item(row).data(Qt.ItemDataRole.UserRole)
        page = main_window.show_page(key)
        QApplication.processEvents()
        reached = set(tab_chain(main_window, page))
        controls = [w for w in page.findChildren(QWidget)
                    if isinstance(w, INTERACTIVE) and w.isVisible() and w.isEnabled()
                    and not isinstance(w, QHeaderView)  # sorted with the keyboard from the table itself
                    and not isinstance(w.parent(), QLineEdit)]  # a line edit's own clear button
        missed = [(type(w).__name__, getattr(w, "text", lambda: "")() or w.accessibleName()) for w in controls
                  if w not in reached]
        assert reached, key
        assert missed == [], (key, missed)


def test_alt_and_a_number_opens_every_page(main_window, qtbot):
    shortcuts = {action.shortcut().toString(QKeySequence.SequenceFormat.PortableText): action
                 for action in main_window.actions()}
    assert main_window.nav.count() == 10  # Alt+1 ... Alt+9, and Alt+0 for the tenth (Settings)
    for row in range(main_window.nav.count()):
        shortcuts[f"Alt+{(row + 1) % 10}"].trigger()
        assert main_window.nav.currentRow() == row


def test_no_label_shows_the_ampersand_of_its_shortcut(main_window):
    """A label's "&D" underlines D and moves to its field (Alt+D) only when the label has a buddy;
    without one the user reads "&Dossier"."""
    import re

    from PySide6.QtWidgets import QLabel

    main_window.resize(1366, 768)
    shown = []
    for row in range(main_window.nav.count()):
        page = main_window.show_page(main_window.nav.item(row).data(Qt.ItemDataRole.UserRole))
        QApplication.processEvents()
        for label in page.findChildren(QLabel):
            text = label.text()
            if label.isVisible() and label.textFormat() != Qt.TextFormat.RichText and label.buddy() is None \
                    and re.search(r"(?<!&)&(?![&\s]|[a-z]+;|#\d+;)", text):
                shown.append(text)
    assert shown == []
