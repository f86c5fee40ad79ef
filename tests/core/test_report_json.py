"""The report's JSON schema: versioned, labels not numbers, and it round-trips."""

import json

from jupyter_safepip.core.model import Candidate, CheckError, Evidence, Finding, PackageReport, Report, Severity, Verdict
from jupyter_safepip.core.report_json import report_from_dict, report_to_dict
from jupyter_safepip.text_report import render_text

FINDING = Finding("name.typo", Severity.HIGH, "looks like requests", "reqeusts", (Evidence("name", None, "reqeusts vs requests"),), "requests")
REPORT = Report(
    command="pip install reqeusts",
    packages=(PackageReport(Candidate("reqeusts", "1.0", "http://127.0.0.1/r.whl", "r.whl", "ab" * 32, True, True), (FINDING,), (CheckError("metadata", "timed out", "reqeusts"),), Verdict.BLOCK, ("a high finding",)),),
    errors=(),
    verdict=Verdict.BLOCK,
    install_anyway_allowed=True,
)


def test_round_trip_through_json_text():
    data = json.loads(json.dumps(report_to_dict(REPORT)))
    assert data["verdict"] == "block" and data["packages"][0]["findings"][0]["severity"] == "high"
    assert data["schema_version"] == 1 and data["could_not_check"] is True
    assert report_from_dict(data) == REPORT


def test_text_report_shows_verdict_suggestion_and_what_was_not_checked():
    text = render_text(REPORT)
    assert "reqeusts" in text and "did you mean requests?" in text
    assert "could not check (metadata): timed out" in text
    assert "verdict: BLOCK" in text
    assert "\033[" not in text and "\033[" in render_text(REPORT, colour=True)


def test_a_suggestion_the_message_already_makes_is_not_repeated():
    said = Finding("name.typo", Severity.HIGH, "Did you mean 'requests'?", "reqeusts", (), "requests")
    report = Report("pip install reqeusts", (PackageReport(REPORT.packages[0].candidate, (said,), (), Verdict.BLOCK),),
                    (), Verdict.BLOCK, True)
    assert render_text(report).lower().count("did you mean") == 1

