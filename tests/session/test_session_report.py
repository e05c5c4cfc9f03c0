"""The session report names the MVC its %MVC values and gluteal-to-TFL index are relative to."""

from __future__ import annotations

import html as htmllib

from emgfeedback.session import write_session_report
from emgfeedback.simulation import simulate
from emgfeedback.storage.edf import write_edf

MVC = {"glute_max_left": 250.0, "glute_max_right": 240.0, "glute_med_left": 180.0, "glute_med_right": 170.0,
       "tfl_left": 200.0, "tfl_right": 210.0}


def _recording(tmp_path):
    rec = simulate("tfl-dominant-clamshell", duration_s=20.0, seed=0, ramp="fast")
    path = tmp_path / "P-0042_test.edf"
    write_edf(path, rec.data, rec.fs, list(rec.montage.labels))
    return path


def test_report_names_the_mvc_used_with_its_source(tmp_path) -> None:
    path = _recording(tmp_path)
    out = write_session_report(path, mvc_uv=MVC, mvc_note="MVC from 2026-11-12 (stored)")
    page = htmllib.unescape(out.read_text(encoding="utf-8"))
    assert "<h2>MVC used</h2>" in page
    assert "relative to: <b>MVC from 2026-11-12 (stored)</b>" in page
    assert "<td class=l>GMed L</td><td>180</td>" in page and "<td class=l>TFL R</td><td>210</td>" in page
    assert "No MVC (no %MVC) for ES L, ES R." in page  # channels without an MVC are named
    assert "gluteal-to-TFL index (%MVC of the MVC used, above)" in page


def test_report_without_mvc_says_there_is_none(tmp_path) -> None:
    out = write_session_report(_recording(tmp_path), out=tmp_path / "r.html")
    page = htmllib.unescape(out.read_text(encoding="utf-8"))
    assert "No MVC: amplitudes are in µV" in page and "<h2>MVC used</h2>" not in page


def test_report_given_mvc_without_a_source_says_so(tmp_path) -> None:
    out = write_session_report(_recording(tmp_path), mvc_uv=MVC)
    page = htmllib.unescape(out.read_text(encoding="utf-8"))
    assert "relative to: <b>an MVC whose source was not recorded</b>" in page
