"""The ``emgfeedback`` entry point: a closed pipe ends quietly, any console encoding works."""

import os
import subprocess
import sys

from emgfeedback.cli import EXIT_BROKEN_PIPE


def _run(args, **kw):
    env = dict(os.environ, **kw.pop("env", {}))
    return subprocess.Popen([sys.executable, "-m", "emgfeedback.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, **kw)


def test_a_reader_that_stops_early_ends_the_command_quietly():
    # like `emgfeedback simulate --list | head -0`: the reader is gone before anything is written
    proc = _run(["simulate", "--list"])
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == EXIT_BROKEN_PIPE
    assert err == "", err


def test_a_console_that_cannot_show_the_minus_sign_gets_a_question_mark():
    # analyze's help says "glute max − lumbar ES": U+2212 has no cp1252 code
    proc = _run(["analyze", "--help"], env={"PYTHONIOENCODING": "cp1252"})
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    text = out.decode("cp1252")
    assert "glute max ? lumbar ES" in " ".join(text.split()) and "µV" in text
