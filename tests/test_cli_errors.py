"""What a command does when things go wrong that are not the user's input: a reader that closes the
pipe early, a bug. One line for the user, the traceback in the log file, never on screen."""

from __future__ import annotations

import os
import subprocess
import sys

from clinicguard import cli
from clinicguard.core.logs import LOG_FILE, log_dir
from tests.conftest import MANAGER_SECRET


def test_a_pipe_closed_early_ends_the_command_without_a_traceback(workspace, tmp_path):
    workspace.close()
    env = dict(os.environ, CLINICGUARD_PROFILE_SECRET=MANAGER_SECRET)
    # `clinicguard status --json | true`: the reader is gone before the command writes a byte.
    child = subprocess.Popen([sys.executable, "-m", "clinicguard", "status", "--json", "--data-dir",
                              str(workspace.data_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    child.stdout.close()
    err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 1
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_an_unexpected_error_is_one_line_on_screen_and_a_traceback_in_the_log(workspace, monkeypatch, capsys):
    workspace.close()

    def broken(ws):
        raise RuntimeError("a bug in the status summary")

    monkeypatch.setattr(cli.clinic, "status_object", broken)
    assert cli.main(["status", "--data-dir", str(workspace.data_dir)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "RuntimeError" in err and "Traceback" not in err
    assert "rien de ce qui était enregistré n'a été perdu" in err
    log = (log_dir() / LOG_FILE).read_text(encoding="utf-8")
    assert "Traceback" in log and "a bug in the status summary" in log
    assert MANAGER_SECRET not in log
