"""The HTML report: one self-contained, printable file with the plots."""

import re

import pytest

from emgfeedback.analysis import analyze_trial
from emgfeedback.analysis.report import render_report, write_report


def _external_refs(html: str) -> list[str]:
    return re.findall(r"""(?:src|href|xlink:href)\s*=\s*["']?(?!#|data:)[^"'\s>]+""", html, re.I)


def test_report_is_one_self_contained_file_with_every_plot(trial, tmp_path):
    _, clam = trial("tfl-dominant-clamshell")
    _, lbp = trial("lbp-lumbar-first")
    path = write_report([clam, lbp], tmp_path / "r.html")
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert _external_refs(html) == []
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert "@media print" in html and "page-break" in html
    titles = re.findall(r'font-weight="bold">([^<]*)<', html)
    for want in ("Whole trial: envelopes", "Rep 1: sEMG", "Firing order, left side", "Firing order, right side",
                 "TFL / glute med ratio per rep", "Left/right symmetry index", "Median frequency"):
        assert any(t.startswith(want) for t in titles), want
    assert html.count("<section") == 2
    # clamshell: no symmetry plot (one-sided reps have no symmetry); lbp: no ratio plot (TFL, GMed rest)
    assert html.count("<svg") == 6 + 6


def test_report_escapes_file_names(trial):
    rec, _ = trial("healthy")
    res = analyze_trial(rec.data, rec.fs, rec.montage, source="<script>alert(1)</script>.edf")
    html = render_report([res])
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_report_of_a_non_glute_recording_says_what_is_missing(trial):
    rec, _ = trial("healthy")
    res = analyze_trial(rec.data[:4], rec.fs, ["RF", "BF", "VM", "ST"], source="uci.txt")
    html = render_report([res])
    assert "Firing order" not in html and "need channels labelled GMax L" in html
    assert html.count("<svg") >= 3


def test_empty_report_is_refused():
    with pytest.raises(ValueError, match="results must hold at least one analysed trial"):
        render_report([])


def test_written_report_is_owner_only(trial, tmp_path):
    import stat

    _, lbp = trial("lbp-lumbar-first")
    (tmp_path / "r.html").write_text("old")
    (tmp_path / "r.html").chmod(0o644)
    path = write_report([lbp], tmp_path / "r.html")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text(encoding="utf-8").startswith("<!DOCTYPE")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]
