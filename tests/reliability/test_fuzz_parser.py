"""Fuzz the pip-line parser: whatever is typed, parse_command returns an InstallRequest or a PassThrough, or
raises a one-line RequestError; never another exception. And the notebook input transformer that routes
`!pip install` lines: it never raises, and what it writes is valid."""

from __future__ import annotations

import ast
import contextlib
import io
import shlex
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_safepip.core.model import InstallRequest, PassThrough
from jupyter_safepip.core.request import PASS_THROUGH_COMMANDS, RequestError, parse_command
from jupyter_safepip.ipython.shell_escape import (
    _CELL_MAGIC, _PYTHON_CELL_MAGICS, _SHELL_CELL, REFUSAL, _joined_continuations, rewrite_cell, runs_pip_install,
)
from tests.reliability.conftest import tally

FUZZ = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _install_options() -> list[tuple[str, bool]]:
    """Every option string of pip's own `install` parser, and whether it takes a value."""
    from pip._internal.commands import create_command

    parser = create_command("install").parser
    found = []
    for option in parser._get_all_options():
        for text in option._short_opts + option._long_opts:
            found.append((text, option.takes_value()))
    return sorted(found)


OPTIONS = _install_options()
WORDS = ["pip", "pip3", "install", "install", "install", "uninstall", "download", "wheel", "list", "show", "frobnicate"]
SHELL_BITS = [";", "|", "&&", "||", "$(id)", "`id`", ">", "<", "&", "#", "\\", "'", '"', "\n", "\r", "\t", "$HOME",
              "~", "*", "!", "%", "{a,b}", "\x00", "\u202e", "\ufeff"]
VALUES = ["", "http://127.0.0.1:1/simple/", "file:///tmp", "/tmp", "..", "-", "--", "x" * 300, ":all:", "none",
          "127.0.0.1", "a=b", "\u00e9", "-r"]
names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)
specifiers = st.sampled_from(["", "==1.0", ">=2,<3", "~=1.4", "===x", "!=*", "==1.*", ">>=2", "<", "@ http://127.0.0.1/x.whl",
                              "[extra]", "[a,b]>=1", "; python_version<'3'", "; os_name == 'nt' and ", "==", "@"])
requirement = st.builds(lambda n, s: n + s, names, specifiers)


@pytest.fixture(scope="module")
def requirement_files(tmp_path_factory) -> list[str]:
    """Requirement files with hostile content: option lines, includes of themselves and of each other, junk."""
    root = tmp_path_factory.mktemp("reqs")
    files = {
        "ok.txt": "tidyutils>=1\n# comment\n\n",
        "options.txt": "--index-url http://127.0.0.1:1/simple/\n--trusted-host 127.0.0.1\n--no-index\nx\n",
        "self.txt": "-r self.txt\nx\n",
        "a.txt": "-r b.txt\nx\n",
        "b.txt": "-c a.txt\n-r a.txt\ny\n",
        "binary.txt": "--no-binary :all:\nx\n",
        "junk.txt": "\x00\xff\ufffe ;;; $(id)\n-e\n--\n",
        "latin1.txt": "caf\xe9\n",
        "long.txt": "x" * 100_000 + "\n",
        "many.txt": "".join(f"pkg{i}\n" for i in range(3000)),
        "continued.txt": "x \\\n" * 500 + "y\n",
    }
    for name, text in files.items():
        (root / name).write_bytes(text.encode("latin-1" if name == "latin1.txt" else "utf-8", "surrogatepass"))
    (root / "dir.txt").mkdir()
    return [str(root / n) for n in [*files, "dir.txt", "missing.txt"]]


def _check(line) -> None:
    """The parser's contract on one input."""
    tally("hostile inputs")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            result = parse_command(line)
        except RequestError as exc:
            assert str(exc).strip() and "\n" not in str(exc).strip(), repr(str(exc))
            return
    assert isinstance(result, (InstallRequest, PassThrough))
    if isinstance(result, InstallRequest):
        assert result.requirements
    else:
        assert set(result.pip_args) & (PASS_THROUGH_COMMANDS | {"-V", "--version", "-h", "--help"})  # or pip's own answer


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text(text):
    _check(text)


