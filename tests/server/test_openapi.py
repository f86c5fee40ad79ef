"""docs/api/openapi.yaml describes what the server really sends."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import yaml

from jupyter_safepip.config import effective_config
from jupyter_safepip.core.history import HistoryEntry
from jupyter_safepip.core.model import Candidate, Evidence, Finding, PackageReport, Report, Severity, Verdict
from jupyter_safepip.core.progress import ProgressEvent
from jupyter_safepip.core.report_json import report_to_dict
from jupyter_safepip.server.payloads import entry_to_dict, job_to_dict, policy_to_dict
from jupyter_safepip.server.service import KEEP_FINISHED_SECONDS, MAX_FINISHED_CHECKS, MAX_UNFINISHED_CHECKS, CheckJob

SPEC = yaml.safe_load((Path(__file__).parents[2] / "docs" / "api" / "openapi.yaml").read_text())
SCHEMAS = SPEC["components"]["schemas"]


def _required(name: str) -> set[str]:
    return set(SCHEMAS[name]["required"])


def test_the_paths_are_the_routes():
    from jupyter_safepip.server import handlers

    assert set(SPEC["paths"]) == {"/check", "/checks", "/checks/{id}", "/history", "/policy"}
    assert handlers.MAX_BODY_BYTES == 256 * 1024  # the 413 description says 256 KiB
    # The descriptions of POST checks and GET checks/{id} say 8 at a time, kept 10 minutes, the newest 100.
    assert (MAX_UNFINISHED_CHECKS, KEEP_FINISHED_SECONDS, MAX_FINISHED_CHECKS) == (8, 600, 100)


def test_report_fields_match():
    finding = Finding("r", Severity.LOW, "m", "p", (Evidence("f.py", 1, "x"),), "q")
    candidate = Candidate("p", "1", "u", "p-1.whl", None, True, True)
    data = report_to_dict(Report("pip install p", (PackageReport(candidate, (finding,), (), Verdict.ALLOW),), (), Verdict.ALLOW, True))
    assert set(data) == _required("Report")
    assert set(data["packages"][0]) == _required("PackageReport")
    assert set(data["packages"][0]["findings"][0]) == _required("Finding")
    assert set(data["packages"][0]["findings"][0]["evidence"][0]) == _required("Evidence")


def test_started_check_fields_match():
    running = SCHEMAS["CheckRunning"]
    assert job_to_dict(CheckJob()) == {"state": "running", "progress": None}
    data = job_to_dict(CheckJob(ProgressEvent("inspect", 1, 3, "checked p 1 (1 of 3; ...)")))
    assert set(data) == set(running["required"]) and data["state"] in running["properties"]["state"]["enum"]
    assert set(data["progress"]) == set(running["properties"]["progress"]["required"])
    assert data["progress"]["stage"] in running["properties"]["progress"]["properties"]["stage"]["enum"]
    done = job_to_dict(CheckJob(report=Report("pip install p", (), (), Verdict.ALLOW, True), finished_at=1.0))
    assert set(done) == _required("CheckDone") and set(done["report"]) == _required("Report")


def test_history_entry_fields_match():
    entry = HistoryEntry(1, datetime.now(timezone.utc), "c", "p", None, ("p",), Verdict.WARN, (), "checked", "cli", None, None)
    data = entry_to_dict(entry)
    assert set(data) == _required("HistoryEntry")
    assert data["decision"] in SCHEMAS["HistoryEntry"]["properties"]["decision"]["enum"]


def test_policy_fields_match():
    data = policy_to_dict(effective_config([]), "/h.sqlite")
    schema = SPEC["paths"]["/policy"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(data) == set(schema["required"])
    assert set(data["settings"][0]) == set(schema["properties"]["settings"]["items"]["required"])
