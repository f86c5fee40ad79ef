"""Typo-squat name checks: each technique with a positive case and a benign twin."""

from __future__ import annotations

import csv
import subprocess
import sys
from importlib import resources

import pytest

from jupyter_safepip.core.checks import names
from jupyter_safepip.core.model import Severity


def rule_ids(name: str) -> list[str]:
    return [f.rule_id for f in names.check_name(name)]


def only(name: str):
    found = [f for f in names.check_name(name) if f.suggestion]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("typed", "target", "words"),
    [
        ("reqeusts", "requests", "swapped"),  # transposition
        ("requessts", "requests", "doubled"),  # doubled letter
        ("reqests", "requests", "left out"),  # omitted letter
        ("requedts", "requests", "neighbouring key"),  # s -> d on the keyboard
        ("numoy", "numpy", "neighbouring key"),
        ("matplotlb", "matplotlib", "left out"),
        ("beautifulsop4", "beautifulsoup4", "left out"),
        ("pandsa", "pandas", "swapped"),
    ],
)
def test_typos_are_flagged_with_the_target_and_how_they_differ(typed, target, words):
    finding = only(typed)
    assert finding.rule_id == "name.typo"
    assert finding.severity == Severity.HIGH
    assert finding.suggestion == target
    assert finding.package == typed
    assert words in finding.evidence[0].snippet
    assert finding.evidence[0].location == "name"
    assert f"Did you mean '{target}'" in finding.message


@pytest.mark.parametrize(
    "benign",
    [
        "requests-oauthlib",  # popular, resembles requests
        "aiofiles",  # popular, one letter from aiofile
        "pandas-stubs",
        "request-tracker-util",  # different words, not a slip of the fingers
        "nuclear",  # same length as numpy-ish names, nothing alike
        "tree-sitter-foo",  # a whole word added to a popular name is another project
        "langchain-xyz",  # shares a prefix; the differing word is not a typo of another project's
    ],
)
def test_benign_twins_are_not_typos(benign):
    assert "name.typo" not in rule_ids(benign)


def test_short_names_need_a_typo_like_edit_unless_the_target_is_at_the_very_top():
    snap = names.Snapshot.build([("tqdm", 1), ("zstd", names.TOP + 1)], frozenset(), {})
    assert [f.suggestion for f in names.check_against("tqdx", snap)] == ["tqdm"]  # any one edit near the top
    assert [f.suggestion for f in names.check_against("ztsd", snap)] == ["zstd"]  # swapped letters
    assert names.check_against("zytd", snap) == ()  # one unrelated letter in a short, less popular name


def test_separator_variants():
    finding = only("scikitlearn")
    assert (finding.rule_id, finding.suggestion) == ("name.separator", "scikit-learn")
    assert names.check_name("scikit_learn") == ()  # pip reads it as scikit-learn itself


def test_homoglyphs():
    assert (only("rnatplotlib").rule_id, only("rnatplotlib").suggestion) == ("name.homoglyph", "matplotlib")
    assert only("c1ick").suggestion == "click"
    assert only("b0to3").suggestion == "boto3"
    assert "name.homoglyph" not in rule_ids("marmot-plotlib")


@pytest.mark.parametrize(
    ("typed", "target"),
    [("python-requests", "requests"), ("colorama-py", "colorama"), ("pynumpy", "numpy"), ("requests-2022", "requests")],
)
def test_affixes(typed, target):
    finding = only(typed)
    assert (finding.rule_id, finding.suggestion) == ("name.affix", target)
    assert finding.severity == Severity.MEDIUM


def test_affix_benign_twin():
    assert names.check_name("pyworkload") == ()  # 'py' + a word that is no popular project


@pytest.mark.parametrize(
    ("typed", "target"),
    [
        ("requests-api", "requests"),
        ("new-requests-module", "requests"),
        ("2022-requests", "requests"),
        ("advenced-requests", "requests"),  # a misspelt generic word
        ("matplotlib-requests", "requests"),  # two famous names: the more popular one is suggested
        ("numpy-utils-v2", "numpy"),
    ],
)
def test_combos(typed, target):
    finding = only(typed)
    assert (finding.rule_id, finding.suggestion) == ("name.combo", target)


@pytest.mark.parametrize("benign", ["requests-cache-sqlite-backend-foo", "numpy-financial-xyz", "my-flask-blog"])
def test_combo_benign_twins(benign):
    assert "name.combo" not in rule_ids(benign)


@pytest.mark.parametrize(
    ("typed", "target", "how"),
    [
        ("celery-routing", "celery", "'routing' added"),  # a famous name used as a word of a longer one
        ("nunpyy", "numpy", "'y' doubled"),  # one edit more than a typo allows
    ],
)
def test_looser_likeness_is_only_a_hint(typed, target, how):
    finding = only(typed)
    assert (finding.rule_id, finding.severity, finding.suggestion) == ("name.resembles", Severity.INFO, target)
    assert how in finding.evidence[0].snippet and f"did you mean '{target}'" in finding.message


def test_resemblance_is_kept_to_the_best_known_names_and_to_a_third_of_the_letters():
    snap = names.Snapshot.build([("celery", 1), ("zstd", 2), ("obscurelib", names.RESEMBLE_TARGETS + 1)], frozenset(), {})
    assert [f.rule_id for f in names.check_against("celery-routing", snap)] == ["name.resembles"]
    assert names.check_against("obscurelib-routing", snap) == ()  # not one of the best-known names
    assert names.check_against("nuclear", snap) == ()  # three of six letters changed from 'celery'
    assert names.check_against("zs", snap) == ()  # too short to resemble anything
    assert names.check_against("zqtw", snap) == ()  # two unrelated letters, no slip of the fingers


