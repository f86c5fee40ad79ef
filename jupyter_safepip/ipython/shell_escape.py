"""Turn `!pip install ...` (and its spellings) into the guarded `%safepip install ...`; other `!` lines are untouched."""

from __future__ import annotations

import re

# !pip install, !pip3 install, !python -m pip install, !python3 -m pip install, !{sys.executable} -m pip install,
# and the same with an absolute interpreter path.
_PIP_INSTALL = re.compile(
    r"^(?P<indent>\s*)!{1,2}\s*"
    r"(?:pip3?(?:\.\d+)?|(?:\S*/)?python(?:\d(?:\.\d+)?)?\s+-m\s+pip|\{sys\.executable\}\s+-m\s+pip|\"?\{sys\.executable\}\"?\s+-m\s+pip)"
    r"\s+(?P<args>install\b.*)$"
)


def rewrite_line(line: str) -> str:
    """The guarded spelling of a shell pip install line, or the line itself."""
    match = _PIP_INSTALL.match(line.rstrip("\n"))
    if not match:
        return line
    newline = "\n" if line.endswith("\n") else ""
    return f"{match['indent']}%safepip {match['args']}{newline}"


def rewrite_cell(lines: list[str]) -> list[str]:
    """An IPython input transformer (runs before IPython handles `!` escapes)."""
    return [rewrite_line(line) for line in lines]
