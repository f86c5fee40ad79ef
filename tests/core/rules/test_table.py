"""The rule table is complete and every id a matcher can emit is in it."""

from __future__ import annotations

import re
from pathlib import Path

from jupyter_safepip.core.rules import table

RULES_DIR = Path(table.__file__).parent


def test_every_emitted_rule_id_is_in_the_table() -> None:
    emitted = set()
    for source in RULES_DIR.glob("*.py"):
        emitted |= set(re.findall(r'Hit\(\s*"([a-z0-9-]+)"', source.read_text()))
        emitted |= set(re.findall(r'\(\s*"((?:secrets|network)-[a-z-]+)",\s*[A-Z]', source.read_text()))
    assert emitted and emitted <= set(table.RULES)


def test_rules_are_well_formed() -> None:
    for rule in table.RULES.values():
        assert rule.library <= rule.install, rule.id
        assert rule.explanation.endswith(".") and len(rule.explanation) < 160, rule.id
        assert rule.id.split("-")[0] in {"archive", "install", "obfuscation", "network", "shell", "secrets", "persistence", "binary", "metadata", "combined"}
