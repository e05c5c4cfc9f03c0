"""clinic.toml: name, address and PNG logo, with one-line errors naming the file and key."""

import io

import pytest
from PIL import Image

from emgfeedback.calibration.clinic import MAX_LOGO_BYTES, default_clinic_path, find_clinic, load_clinic
from emgfeedback.errors import ConfigError


def _png(path, size=(60, 20)):
    Image.new("RGB", size, (10, 80, 120)).save(path, format="PNG")
    return path


def _toml(tmp_path, text):
    p = tmp_path / "clinic.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_reads_name_address_and_logo_relative_to_the_file(tmp_path):
    logo = _png(tmp_path / "logo.png")
    c = load_clinic(_toml(tmp_path, 'name = "Hip & Back"\naddress = "12 Example St"\nlogo = "logo.png"\n'))
    assert (c.name, c.address, c.logo_png) == ("Hip & Back", "12 Example St", logo.read_bytes())
    assert load_clinic(_toml(tmp_path, 'name = "Only a name"\n')).logo_png is None


@pytest.mark.parametrize("text,match", [
    ('address = "x"\n', r"key 'name': missing; expected text"),
    ('name = ""\n', r"key 'name': expected non-empty text"),
    ('name = "A"\nlogos = "x.png"\n', r"key 'logos': unknown key; expected one of: name, address, logo"),
    ('name = "A"\nlogo = "missing.png"\n', r"key 'logo': file .*missing.png not found"),
    ('name = "A"\nlogo = "fake.png"\n', r"key 'logo': .*fake.png is not a PNG image"),
    ('name = "A"\nlogo = "broken.png"\n', r"key 'logo': .*broken.png is a damaged PNG"),
    ('name = "A"\nlogo = "huge.png"\n', r"key 'logo': .*huge.png is 2.1 MB; use a PNG under 2 MB"),
    ('name = "A\n', r"not valid TOML"),
])
def test_bad_files_give_one_line(tmp_path, text, match):
    (tmp_path / "fake.png").write_bytes(b"GIF89a not a png")
    good = io.BytesIO()
    Image.new("RGB", (40, 40)).save(good, format="PNG")
    (tmp_path / "broken.png").write_bytes(good.getvalue()[:-20])  # header intact, image data cut
    (tmp_path / "huge.png").write_bytes(good.getvalue() + b"\0" * (MAX_LOGO_BYTES + 100_000))
    with pytest.raises(ConfigError, match=match) as err:
        load_clinic(_toml(tmp_path, text))
    assert "\n" not in str(err.value) and str(tmp_path / "clinic.toml") in str(err.value)


def test_a_logo_too_large_in_pixels_is_refused(tmp_path):
    _png(tmp_path / "wide.png", (4100, 10))
    with pytest.raises(ConfigError, match=r"is 4100×10 pixels; use at most 4000 per side"):
        load_clinic(_toml(tmp_path, 'name = "A"\nlogo = "wide.png"\n'))


def test_the_default_file_is_optional_an_explicit_one_is_not(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_clinic_path() == tmp_path / "emgfeedback" / "clinic.toml"
    assert find_clinic() is None
    (tmp_path / "emgfeedback").mkdir()
    (tmp_path / "emgfeedback" / "clinic.toml").write_text('name = "Default clinic"\n', encoding="utf-8")
    assert find_clinic().name == "Default clinic"
    with pytest.raises(ConfigError, match=r"nothere.toml: file not found"):
        find_clinic(tmp_path / "nothere.toml")