@FUZZ
@given(st.lists(st.text(max_size=40), max_size=12))
def test_arbitrary_argument_lists(args):
    _check(args)


@st.composite
def pip_lines(draw, files: list[str]) -> str:
    """Lines that look like pip commands: commands, real pip options with values, requirements and shell bits."""
    tokens = [draw(st.sampled_from(WORDS))] if draw(st.booleans()) else []
    if draw(st.booleans()):
        tokens.insert(0, "install")
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["option", "requirement", "requirement", "shell", "file"]))
        if kind == "option":
            option, takes_value = draw(st.sampled_from(OPTIONS))
            tokens.append(option)
            if takes_value:
                tokens.append(draw(st.sampled_from(VALUES) | st.text(max_size=10)))
        elif kind == "requirement":
            tokens.append(draw(requirement))
        elif kind == "shell":
            tokens.append(draw(st.sampled_from(SHELL_BITS)))
        else:
            tokens += [draw(st.sampled_from(["-r", "-c", "--requirement", "--constraint"])), draw(st.sampled_from(files))]
    quote = draw(st.booleans())
    return " ".join(shlex.quote(t) if quote else t for t in tokens)


def test_grammar_like_lines(requirement_files):
    @FUZZ
    @given(pip_lines(requirement_files))
    def run(line):
        _check(line)

    run()


@pytest.mark.parametrize("name", ["self.txt", "a.txt", "many.txt", "long.txt", "junk.txt", "dir.txt"])
def test_hostile_requirement_files(requirement_files, name):
    path = next(p for p in requirement_files if Path(p).name == name)
    _check(["install", "-r", path])
    _check(f"install -r {shlex.quote(path)} -c {shlex.quote(path)}")


shell_lines = st.builds(
    lambda prefix, words: prefix + " ".join(words),
    st.sampled_from(["!", "!!", "  !", "%pip ", "%safepip ", "%%bash\n", ""]),
    st.lists(st.sampled_from([*WORDS, *SHELL_BITS, "cd", "sudo", "python", "-m", "{sys.executable}", "-q", "x"]) | names,
             max_size=12),
)


@FUZZ
@given(st.lists(shell_lines | st.text(max_size=200), min_size=1, max_size=4))
def test_the_input_transformer_keeps_cells_valid_and_never_runs_pip_unchecked(lines):
    # Whatever is typed, the transformer does not raise; a line it rewrites is valid Python; a shell line that
    # still runs pip install afterwards is one the guard took apart (never left for the shell to run unchecked).
    tally("hostile inputs")
    typed = [line + "\n" for text in lines for line in text.split("\n")]
    rewritten = rewrite_cell(typed)
    refused = [f"raise __import__('IPython').core.error.UsageError({REFUSAL!r})\n"]
    magic = _CELL_MAGIC.match(typed[0])
    if magic and magic["name"] not in _PYTHON_CELL_MAGICS:
        # a %%bash or %%writefile body is not IPython code: left as typed, or refused whole when a shell installs
        shell_installs = bool(_SHELL_CELL.match(typed[0])) and runs_pip_install("\n".join(typed[1:]))
        assert rewritten == (refused if shell_installs else typed)
        return
    cell = _joined_continuations(typed)  # `!pip install \` and its next line are one command
    if len(rewritten) != len(cell):  # a shell cell that installs is refused whole
        assert rewritten == refused
        return
    for before, after in zip(cell, rewritten):
        if after != before and not after.lstrip().startswith("%"):  # a magic line is IPython's to translate
            compile(after.strip(), "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        elif after == before and before.lstrip().startswith("!"):
            assert not runs_pip_install(before.lstrip().lstrip("!")), before
