"""emgfeedback bench: out-of-range numbers are one line before any benchmark runs."""

import pytest

from emgfeedback.cli import main


@pytest.mark.parametrize("argv, message", [
    (["bench", "--duration", "1e308"], "--duration must be a finite number s > 0 and ≤ 3600, got 1e+308"),
    (["bench", "--duration", "nan"], "--duration must be a finite number s > 0 and ≤ 3600, got nan"),
    (["bench", "--accuracy", "--seeds", "100000000000000000000"], "--seeds must be a whole number ≥ 1 and ≤ 1000"),
    (["bench", "--accuracy", "--seeds", "0"], "--seeds must be a whole number ≥ 1 and ≤ 1000, got 0"),
])
def test_out_of_range_numbers_are_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
