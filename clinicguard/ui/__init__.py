"""The PySide6 layer: the application, the main window, one module per page, item models, dialogs,
shared widgets and the one way to run work off the UI thread (ops.py)."""