def test_a_resemblance_suggests_a_closer_popular_name_when_there_is_one():
    near_and_less_known = ("colored", names.RESEMBLE_TARGETS + 500)  # two edits from coloriv: no typo of it
    snap = names.Snapshot.build([("colorama", 1), near_and_less_known], frozenset(), {})
    (finding,) = names.check_against("coloriv", snap)  # three edits from colorama: a resemblance
    assert (finding.rule_id, finding.suggestion) == ("name.resembles", "colored")
    assert finding.evidence[0].snippet.startswith("coloriv vs colored:")
    (finding,) = names.check_against("coloriv", names.Snapshot.build([("colorama", 1)], frozenset(), {}))
    assert finding.suggestion == "colorama"


def test_stdlib_shadow():
    (finding,) = names.check_name("subprocess")
    assert finding.rule_id == "name.stdlib-shadow"
    assert finding.suggestion is None
    assert "standard-library" in finding.message
    assert names.check_name("typing") == ()  # a popular backport on the index: known, not flagged
    assert names.check_name("subprocess-tee-xyz") == ()


def test_stdlib_shadow_and_typo_together_most_severe_first():
    found = names.check_name("urllib")
    assert [f.rule_id for f in found] == ["name.typo", "name.stdlib-shadow"]
    assert found[0].suggestion == "urllib3"


def test_alias_import_names():
    finding = only("cv2")
    assert (finding.rule_id, finding.suggestion) == ("name.alias", "opencv-python")
    assert only("pytorhc").suggestion == "torch"  # a typo of the everyday name


def test_popular_names_are_never_flagged():
    with resources.files("jupyter_safepip.data").joinpath("popular.csv").open(encoding="utf-8") as handle:
        popular = [row["name"] for row in csv.DictReader(handle)]
    assert len(popular) > 10_000
    assert [n for n in popular if names.check_name(n)] == []
    assert all(names.is_popular(n) for n in popular[:100])


def test_normalisation():
    assert names.is_popular("Requests") and names.is_popular("Typing_Extensions") and names.is_popular("zope.interface")
    (finding,) = names.check_name("Requests_API")
    assert finding.package == "requests-api"
    assert names.check_name("Requests_API") == names.check_name("requests.api")


@pytest.mark.parametrize("garbage", ["", "   ", "requests!", "two words", "-leading", "ümlaut"])
def test_garbage_raises_a_clear_value_error(garbage):
    with pytest.raises(ValueError, match="not a valid project name"):
        names.check_name(garbage)
    assert names.suggest(garbage) is None
    assert names.is_popular(garbage) is False


def test_suggest_is_looser_than_check_name():
    assert names.suggest("reqeusts") == "requests"
    assert names.check_name("matplotlibxyz") == ()
    assert names.suggest("matplotlibxyz") == "matplotlib"
    assert names.suggest("requests") is None
    assert names.suggest("os") is None
    assert names.suggest("zzqqxxwv-nothing-like-it") is None


def test_rule_table_is_complete():
    assert {"name.typo", "name.separator", "name.homoglyph", "name.affix", "name.combo", "name.stdlib-shadow"} <= set(names.RULES)
    assert all(rule.explanation.endswith(".") for rule in names.RULES.values())


def test_snapshot_command_regenerates_the_shipped_list(tmp_path):
    source = tmp_path / "ranked.csv"
    source.write_text("name,rank\nRequests,2\nnumpy,1\nrequests,5\n", encoding="utf-8")
    out = tmp_path / "popular.csv"
    done = subprocess.run(
        [sys.executable, "-m", "jupyter_safepip.core.popular_snapshot", "--from", str(source), "--out", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == "name,rank\nnumpy,1\nrequests,2\n"


def test_snapshot_command_rejects_a_bad_csv(tmp_path):
    source = tmp_path / "ranked.csv"
    source.write_text("project,downloads\nnumpy,1\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "jupyter_safepip.core.popular_snapshot", "--from", str(source), "--out", str(tmp_path / "x.csv")],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 2
    assert "expected a CSV with 'name' and 'rank' columns" in done.stderr
    assert "Traceback" not in done.stderr


# Projects every Python user knows: the shipped snapshot must rank them, and none may look like a squat.
HOUSEHOLD_NAMES = (
    "pip", "setuptools", "wheel", "numpy", "pandas", "requests", "urllib3", "pytest", "platformdirs", "poetry",
    "playwright", "torch", "tensorflow", "scikit-learn", "scipy", "matplotlib", "jupyterlab", "notebook", "ipython",
    "ipykernel", "django", "flask", "fastapi", "pydantic", "sqlalchemy", "boto3", "pyyaml", "click", "rich",
    "black", "ruff", "mypy", "tox", "virtualenv", "packaging", "six", "attrs", "cryptography", "pillow", "transformers",
    "tqdm", "httpx", "aiohttp", "jinja2", "uvicorn", "celery", "redis", "selenium", "beautifulsoup4", "openai",
)


def test_the_shipped_snapshot_ranks_the_projects_everyone_knows():
    ranked = {row["name"] for row in csv.DictReader(resources.files("jupyter_safepip.data").joinpath("popular.csv").open())}
    missing = [name for name in HOUSEHOLD_NAMES if name not in ranked]
    assert not missing, f"the popular snapshot lost {missing}: regenerate it (python -m jupyter_safepip.core.popular_snapshot)"


@pytest.mark.parametrize("name", HOUSEHOLD_NAMES)
def test_household_names_get_no_name_finding(name):
    assert rule_ids(name) == []
