"""Persistence: ways for code to start again later without being asked."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .base import Hit
from ..analysis.source import Source, shorten

PERSISTENCE = re.compile(
    r"\bcrontab\s+-|\|\s*crontab\b|/etc/cron|/var/spool/cron|[/\\]\.(?:bashrc|zshrc|bash_profile|profile|zprofile|bash_login)\b|"
    r"Start Menu[/\\]+Programs[/\\]+Startup|CurrentVersion[/\\]+Run(?:Once)?\b|/etc/systemd/system|"
    r"\.config/systemd/user|systemctl\s+(?:--user\s+)?enable|LaunchAgents|LaunchDaemons|schtasks\s+/create|"
    r"/etc/rc\.local|\.config/autostart|/etc/init\.d/",
    re.IGNORECASE,
)


def match(source: Source) -> Iterator[Hit]:
    for literal in source.literals_matching(PERSISTENCE):
        yield Hit("persistence", source.path, literal.line, shorten(literal.value), literal.scope)
        return
