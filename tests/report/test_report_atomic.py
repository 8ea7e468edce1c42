"""write_atomic: all or nothing, never a stray temp file, a clear error for a bad path."""

from __future__ import annotations

import os
import stat

import pytest

from policy_engine.errors import UsageError
from policy_engine.report import render, write_atomic


def test_writes_and_replaces(tmp_path, fail_verdict):
    target = tmp_path / "report.sarif"
    write_atomic(target, "old\n")
    text = render(fail_verdict, "sarif")
    write_atomic(target, text)
    assert target.read_text(encoding="utf-8") == text
    assert os.listdir(tmp_path) == ["report.sarif"]


def test_new_files_get_ordinary_permissions_and_existing_ones_keep_theirs(tmp_path):
    fresh = tmp_path / "fresh.json"
    write_atomic(fresh, "{}\n")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
    kept = tmp_path / "kept.json"
    kept.write_text("x")
    kept.chmod(0o640)
    write_atomic(kept, "y")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640


def test_rendering_failure_leaves_the_old_report(tmp_path, fail_verdict, monkeypatch):
    target = tmp_path / "report.xml"
    write_atomic(target, "previous report\n")

    def broken(*_args, **_kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr("policy_engine.report.junit._details", broken)
    with pytest.raises(RuntimeError):
        write_atomic(target, render(fail_verdict, "junit"))
    assert target.read_text() == "previous report\n"
    assert os.listdir(tmp_path) == ["report.xml"]


@pytest.mark.parametrize("exc", [KeyboardInterrupt, OSError(28, "No space left on device")])
def test_interrupt_or_disk_error_mid_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch, exc):
    target = tmp_path / "report.json"
    write_atomic(target, "previous\n")

    def fail_fsync(_fd):
        raise exc

    monkeypatch.setattr(os, "fsync", fail_fsync)
    with pytest.raises(KeyboardInterrupt if exc is KeyboardInterrupt else UsageError) as err:
        write_atomic(target, "new report that must not appear\n" * 1000)
    if exc is not KeyboardInterrupt:
        assert "No space left on device" in err.value.message and str(target) in err.value.message
    assert target.read_text() == "previous\n"
    assert os.listdir(tmp_path) == ["report.json"]


def test_missing_directory_is_a_usage_error_naming_the_path(tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "report.md"
    with pytest.raises(UsageError) as err:
        write_atomic(target, "text")
    assert str(target) in err.value.message and "exists" in err.value.hint
