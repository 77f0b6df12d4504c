"""The PySide6 layer: the application, the main window, one module per page, item models, dialogs,
shared widgets and the one way to run work off the UI thread (ops.py).

The window's start makes a few hundred thousand objects that live as long as the process (modules,
classes, Qt wrappers, the catalogue); on the way to the first paint the cyclic garbage collector
walked them some 140 times, 70 to 130 ms in all (issue 18). It pauses from the first import of the
UI until the main window has painted (MainWindow resumes it; the application does after 5 s if the
first-run setup or the sign-in is still open); what exists then is frozen
(gc.freeze: never walked again, as those objects stay anyway) and the collector runs as usual on
what comes after. Reference counting frees everything else meanwhile, as always."""

import contextlib
import gc

_gc_paused = gc.isenabled()
gc.disable()


def resume_garbage_collector() -> None:
    """Let the cyclic garbage collector run again (once the window is on screen)."""
    global _gc_paused
    if _gc_paused:
        _gc_paused = False
        gc.freeze()  # else the first collection would walk every object made since the pause
        gc.enable()


@contextlib.contextmanager
def collector_paused():
    """No cyclic collection while a page builds its rows (tens of thousands of objects that all
    stay): at 10,000 actions the collector took a third of the plan page's opening (0.39 s against
    0.25 s without it, bench_startup.py). What those rows leave behind is collected afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
