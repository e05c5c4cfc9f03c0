"""emgfeedback analyze FILE --report OUT.pdf: the handover report from the session database when it
knows the recording's patient, else a PDF of what the recording holds; overwrite policy, 0600,
clinic.toml errors in one line."""

import datetime as dt
import io
import re
import stat

import pytest
from PIL import Image
from pypdf import PdfReader

from emgfeedback.cli import main
from emgfeedback.simulation import simulate
from emgfeedback.storage import SessionDatabase, truth_annotations, write_edf


@pytest.fixture(scope="module")
def edf(tmp_path_factory):
    rec = simulate("lbp-lumbar-first", ramp="fast")
    path = tmp_path_factory.mktemp("handover") / "P-0042_visit2.edf"
    write_edf(path, rec.data, rec.fs, rec.montage.labels, truth_annotations(rec.truth, rec.montage),
              patient_code="P-0042", start=dt.datetime(2026, 3, 9, 10, 0))
    return path


def _text(path) -> str:
    return re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages))


def _run(capsys, *argv):
    code = main(["analyze", *map(str, argv), "--no-cache"])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_pdf_without_a_database_holds_what_the_recording_holds(edf, tmp_path, capsys):
    out = tmp_path / "report.pdf"
    code, stdout, _ = _run(capsys, edf, "--report", out)
    assert code == 0 and f"wrote {out} (handover report)" in stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = _text(out)
    for s in ("Patient P-0042", "visit date 2026-03-09", "No session database", "Measured",
              "P-0042_visit2.edf: glute max − lower back timing, left (median)"):
        assert s in text, s
    assert not re.search(r"\b(glute_max|lumbar_es|glute_med)_(left|right)\b", text)


def test_an_existing_report_is_refused_without_force(edf, tmp_path, capsys):
    out = tmp_path / "report.pdf"
    out.write_bytes(b"keep me")
    code, _, err = _run(capsys, edf, "--report", out)
    assert code == 2 and out.read_bytes() == b"keep me"
    assert err.strip() == (f"emgfeedback analyze: error: --report {out} already exists; choose another name "
                           "or add --force to replace it")
    assert _run(capsys, edf, "--report", out, "--force")[0] == 0
    assert out.read_bytes().startswith(b"%PDF-")


def test_the_database_makes_it_the_handover_of_the_visit(edf, tmp_path, capsys):
    db_path = tmp_path / "sessions.sqlite3"
    with SessionDatabase(db_path) as db:
        for day, lat in ((2, 60.0), (9, 20.0), (16, -30.0)):  # the recording is the visit of the 9th
            sid = db.start_session("P-0042", started_at=dt.datetime(2026, 3, day, 9, 0))
            db.add_session_protocol(sid, "prone_hip_extension")
            for i in range(6):
                db.add_rep(sid, i, i * 4.0, i * 4.0 + 2, protocol="prone_hip_extension", rep_number=i + 1,
                           sides={"left": {"gmax_minus_es_ms": lat}, "right": {"gmax_minus_es_ms": lat}})
            if day == 9:
                db.add_recording(sid, edf, 2000.0, 30.0)
                db.set_session_notes(sid, pain=3, text="first session with the new cue")
    out = tmp_path / "visit.pdf"
    code, _, err = _run(capsys, edf, "--report", out, "--db", db_path)
    assert code == 0, err
    text = _text(out)
    for s in ("visit 2 of 2", "Compared with earlier visits", "first session with the new cue", "not yet",
              "glute max fired before the lower back in 0 of 6 reps on the left"):
        assert s in text, s
    html = tmp_path / "visit.html"  # the same report as HTML
    assert _run(capsys, edf, "--report", html, "--db", db_path)[0] == 0
    assert "visit 2 of 2" in html.read_text(encoding="utf-8")


def test_without_a_database_html_stays_the_analysis_report(edf, tmp_path, capsys):
    html = tmp_path / "trial.html"
    assert _run(capsys, edf, "--report", html)[0] == 0
    assert "emgfeedback trial report" in html.read_text(encoding="utf-8")


def test_clinic_name_and_logo_come_from_clinic_toml(edf, tmp_path, capsys):
    Image.new("RGB", (90, 30), (20, 60, 90)).save(tmp_path / "logo.png")
    (tmp_path / "clinic.toml").write_text('name = "Hip & Back Physio"\nlogo = "logo.png"\n', encoding="utf-8")
    out = tmp_path / "c.pdf"
    assert _run(capsys, edf, "--report", out, "--clinic", tmp_path / "clinic.toml")[0] == 0
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    assert "Hip & Back Physio" in reader.pages[0].extract_text() and len(reader.pages[0].images) == 1


@pytest.mark.parametrize("toml,why", [
    ('name = "A"\nlogo = "nothere.png"\n', "key 'logo': file .*nothere.png not found"),
    ('name = "A"\nlogo = "fake.png"\n', "key 'logo': .*fake.png is not a PNG image; save the logo as .png"),
    ('nmae = "A"\n', "key 'nmae': unknown key"),
])
def test_a_bad_clinic_file_is_one_line_before_any_analysis(edf, tmp_path, capsys, toml, why):
    (tmp_path / "fake.png").write_bytes(b"\xff\xd8\xff\xe0 a jpeg")
    (tmp_path / "clinic.toml").write_text(toml, encoding="utf-8")
    out = tmp_path / "r.pdf"
    code, stdout, err = _run(capsys, edf, "--report", out, "--clinic", tmp_path / "clinic.toml")
    assert code == 2 and not out.exists() and stdout == ""  # nothing analysed
    assert len(err.strip().splitlines()) == 1 and re.search(why, err) and "Traceback" not in err


def test_clinic_without_report_and_missing_database_are_one_line(edf, tmp_path, capsys):
    code, _, err = _run(capsys, edf, "--clinic", tmp_path / "c.toml")
    assert code == 2 and "give --report OUT.pdf (or .html) too" in err
    code, stdout, err = _run(capsys, edf, "--report", tmp_path / "r.pdf", "--db", tmp_path / "none.sqlite3")
    assert code == 2 and err.strip().endswith("give --db PATH or set EMGFEEDBACK_DB") and stdout == ""
    assert _run(capsys, edf, "--report", tmp_path / "r.docx")[2].strip().endswith(
        f"--report must end in .html, .htm or .pdf, got {tmp_path / 'r.docx'}")
