"""The cycle collector is off while archives are analysed and comes back as it was."""

from __future__ import annotations

import gc
import threading

import pytest

from jupyter_safepip.core import cycle_collection


@pytest.fixture(autouse=True)
def collector_restored():
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def test_off_during_the_block_and_back_after():
    gc.enable()
    with cycle_collection.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_back_after_an_exception():
    gc.enable()
    with pytest.raises(RuntimeError), cycle_collection.paused():
        raise RuntimeError("scan failed")
    assert gc.isenabled()


def test_left_off_when_it_was_off_before():
    gc.disable()
    with cycle_collection.paused():
        pass
    assert not gc.isenabled()


def test_overlapping_scans_share_one_pause():
    gc.enable()
    first_in, second_out = threading.Event(), threading.Event()
    seen: list[bool] = []

    def long_scan() -> None:
        with cycle_collection.paused():
            first_in.set()
            second_out.wait(timeout=30)
            seen.append(gc.isenabled())

    worker = threading.Thread(target=long_scan)
    worker.start()
    assert first_in.wait(timeout=30)
    with cycle_collection.paused():
        pass
    seen.append(gc.isenabled())  # the other scan is still running
    second_out.set()
    worker.join(timeout=30)
    assert seen == [False, False]
    assert gc.isenabled()


def test_an_archive_scan_runs_with_the_collector_off(tmp_path, monkeypatch):
    from jupyter_safepip.core.checks import archive

    states: list[bool] = []
    real = archive.reach.layout_of
    monkeypatch.setattr(archive.reach, "layout_of", lambda by_name: (states.append(gc.isenabled()), real(by_name))[1])
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("VALUE = 1\n")
    gc.enable()
    archive.scan_directory(tmp_path / "pkg")
    assert states == [False]
    assert gc.isenabled()
