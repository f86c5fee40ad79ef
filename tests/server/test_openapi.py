"""docs/api/openapi.yaml describes what the server really sends."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import yaml

from jupyter_safepip.config import effective_config
from jupyter_safepip.core.history import HistoryEntry
from jupyter_safepip.core.model import Candidate, Evidence, Finding, PackageReport, Report, Severity, Verdict
from jupyter_safepip.core.report_json import report_to_dict
from jupyter_safepip.server.payloads import entry_to_dict, policy_to_dict

SPEC = yaml.safe_load((Path(__file__).parents[2] / "docs" / "api" / "openapi.yaml").read_text())
SCHEMAS = SPEC["components"]["schemas"]


def _required(name: str) -> set[str]:
    return set(SCHEMAS[name]["required"])


def test_the_paths_are_the_routes():
    from jupyter_safepip.server import handlers

    assert set(SPEC["paths"]) == {"/check", "/history", "/policy"}
    assert handlers.MAX_BODY_BYTES == 256 * 1024  # the 413 description says 256 KiB


def test_report_fields_match():
    finding = Finding("r", Severity.LOW, "m", "p", (Evidence("f.py", 1, "x"),), "q")
    candidate = Candidate("p", "1", "u", "p-1.whl", None, True, True)
    data = report_to_dict(Report("pip install p", (PackageReport(candidate, (finding,), (), Verdict.ALLOW),), (), Verdict.ALLOW, True))
    assert set(data) == _required("Report")
    assert set(data["packages"][0]) == _required("PackageReport")
    assert set(data["packages"][0]["findings"][0]) == _required("Finding")
    assert set(data["packages"][0]["findings"][0]["evidence"][0]) == _required("Evidence")


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
