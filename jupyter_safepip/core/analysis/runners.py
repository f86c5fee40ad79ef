"""What runs a file as a program, as data: the calls that run a Python file by its path, and the interpreters
a command line can start on a file. The written-program analysis (source.py) and the rule on decoded code
written to a file (rules/obfuscation.py) both read them."""

from __future__ import annotations

import re

from .values import Value

FILE_RUNNERS = frozenset({"runpy.run_path", "importlib.util.spec_from_file_location", "imp.load_source", "execfile"})
INTERPRETER = re.compile(
    r"^(?:python[\d.]*|pythonw|sh|bash|zsh|dash|cmd(?:\.exe)?|powershell(?:\.exe)?|pwsh|node|perl|ruby|wscript|cscript)$",
    re.IGNORECASE)
THIS_PYTHON = "sys.executable"
# What opens a file without naming it: a path built from them names no particular file.
_ANY_FILE = frozenset({"open", "builtins.open", "io.open", "codecs.open", "os.fdopen", "pathlib.Path"})
# Origins the written-program analysis reads, kept whatever else a caller keeps: the interpreter, temp files.
FOLLOWED = (THIS_PYTHON, "tempfile.")
_NOT_A_FILE = (THIS_PYTHON, "str.", "bytes.", "os.path.")


def names_interpreter(command: Value) -> bool:
    """The command starts an interpreter: this very Python (sys.executable) or one named in its words."""
    if any(name.startswith(THIS_PYTHON) for name in command.refs | command.origins):
        return True
    return any(INTERPRETER.match(word.strip("'\"").rsplit("/", 1)[-1].rsplit("\\", 1)[-1].removesuffix(".exe"))
               for text in command.texts_deep for word in text.split()[:2])


def file_marks(value: Value) -> set[str]:
    """What identifies the file a value is or names: its paths, and the calls that made it (a temp file)."""
    marks = {origin[6:-1] for origin in value.origins if origin.startswith("<file ")}
    marks |= {word.strip("'\"") for text in value.texts_deep for word in text.split() if "." in word or "/" in word}
    made_by = {name.removesuffix("()") for name in value.refs | value.origins if not name.startswith("<")}
    return marks | {name for name in made_by if name not in _ANY_FILE and not name.startswith(_NOT_A_FILE)}
