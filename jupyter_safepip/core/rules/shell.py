"""Shell execution: running programs, hidden launches, and what the command lines themselves do."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from .base import Hit
from ..analysis.source import Call, Source
from ..analysis.runners import INTERPRETER
from .capabilities import INJECTION, PROCESS

DROPPER = re.compile(
    r"-e(?:nc|ncodedcommand)?\s+[A-Za-z0-9+/=]{24,}|(?:curl|wget)\b[^|;&\n]*\|\s*(?:ba|z|da)?sh\b|/dev/tcp/|"
    r"\bnc(?:at)?\s+(?:-\w+\s+)*-e\s|\bbash\s+-i\b|\biex\b|invoke-expression|downloadstring|downloadfile|"
    r"certutil[^\n]*-urlcache|\bexec\(|\bb64decode\b|__import__\(|(?:curl|wget)\b[^\n]*\$\((?:uname|whoami|hostname|id|pwd)\b|mshta\s+https?:|bitsadmin\s+/transfer|base64\s+(?:-d|--decode)[^\n]*\|\s*(?:ba)?sh",
    re.IGNORECASE,
)
SUSPICIOUS = re.compile(
    r"\b(?:curl|wget|powershell|pwsh|invoke-webrequest|iwr|start-process|schtasks|reg\s+add|attrib\s+\+h|"
    r"chmod\s+\+x|chmod\s+777|vbscript|wscript|cscript|rundll32|regsvr32)\b",
    re.IGNORECASE,
)
HIDDEN = re.compile(r"-w(?:indowstyle)?\s+hidden|\bnohup\b|\bstart\s+/b\b|\bpythonw\b|\bdisown\b|&\s*$", re.IGNORECASE)
# Programs a build or version lookup routinely runs (setup.py asking git for its version, compiling...).
BUILD_TOOLS = frozenset({
    "git", "hg", "svn", "make", "cmake", "ninja", "meson", "gcc", "g++", "cc", "c++", "clang", "nvcc", "cl",
    "pkg-config", "python", "python3", "cython", "swig", "cargo", "rustc", "go", "npm", "yarn", "jlpm", "node",
    "which", "uname", "ldconfig", "xcrun", "sw_vers", "lsb_release", "nproc", "getconf",
})
HIDDEN_FLAGS = frozenset({"DETACHED_PROCESS", "CREATE_NO_WINDOW", "CREATE_NEW_PROCESS_GROUP", "SW_HIDE"})
# A download saved under a name: curl -o F, wget -O F, Invoke-WebRequest -OutFile F, certutil -urlcache -f URL F.
SAVED_DOWNLOAD = re.compile(
    r"\b(?:curl\b[^;&|\n]*?(?:-o|--output)|wget\b[^;&|\n]*?(?:-O|--output-document)|"
    r"(?:invoke-webrequest|iwr)\b[^;&|\n]*?-outfile)[\s=]+['\"]?([^\s'\";&|]+)|"
    r"certutil\b[^;&|\n]*-urlcache[^;&|\n]*?\s(?:https?|ftp)://\S+\s+['\"]?([^\s'\";&|]+)",
    re.IGNORECASE)
_COMMAND_SEPARATORS = re.compile(r"&&|\|\||[;&|\n]")
# A program's standard streams tied to a network connection: a socket's descriptor handed to the program.
SOCKET_MADE = ("socket.socket()", "socket.create_connection()", "ssl.wrap_socket()", "ssl.SSLContext().wrap_socket()")
STREAMS = frozenset({"stdin", "stdout", "stderr"})


def match(source: Source) -> Iterator[Hit]:
    injection = next((c for c in source.calls if INJECTION.matches(c.name)), None)
    if injection is not None:
        yield Hit("shell-injection", source.path, injection.line, source.snippet(injection.line), injection.scope)
    yield from _download_then_run(source)
    yield from _reverse_shell(source)
    for call in source.calls:
        if not PROCESS.matches(call.name):
            continue
        snippet = source.snippet(call.line)
        texts = command_strings(source, call)
        rule = "shell-exec-tool" if _program(source, call) in BUILD_TOOLS else "shell-exec"
        yield Hit(rule, source.path, call.line, snippet, call.scope)
        text = " ".join(texts)
        if DROPPER.search(text):
            yield Hit("shell-dropper-command", source.path, call.line, snippet, call.scope)
        elif SUSPICIOUS.search(text):
            yield Hit("shell-suspicious-command", source.path, call.line, snippet, call.scope)
        if HIDDEN.search(text) or _hidden_keywords(call):
            yield Hit("shell-hidden", source.path, call.line, snippet, call.scope)


def _program(source: Source, call: Call) -> str:
    """The program a shell call starts, when its first argument says so plainly ('' otherwise)."""
    if call.node is None or not call.node.args:
        return ""
    first = call.node.args[0]
    if isinstance(first, (ast.List, ast.Tuple)) and first.elts:
        first = first.elts[0]
    value = source.value(first, call.scope)
    if "sys.executable" in value.refs:
        return "python"
    text = value.text
    if text is None and len(value.consts) == 1 and not value.opaque:  # a command line kept in a variable as a list
        (only,) = value.consts
        text = only[0] if isinstance(only, tuple) and only else None
    return text.split()[0].rsplit("/", 1)[-1] if isinstance(text, str) and text.split() else ""


def command_strings(source: Source, call: Call) -> list[str]:
    """The texts a program call's arguments are, or are built from (same line when the file did not parse)."""
    if call.node is None:
        return [lit.value for lit in source.literals if lit.line == call.line]
    texts: list[str] = []
    for arg in list(call.node.args) + [k.value for k in call.node.keywords if k.arg not in ("env", "cwd")]:
        texts += source.value(arg, call.scope).texts_deep
        texts += [node.value for node in ast.walk(arg) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    return texts


def _hidden_keywords(call: Call) -> bool:
    if call.node is None:
        return False
    for keyword in call.node.keywords:
        names = {n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "") for n in ast.walk(keyword.value)}
        if keyword.arg == "creationflags" and (names & HIDDEN_FLAGS or _is_hidden_number(keyword.value)):
            return True
        if keyword.arg == "start_new_session" and isinstance(keyword.value, ast.Constant) and keyword.value.value is True:
            return True
        if keyword.arg == "preexec_fn" and "setsid" in names:
            return True
    return False


