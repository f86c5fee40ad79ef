"""The lines a person reads during a long check: what is being checked, bytes downloaded, one terminal row."""

from __future__ import annotations

from jupyter_safepip.core.model import Candidate
from jupyter_safepip.core.pipeline import _Inspected, _Pace
from jupyter_safepip.core.progress import ProgressEvent


def _candidate(name: str) -> Candidate:
    return Candidate(name, "1.0", f"https://files.invalid/{name}-1.0.whl", f"{name}-1.0-py3-none-any.whl", None, True, True)


def test_a_download_of_unknown_length_shows_its_bytes_until_it_is_complete():
    pace = _Pace(3)
    weights = _candidate("weights")
    received = pace.watcher(weights)
    received(1_500_000, None)  # a chunked response: no Content-Length
    line = pace.checking_line([weights])
    assert line.startswith("checking weights 1.0: 1.5 MB downloaded (0 of 3;"), line
    assert " of 1" not in line.split("(")[0] and "left" not in line
    received(2_000_000, 2_000_000)  # what the store says once the copy is done
    assert pace.checking_line([weights]).startswith("checking weights 1.0 (0 of 3;")


def test_the_heartbeat_names_two_packages_and_counts_the_rest_without_a_guess_of_time_left():
    pace = _Pace(10)
    pace.finished(_Inspected((), (), None, 12))
    running = [_candidate(n) for n in ("a", "b", "c", "d")]
    line = pace.checking_line(running)
    assert line.startswith("checking a 1.0; b 1.0; 2 more (1 of 10; 0.0 MB, 12 files read)"), line
    assert "left" not in line
    assert "left" in pace.checked_line(running[0])  # a finished package gives an estimate


def test_a_progress_line_fills_one_terminal_row_exactly():
    long = ProgressEvent("inspect", 3, 30, "checking torch 2.9.1: 412.0 MB of 905.3 MB downloaded; " * 4)
    row = long.line(80)
    assert len(row) == 79 and row.endswith("…") and row.startswith("[3/30] checking torch")
    short = ProgressEvent("inspect", 1, 2, "checked six 1.17")
    assert short.line(80) == "[1/2] checked six 1.17".ljust(79)  # blanks cover a longer row written before
