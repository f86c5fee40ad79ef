"""Route `!pip install ...` (and its spellings) and `%pip install` through the guard; other lines are untouched.

An unindented line becomes `await ...run_line_magic('safepip', '--await install ...')`: the cell then
awaits the person's decision, and the kernel keeps handling the widget's clicks while it does.
An indented line (inside a block) becomes a plain `%safepip install ...`.
A line inside another magic's code (`%time !pip install x`) cannot await: it becomes the plain form too.
A shell line or a `%%bash`/`%%sh` cell that runs pip install where the guard cannot take it apart
(`!cd x && pip install y`, `!sudo pip install y`, a pipe) is not run: the cell stops with a one-line error.
What no transformer sees (`!{cmd}`, `%system`, `%sx`, a cell that loads the extension) is caught when it
runs, by `shell_commands`.
"""

from __future__ import annotations

import re
import sys

from ..core.request import REFUSED_COMMANDS, pip_command

# !pip install, !pip3 install, !python -m pip install, !python3 -m pip install, !{sys.executable} -m pip install,
# and the same with an absolute interpreter path; pip's flags may come before `install` (!pip -q install x).
_MAGIC_INSTALL = re.compile(r"^(?P<indent>\s*)%(?:pip|safepip)\s+(?P<args>install\b.*)$")
_PIP_INSTALL = re.compile(
    r"^(?P<indent>\s*)!{1,2}\s*"
    r"(?:pip3?(?:\.\d+)?|(?:\S*/)?python(?:\d(?:\.\d+)?)?\s+-m\s*pip|\"?\{sys\.executable\}\"?\s+-m\s*pip)"
    r"\s+(?P<flags>(?:-[\w-]+\s+)*)(?P<args>install\b.*)$"
)
_OTHER_INSTALLER = re.compile(r"^(?P<indent>\s*)%uv\s+pip\s+install\b")  # IPython's %uv: uv's resolver, unchecked
_SHELL_LINE = re.compile(r"^(?P<indent>\s*)!{1,2}(?P<command>.*)$")
_SHELL_CELL = re.compile(r"^\s*%%(?:bash|sh|system|script\s+(?:\S*/)?(?:env\s+)?(?:ba|z|da|k)?sh)\b")
_SEGMENT = re.compile(r"\$\(|[;&|()`<>\n]")
_CELL_MAGIC = re.compile(r"^\s*%%(?P<name>\w+)")
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})  # they run their body as IPython code
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_PIP_WORD = re.compile(r"^(?:\S*/)?pip(?:3(?:\.\d+)?)?(?:\.__main__)?$")
# Words that may stand before pip in a command that still runs pip: wrappers, shells, variables, an
# interpreter's -m.
_BEFORE_PIP = re.compile(r"^(?:sudo|env|time|nohup|exec|command|nice|xargs|uv|(?:\S*/)?(?:ba|z|da|k)?sh|"
                         r"\S*python[\d.]*|\"?\{sys\.executable\}\"?|-\S*|\w+=\S*)$")
REFUSAL = ("safepip: this shell command runs pip install where safepip cannot check it (after cd/&&, in a pipe, "
           "under sudo or another tool), or pip download/wheel/lock, which build packages unchecked; nothing was run. "
           "Put the install on a line of its own: %pip install ...")


def runs_pip_install(command: str) -> bool:
    """Whether a shell command runs `pip install` in any of its parts (`cd x && pip install y`, `sudo pip ...`),
    or a pip command that builds packages without installing them (download, wheel, lock)."""
    for segment in _SEGMENT.split(command):
        words = re.sub(r"(?<!\S)-m(?=pip)", "-m ", segment.replace('"', " ").replace("'", " ")).split()
        for at, word in enumerate(words):
            if _PIP_WORD.match(word):
                if "install" in words[at + 1:] or pip_command(words[at + 1:]) in REFUSED_COMMANDS:
                    return True
            elif not _BEFORE_PIP.match(word):
                break
    return False


def rewrite_line(line: str, can_await: bool = True) -> str:
    """The guarded spelling of a shell pip install line, a refusal for one the guard cannot take apart, or the line."""
    text = line.rstrip("\n")
    newline = "\n" if line.endswith("\n") else ""
    match = _PIP_INSTALL.match(text) or _MAGIC_INSTALL.match(text)
    if match and _PIP_INSTALL.match(text) and _SEGMENT.search(_QUOTED.sub("", match["args"])):
        match = None  # `!pip install x | tail -1`: the shell, not pip, reads the rest
    if not match:
        shell = _SHELL_LINE.match(text)
        if (shell and runs_pip_install(shell["command"])) or (other := _OTHER_INSTALLER.match(text)):
            return _refusal((shell or other)["indent"]) + newline
        return line
    args = _install_args(match)
    if match["indent"] or not can_await or _inside_a_magic():
        return f"{match['indent']}%safepip {args}{newline}"
    return f"await get_ipython().run_line_magic('safepip', {'--await ' + args!r}){newline}"


def plain_install_args(command: str) -> str | None:
    """`install ...` for a shell command that is a plain pip install the guard can take (`pip -q install x`),
    else None."""
    match = _PIP_INSTALL.match("!" + command.strip())
    if match is None or _SEGMENT.search(_QUOTED.sub("", match["args"])):
        return None
    return _install_args(match)


def _install_args(match: re.Match) -> str:
    args, flags = match["args"], match.groupdict().get("flags")
    if flags:  # pip takes its flags after the command too
        args = "install " + flags.strip() + args.removeprefix("install")
    return args


def rewrite_cell(lines: list[str]) -> list[str]:
    """An IPython input transformer (runs before IPython handles `!` escapes and cell magics)."""
    if lines and _SHELL_CELL.match(lines[0]) and runs_pip_install("\n".join(lines[1:])):
        return [_refusal("") + "\n"]
    magic = _CELL_MAGIC.match(lines[0]) if lines else None
    if magic and magic["name"] not in _PYTHON_CELL_MAGICS:
        return lines  # %%writefile, %%html, ...: the body is text, not code
    # The body of %%time or %%capture is code the magic runs itself: it cannot await.
    return [rewrite_line(line, can_await=magic is None) for line in _joined_continuations(lines)]


def _joined_continuations(lines: list[str]) -> list[str]:
    """A `!`/`%` line continued with a trailing backslash, joined into one line as IPython joins it."""
    joined: list[str] = []
    for line in lines:
        if joined and joined[-1].rstrip("\n").endswith("\\") and joined[-1].lstrip()[:1] in ("!", "%"):
            joined[-1] = joined[-1].rstrip("\n")[:-1].rstrip() + " " + line.lstrip()
        else:
            joined.append(line)
    return joined


def _inside_a_magic() -> bool:
    """Whether this transform is of code another magic runs (`%time`, `%%timeit`): that code cannot await."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name in ("run_line_magic", "run_cell_magic") and "IPython" in frame.f_code.co_filename:
            return True
        frame = frame.f_back
    return False


def _refusal(indent: str) -> str:
    return f"{indent}raise __import__('IPython').core.error.UsageError({REFUSAL!r})"
