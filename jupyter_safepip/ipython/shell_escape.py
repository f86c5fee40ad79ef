"""Route `!pip install ...` (and its spellings) and `%pip install` through the guard; other lines are untouched.

An unindented line becomes `await ...run_line_magic('safepip', '--await install ...')`: the cell then
awaits the person's decision, and the kernel keeps handling the widget's clicks while it does.
An indented line (inside a block) becomes a plain `%safepip install ...`.
A shell line or a `%%bash`/`%%sh` cell that runs pip install where the guard cannot take it apart
(`!cd x && pip install y`, `!sudo pip install y`, a pipe) is not run: the cell stops with a one-line error.
"""

from __future__ import annotations

import re

# !pip install, !pip3 install, !python -m pip install, !python3 -m pip install, !{sys.executable} -m pip install,
# and the same with an absolute interpreter path; pip's flags may come before `install` (!pip -q install x).
_MAGIC_INSTALL = re.compile(r"^(?P<indent>\s*)%(?:pip|safepip)\s+(?P<args>install\b.*)$")
_PIP_INSTALL = re.compile(
    r"^(?P<indent>\s*)!{1,2}\s*"
    r"(?:pip3?(?:\.\d+)?|(?:\S*/)?python(?:\d(?:\.\d+)?)?\s+-m\s+pip|\"?\{sys\.executable\}\"?\s+-m\s+pip)"
    r"\s+(?P<flags>(?:-[\w-]+\s+)*)(?P<args>install\b.*)$"
)
_SHELL_LINE = re.compile(r"^(?P<indent>\s*)!{1,2}(?P<command>.*)$")
_SHELL_CELL = re.compile(r"^\s*%%(?:bash|sh|script\s+(?:ba)?sh|system)\b")
_SEGMENT = re.compile(r"\$\(|[;&|()`\n]")
_PIP_WORD = re.compile(r"^(?:\S*/)?pip(?:3(?:\.\d+)?)?$")
# Words that may stand before pip in a command that still runs pip: wrappers, variables, an interpreter's -m.
_BEFORE_PIP = re.compile(r"^(?:sudo|env|time|nohup|exec|command|nice|uv|\S*python[\d.]*|\"?\{sys\.executable\}\"?|-\S*|\w+=\S*)$")
REFUSAL = ("safepip: this shell command runs pip install where safepip cannot check it (after cd/&&, in a pipe, "
           "under sudo or another tool); nothing was run. Put the install on a line of its own: %pip install ...")


def runs_pip_install(command: str) -> bool:
    """Whether a shell command runs `pip install` in any of its parts (`cd x && pip install y`, `sudo pip ...`)."""
    for segment in _SEGMENT.split(command):
        words = segment.replace('"', " ").replace("'", " ").split()
        for at, word in enumerate(words):
            if _PIP_WORD.match(word):
                if "install" in words[at + 1:]:
                    return True
            elif not _BEFORE_PIP.match(word):
                break
    return False


def rewrite_line(line: str) -> str:
    """The guarded spelling of a shell pip install line, a refusal for one the guard cannot take apart, or the line."""
    text = line.rstrip("\n")
    newline = "\n" if line.endswith("\n") else ""
    match = _PIP_INSTALL.match(text) or _MAGIC_INSTALL.match(text)
    if not match:
        shell = _SHELL_LINE.match(text)
        if shell and runs_pip_install(shell["command"]):
            return _refusal(shell["indent"]) + newline
        return line
    args, flags = match["args"], match.groupdict().get("flags")
    if flags:  # pip takes its flags after the command too
        args = "install " + flags.strip() + args.removeprefix("install")
    if match["indent"]:
        return f"{match['indent']}%safepip {args}{newline}"
    return f"await get_ipython().run_line_magic('safepip', {'--await ' + args!r}){newline}"


def rewrite_cell(lines: list[str]) -> list[str]:
    """An IPython input transformer (runs before IPython handles `!` escapes and cell magics)."""
    if lines and _SHELL_CELL.match(lines[0]) and runs_pip_install("\n".join(lines[1:])):
        return [_refusal("") + "\n"]
    return [rewrite_line(line) for line in lines]


def _refusal(indent: str) -> str:
    return f"{indent}raise __import__('IPython').core.error.UsageError({REFUSAL!r})"
