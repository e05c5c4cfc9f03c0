"""The one overwrite policy: refuse an existing file (naming --force), replace with force,
write atomically through a temporary file in the same folder, owner-only (0600)."""

import os
import stat

import pytest

from emgfeedback.commands._outputs import atomic_output, check_output, write_output


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_check_output_refuses_an_existing_file_and_names_force(tmp_path):
    out = tmp_path / "reps.csv"
    out.write_text("old")
    with pytest.raises(ValueError, match=r"^--csv .*reps\.csv already exists; choose another name or add --force"):
        check_output(out, "--csv", force=False)
    assert check_output(out, "--csv", force=True) == out


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing" / "r.csv", r"--csv .*r\.csv: folder .*missing does not exist"),
    (lambda d: d, r"--csv .* is a folder; name a file"),
    (lambda d: d / "r.txt", r"--csv must end in \.csv, got .*r\.txt"),
])
def test_check_output_names_what_is_wrong(tmp_path, make, message):
    with pytest.raises(ValueError, match=message):
        check_output(make(tmp_path), "--csv", force=True, suffixes=(".csv",))


def test_check_output_refuses_a_dangling_symlink(tmp_path):
    link = tmp_path / "r.csv"
    link.symlink_to(tmp_path / "nowhere.csv")
    with pytest.raises(ValueError, match="already exists"):
        check_output(link, "--csv", force=False)


def test_write_output_is_owner_only_even_with_a_permissive_umask(tmp_path):
    old = os.umask(0o000)
    try:
        out = write_output(tmp_path / "a.json", "{}", force=False)
    finally:
        os.umask(old)
    assert out.read_text() == "{}" and _mode(out) == 0o600
    assert os.listdir(tmp_path) == ["a.json"]  # no temporary file left


def test_force_replaces_and_the_replacement_is_owner_only(tmp_path):
    out = tmp_path / "a.csv"
    out.write_text("old")
    os.chmod(out, 0o644)
    write_output(out, "new", force=True)
    assert out.read_text() == "new" and _mode(out) == 0o600


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    out = tmp_path / "a.csv"
    out.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_output(out, force=True) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk gone")
    assert out.read_text() == "old" and os.listdir(tmp_path) == ["a.csv"]


def test_the_writer_writes_beside_the_target_with_its_suffix(tmp_path):
    with atomic_output(tmp_path / "shot.png", force=False) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".png" and not tmp.exists()
        tmp.write_bytes(b"png")
    assert (tmp_path / "shot.png").read_bytes() == b"png"


def test_a_file_that_appears_during_the_work_is_not_replaced_without_force(tmp_path):
    out = tmp_path / "a.csv"
    with pytest.raises(FileExistsError, match=r"a\.csv already exists; add --force"):
        with atomic_output(out, force=False) as tmp:
            tmp.write_text("ours")
            out.write_text("theirs")  # another program created it meanwhile
    assert out.read_text() == "theirs" and os.listdir(tmp_path) == ["a.csv"]


def test_nothing_written_is_an_error(tmp_path):
    with pytest.raises(OSError, match="was not written"):
        with atomic_output(tmp_path / "a.csv", force=False):
            pass
    assert os.listdir(tmp_path) == []


def test_any_writer_s_file_ends_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_output(tmp_path / "a.csv", force=False) as tmp:
            tmp.write_text("x")  # an ordinary writer: 0644 under this umask
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a.csv") == 0o600
