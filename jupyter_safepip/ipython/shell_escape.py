"""Route `!pip install ...` (and its spellings) and `%pip install` through the guard; other lines are untouched.

An unindented line becomes `await ...run_line_magic('safepip', '--await install ...')`: the cell then
awaits the person's decision, and the kernel keeps handling the widget's clicks while it does.
An indented line (inside a block) becomes a plain `%safepip install ...`.
"""

from __future__ import annotations

import re

# !pip install, !pip3 install, !python -m pip install, !python3 -m pip install, !{sys.executable} -m pip install,
# and the same with an absolute interpreter path.
_MAGIC_INSTALL = re.compile(r"^(?P<indent>\s*)%(?:pip|safepip)\s+(?P<args>install\b.*)$")
_PIP_INSTALL = re.compile(
    r"^(?P<indent>\s*)!{1,2}\s*"
    r"(?:pip3?(?:\.\d+)?|(?:\S*/)?python(?:\d(?:\.\d+)?)?\s+-m\s+pip|\{sys\.executable\}\s+-m\s+pip|\"?\{sys\.executable\}\"?\s+-m\s+pip)"
    r"\s+(?P<args>install\b.*)$"
)


def rewrite_line(line: str) -> str:
    """The guarded spelling of a shell pip install line, or the line itself."""
    text = line.rstrip("\n")
    match = _PIP_INSTALL.match(text) or _MAGIC_INSTALL.match(text)
    if not match:
        return line
    newline = "\n" if line.endswith("\n") else ""
    if match["indent"]:
        return f"{match['indent']}%safepip {match['args']}{newline}"
    return f"await get_ipython().run_line_magic('safepip', {'--await ' + match['args']!r}){newline}"


def rewrite_cell(lines: list[str]) -> list[str]:
    """An IPython input transformer (runs before IPython handles `!` escapes)."""
    return [rewrite_line(line) for line in lines]
