"""Render every page of the demo clinic to PNG files, at the sizes a clinic's PC has, so that anyone
changing the interface can look at the result before a user does.

    python packaging/screenshots.py OUT_FOLDER [--size 1366x768 --size 1024x700] [--lang fr|en]

Runs without a screen (Qt's offscreen platform unless QT_QPA_PLATFORM says otherwise), on a demo
clinic in a temporary folder, with a throw-away keyring: nothing of the user's is read or written.
Writes OUT_FOLDER/<width>x<height>/<NN>-<page>.png and prints one line per file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = ("1366x768", "1024x700")


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Screenshots of every page of the demo clinic.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", action="append", help="WIDTHxHEIGHT (repeatable)")
    parser.add_argument("--lang", default="fr", choices=("fr", "en"))
    args = parser.parse_args(argv)
    sizes = [_size(s) for s in (args.size or DEFAULT_SIZES)]

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["CLINICGUARD_LANG"] = args.lang
    work = Path(tempfile.mkdtemp(prefix="clinicguard-shots-"))
    os.environ["CLINICGUARD_LOG_DIR"] = str(work / "logs")
    os.environ["CLINICGUARD_UI_SETTINGS"] = str(work / "settings")  # never the user's window layout
    os.environ.setdefault("CLINICGUARD_PASSPHRASE", "screenshots-passphrase-2026")
    sys.path.insert(0, str(ROOT))

    import keyring
    from keyring.backend import KeyringBackend

    class _Memory(KeyringBackend):  # a throw-away keyring: the user's is never touched
        priority = 1

        def __init__(self):
            super().__init__()
            self.secrets: dict = {}

        def get_password(self, service, username):
            return self.secrets.get((service, username))

        def set_password(self, service, username, password):
            self.secrets[(service, username)] = password

        def delete_password(self, service, username):
            self.secrets.pop((service, username), None)

    keyring.set_keyring(_Memory())

    from PySide6.QtWidgets import QApplication

    from clinicguard.core.demo import create_demo
    from clinicguard.ui import ops
    from clinicguard.ui.app import install_style
    from clinicguard.ui.main_window import MainWindow
    from clinicguard.ui.state import AppState

    app = QApplication.instance() or QApplication(["clinicguard-screenshots"])
    install_style(app)
    ws, manager, _recovery = create_demo(work / "clinic")
    written: list[Path] = []
    try:
        for width, height in sizes:
            window = MainWindow(AppState(ws, manager))
            window.resize(width, height)
            window.show()
            folder = args.out / f"{width}x{height}"
            folder.mkdir(parents=True, exist_ok=True)
            for n, key in enumerate(window.page_keys(), start=1):
                window.show_page(key)
                for _ in range(3):
                    app.processEvents()
                path = folder / f"{n:02d}-{key}.png"
                window.grab().save(str(path))
                written.append(path)
                print(path)
            ops.drain()
            window.close()
            window.deleteLater()
            app.processEvents()
    finally:
        ws.close()
    return 0 if written else 1


if __name__ == "__main__":
    raise SystemExit(main())
