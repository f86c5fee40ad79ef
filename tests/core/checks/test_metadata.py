"""Metadata checks: each rule fires on its case and stays quiet on a well-kept twin."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from jupyter_safepip.core.checks.metadata import RULES, MetadataThresholds, check_metadata, check_not_found, established
from jupyter_safepip.core.model import Candidate, ProjectInfo, Release, Severity, Vulnerability

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat().replace("+00:00", "Z")


WELL_KEPT = ProjectInfo(
    name="tidyframe",
    releases=(Release("1.0.0", ago(900)), Release("1.1.0", ago(400)), Release("1.2.0", ago(60))),
    status="active",
    summary="Tidy data frames",
    description="A long description of tidy data frames.",
    project_urls=(("Source", "https://github.com/example/tidyframe"), ("Docs", "https://tidyframe.example.org")),
    maintainers=("Example Maintainer",),
    vulnerabilities_known=True,
    has_json_api=True,
)


def rule_ids(info: ProjectInfo, version: str = "1.2.0", **kwargs) -> dict[str, Severity]:
    return {f.rule_id: f.severity for f in check_metadata(info, version, now=NOW, **kwargs)}


def test_a_well_kept_project_has_no_findings():
    assert check_metadata(WELL_KEPT, "1.2.0", now=NOW) == ()


@pytest.mark.parametrize(("status", "rule_id", "severity"), [
    ("quarantined", "meta.quarantined", Severity.CRITICAL),
    ("archived", "meta.archived", Severity.LOW),
    ("deprecated", "meta.deprecated", Severity.LOW),
])
def test_project_status(status, rule_id, severity):
    findings = check_metadata(replace(WELL_KEPT, status=status, status_reason="reported"), "1.2.0", now=NOW)
    assert [(f.rule_id, f.severity) for f in findings] == [(rule_id, severity)]
    assert findings[0].evidence[0].location == "project status" and "reported" in findings[0].message


def test_quarantine_status_is_read_case_insensitively():
    assert "meta.quarantined" in rule_ids(replace(WELL_KEPT, status="Quarantined"))


def test_yanked_release_chosen_but_not_its_unyanked_sibling():
    info = replace(WELL_KEPT, releases=(*WELL_KEPT.releases[:2], Release("1.2.0", ago(60), True, "broken build")))
    yanked = [f for f in check_metadata(info, "1.2.0", now=NOW) if f.rule_id == "meta.yanked"]
    assert yanked and yanked[0].severity is Severity.HIGH and "broken build" in yanked[0].message
    assert "meta.yanked" not in rule_ids(info, "1.1.0")


def test_known_vulnerability_names_the_fix():
    vuln = Vulnerability("PYSEC-2026-1", "remote code execution in the loader", ("1.2.1",))
    findings = [f for f in check_metadata(replace(WELL_KEPT, vulnerabilities=(vuln,)), "1.2.0", now=NOW)
                if f.rule_id == "meta.vulnerable"]
    assert [f.severity for f in findings] == [Severity.MEDIUM]  # warns: information, not malware
    assert "PYSEC-2026-1" in findings[0].message and "fixed in 1.2.1" in findings[0].message


def test_vulnerabilities_the_index_could_not_report_are_said_so():
    assert rule_ids(replace(WELL_KEPT, vulnerabilities_known=False)) == {"meta.vulnerabilities-unknown": Severity.INFO}


def test_new_project_single_release_without_links_or_description():
    fresh = ProjectInfo("freshpkg", (Release("0.1.0", ago(0.5)),), description="", has_json_api=True,
                        vulnerabilities_known=True)
    assert rule_ids(fresh, "0.1.0") == {
        "meta.new-project": Severity.MEDIUM,
        "meta.single-release": Severity.LOW,
        "meta.no-source-link": Severity.LOW,
        "meta.empty-description": Severity.LOW,
    }


def test_project_age_threshold_is_configurable():
    info = replace(WELL_KEPT, releases=(Release("1.0.0", ago(20)), Release("1.2.0", ago(10))))
    assert "meta.new-project" in rule_ids(info)
    assert "meta.new-project" not in rule_ids(info, thresholds=MetadataThresholds(new_project_days=14))


def test_established_means_long_on_the_index_with_several_releases():
    assert established(WELL_KEPT, now=NOW) == f"on the index since {ago(900)[:10]}, 3 releases"
    assert established(replace(WELL_KEPT, releases=WELL_KEPT.releases[:2]), now=NOW) is None  # two releases
    young = replace(WELL_KEPT, releases=tuple(replace(r, uploaded=ago(100)) for r in WELL_KEPT.releases))
    assert established(young, now=NOW) is None
    undated = replace(WELL_KEPT, releases=tuple(replace(r, uploaded=None) for r in WELL_KEPT.releases))
    assert established(undated, now=NOW) is None  # a simple-API index without dates proves nothing


def test_a_fresh_release_of_an_old_project():
    info = replace(WELL_KEPT, releases=(*WELL_KEPT.releases[:2], Release("1.2.0", ago(0.2))))
    assert rule_ids(info) == {"meta.new-release": Severity.LOW}
    assert rule_ids(info, "1.1.0") == {}


def test_a_homepage_is_not_a_source_link_but_a_repository_is():
    homepage_only = replace(WELL_KEPT, project_urls=(("Homepage", "https://tidyframe.example.org"),))
    assert "meta.no-source-link" in rule_ids(homepage_only)
    gitlab = replace(WELL_KEPT, project_urls=(("Code", "https://gitlab.com/example/tidyframe"),))
    assert "meta.no-source-link" not in rule_ids(gitlab)


def test_placeholder_description_counts_as_empty():
    assert "meta.empty-description" in rule_ids(replace(WELL_KEPT, description="UNKNOWN"))
    assert "meta.empty-description" in rule_ids(replace(WELL_KEPT, description=None))


PRIVATE = "https://packages.corp.example/simple"
ON_PRIVATE = replace(WELL_KEPT, index_url=PRIVATE, index_files=(("tidyframe-1.2.0-py3-none-any.whl", "aa" * 32),))


def chosen(url: str, sha256: str | None = "aa" * 32) -> Candidate:
    return Candidate("tidyframe", "1.2.0", url, url.rsplit("/", 1)[-1], sha256, True, True)


def test_a_file_the_first_index_does_not_serve_is_dependency_confusion():
    public = chosen("https://public.example/files/tidyframe-99.0-py3-none-any.whl", "bb" * 32)
    findings = check_metadata(ON_PRIVATE, "1.2.0", now=NOW, chosen=public)
    [finding] = [f for f in findings if f.rule_id == "meta.other-index"]
    assert finding.severity is Severity.HIGH
    assert "tidyframe-99.0-py3-none-any.whl from public.example" in finding.evidence[0].snippet
    assert PRIVATE in finding.evidence[0].snippet


def test_the_same_file_name_with_other_bytes_on_a_second_index_is_flagged_too():
    other_bytes = chosen("https://public.example/files/tidyframe-1.2.0-py3-none-any.whl", "bb" * 32)
    assert "meta.other-index" in rule_ids(ON_PRIVATE, chosen=other_bytes)


@pytest.mark.parametrize("url, sha256", [
    ("https://packages.corp.example/files/tidyframe-1.2.0-py3-none-any.whl", "aa" * 32),  # from the first index
    ("https://mirror.example/files/tidyframe-1.2.0-py3-none-any.whl", "aa" * 32),  # a mirror of the same file
    ("https://mirror.example/files/tidyframe-1.2.0-py3-none-any.whl", None),  # no hash reported: the name decides
    ("file:///home/me/wheels/tidyframe-99.0-py3-none-any.whl", "cc" * 32),  # a local file is the user's own choice
])
def test_files_the_first_index_serves_and_local_files_are_not_flagged(url, sha256):
    assert "meta.other-index" not in rule_ids(ON_PRIVATE, chosen=chosen(url, sha256))
    assert "meta.other-index" not in rule_ids(WELL_KEPT, chosen=chosen(url, sha256))  # index unknown: no claim


def test_simple_only_index_says_what_it_could_not_check_instead_of_flagging_it():
    plain = ProjectInfo("plainpkg", (Release("1.0.0", None), Release("1.1.0", None)))
    findings = check_metadata(plain, "1.1.0", now=NOW)
    assert [f.rule_id for f in findings] == ["meta.simple-index-only"]
    assert findings[0].severity is Severity.INFO and "upload dates" in findings[0].message
    dated = replace(plain, releases=(Release("1.0.0", ago(100)), Release("1.1.0", ago(3))))
    assert rule_ids(dated, "1.1.0") == {"meta.simple-index-only": Severity.INFO}


def test_naive_now_is_taken_as_utc():
    assert check_metadata(WELL_KEPT, "1.2.0", now=NOW.replace(tzinfo=None)) == ()


def test_not_found_suggests_the_popular_name():
    finding = check_not_found("reqeusts-x", "requests")
    assert (finding.rule_id, finding.severity, finding.suggestion) == ("meta.not-found", Severity.HIGH, "requests")
    assert "Did you mean 'requests'?" in finding.message
    assert "Did you mean" not in check_not_found("zzz-unheard-of", None).message


def test_every_rule_explains_itself():
    assert all(rule.explanation.endswith(".") and rule.id.startswith("meta.") for rule in RULES.values())