def _is_hidden_number(node: ast.AST) -> bool:
    # 0x08 DETACHED_PROCESS, 0x200 new process group, 0x08000000 CREATE_NO_WINDOW
    return isinstance(node, ast.Constant) and isinstance(node.value, int) and bool(node.value & 0x08000208)


def _download_then_run(source: Source) -> Iterator[Hit]:
    """One command saves a download under a name, a later one (or a later part of it) runs that file."""
    saved: set[str] = set()
    for call in source.calls:
        if not PROCESS.matches(call.name):
            continue
        for part in _COMMAND_SEPARATORS.split(" ".join(command_strings(source, call))):
            if saved and _runs_one_of(part.split(), saved):
                yield Hit("shell-dropper-command", source.path, call.line, source.snippet(call.line), call.scope)
                return
            saved |= {name.lstrip("./") for match in SAVED_DOWNLOAD.finditer(part) for name in match.groups() if name}


def _runs_one_of(words: list[str], files: set[str]) -> bool:
    """The command is one of the files, or an interpreter (its flags aside) given one of them."""
    names = [w.strip("'\"").lstrip("./") for w in words]
    if not names:
        return False
    if names[0] in files:
        return True
    program = names[0].rsplit("/", 1)[-1].rsplit("\\", 1)[-1].removesuffix(".exe")
    return bool(INTERPRETER.match(program)) and any(n in files for n in names[1:])


def _reverse_shell(source: Source) -> Iterator[Hit]:
    """A network socket's descriptor made a program's input and output: os.dup2 onto 0/1/2 before a program
    starts, or handed to it as stdin/stdout (a reverse or bind shell)."""
    tied: set[int] = set()
    for call in source.calls:
        node = call.node
        if node is None:
            continue
        if call.name == "os.dup2" and len(node.args) == 2 and _is_socket(source, node.args[0], call.scope):
            tied.add(call.scope)
        elif PROCESS.matches(call.name) and (call.scope in tied or any(
                k.arg in STREAMS and _is_socket(source, k.value, call.scope) for k in node.keywords)):
            yield Hit("shell-reverse", source.path, call.line, source.snippet(call.line), call.scope)
            return


def _is_socket(source: Source, node: ast.expr, scope: int) -> bool:
    return any(ref.startswith(SOCKET_MADE) for ref in source.value(node, scope).refs)
