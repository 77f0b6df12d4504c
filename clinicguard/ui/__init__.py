"""The PySide6 layer: main window, views, item models, dialogs and workers."""
