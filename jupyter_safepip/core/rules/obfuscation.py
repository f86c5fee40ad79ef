"""Obfuscation: executing decoded data, computed built-in lookups, chr-joined text, packed lines, random blobs."""

from __future__ import annotations

import ast
import math
import re
from collections import Counter
from collections.abc import Iterator

from .base import Hit
from ..analysis.source import CHR_CODES, DECODED_LITERAL, MAX_FLOW_STEPS, Source, feeders, is_decoder, shorten
from ..analysis.interpreter import RUNS_TEXT
from ..analysis.runners import FILE_RUNNERS, INTERPRETER
from ..analysis.values import LITERAL_MARKERS
from .capabilities import DESERIALIZE, INJECTION, NETWORK, PROCESS

EXEC_NAMES = RUNS_TEXT | {"__import__"}
FROM_FILES = frozenset({"pickle.load", "marshal.load", "shelve.open"})
PAYLOAD_MIN_CHARS = 40
LONG_LITERAL = 1000
COMPUTED = (ast.BinOp, ast.Subscript, ast.JoinedStr)
LONG_LINE = 3000
ENTROPY_MIN_CHARS = 200
ENTROPY_BITS = 5.2
HEX_MIN_CHARS = 400
ESCAPED_MIN = 200
MANGLED_MIN = 8
HIDING_SPACES = 120
_ESCAPE = re.compile(r"\\x[0-9a-fA-F]{2}|\\[0-7]{3}")
_MANGLED = re.compile(r"^_{4,}$|^[Il1O0]{6,}$|^_*[Il1]{2,}[Il1_]{4,}$")
# Code after a long run of blanks, or a line indented absurdly far (deep alignment stays well below).
_HIDING = re.compile(r"[^\s\x0c][ \t\x0c]{%d,}[^\s\x0c]|^[ \t\x0c]{%d,}[^\s\x0c]" % (HIDING_SPACES, 2 * HIDING_SPACES))
_STRING_OR_COMMENT = re.compile(r"""'(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?|#""")
_PAYLOAD = re.compile(r"^[A-Za-z0-9+/=_\-\\\s]+$")
_HEX = re.compile(r"^[0-9a-fA-F\\x]+$")
_BLOB = re.compile(r"^[A-Za-z0-9+/=_\-\\]+$")


def match(source: Source) -> Iterator[Hit]:
    yield from _exec_hits(source)
    yield from _deserialized_payload(source)
    yield from _decoded_file_run(source)
    yield from _computed_names(source)
    yield from _builtins_lookup(source)
    yield from _chr_join(source)
    yield from _long_line(source)
    yield from _blob(source)
    yield from _exec_alias(source)
    yield from _escaped_text(source)
    yield from _mangled_names(source)
    yield from _hidden_by_whitespace(source)
    yield from _decoding(source)


def _decoded_file_run(source: Source) -> Iterator[Hit]:
    """Decoded code written to a file that is then run (runpy.run_path, exec of its text, python on it)."""
    decoded: set[str] = set()
    for call in source.calls:
        node = call.node
        if node is None or not node.args or not isinstance(node.func, ast.Attribute):
            continue
        if call.name.rsplit(".", 1)[-1] in ("write", "write_text", "write_bytes"):
            receiver = source.value(node.func.value, call.scope)
            fed = feeders(source, node.args[0], call.scope)
            if DECODED_LITERAL in fed or fed & LITERAL_MARKERS:
                decoded |= {o[6:-1] for o in receiver.origins if o.startswith("<file ")} | set(receiver.texts)
    if not decoded:
        return
    for call in source.calls:
        if call.node is None or not (call.name in EXEC_NAMES or call.name in FILE_RUNNERS or PROCESS.matches(call.name)):
            continue
        for arg in call.node.args[:1]:
            value = source.value(arg, call.scope)
            named = set(value.texts_deep) | {o[6:-1] for o in value.origins if o.startswith("<file ")}
            # a program is run on the file, or is the file (a decoded config handed to a tool is data)
            if named & decoded and (not PROCESS.matches(call.name) or _runs_file(value.texts_deep, decoded)):
                yield Hit("obfuscation-exec-decoded", source.path, call.line, source.snippet(call.line), call.scope)
                return


def _runs_file(command: list[str], paths: set[str]) -> bool:
    words = [w for text in command for w in text.split()]
    return bool(words) and (words[0] in paths or any(INTERPRETER.match(w.rsplit("/", 1)[-1]) for w in words[:2]))


def _deserialized_payload(source: Source) -> Iterator[Hit]:
    """pickle/marshal loads of data written (encoded) in the code itself: a payload that runs when loaded."""
    for call in source.calls:
        # (not a loader given a file or a path: pickle.load(handle), shelve.open(path) read data from elsewhere)
        if DESERIALIZE.matches(call.name) and call.name not in FROM_FILES and call.node is not None and call.node.args:
            fed = feeders(source, call.node.args[0], call.scope)
            if DECODED_LITERAL in fed or source.value(call.node.args[0], call.scope).text is not None:
                yield Hit("obfuscation-exec-decoded", source.path, call.line, source.snippet(call.line), call.scope)
                return


def _computed_names(source: Source) -> Iterator[Hit]:
    """A call of exec, a program runner or the network whose name was put together at run time."""
    for call in source.calls:
        sensitive = call.name in EXEC_NAMES or any(c.matches(call.name) for c in (PROCESS, INJECTION, DESERIALIZE, NETWORK))
        if call.hidden and sensitive:
            yield Hit("obfuscation-computed-name", source.path, call.line, f"{call.name}: {source.snippet(call.line)}",
                      call.scope)
            return


def _decoding(source: Source) -> Iterator[Hit]:
    for call in source.calls:
        if is_decoder(call.name) and call.name.rsplit(".", 1)[-1] not in {"decrypt", "decompress"}:
            yield Hit("obfuscation-decode", source.path, call.line, source.snippet(call.line), call.scope)
            return


def _exec_alias(source: Source) -> Iterator[Hit]:
    for name, line in source.value_refs[:1]:
        yield Hit("obfuscation-exec-alias", source.path, line, source.snippet(line))


def _escaped_text(source: Source) -> Iterator[Hit]:
    """Plain ASCII written as \\x41 / \\101 escapes, many times over: text hidden from a reader's eye."""
    count = 0
    for number, line in enumerate(source.lines, start=1):
        escapes = _ESCAPE.findall(line)
        count += sum(1 for e in escapes if 32 <= _escape_value(e) < 127)
        if count >= ESCAPED_MIN:
            yield Hit("obfuscation-escaped-text", source.path, number, shorten(line.strip()))
            return


def _escape_value(escape: str) -> int:
    return int(escape[2:], 16) if escape[1] == "x" else int(escape[1:], 8)


def _mangled_names(source: Source) -> Iterator[Hit]:
    if source.tree is None:
        return
    mangled = sorted(n for n in source.names if _MANGLED.match(n) or (not n.isascii() and len(n) >= 8))
    if len(mangled) >= MANGLED_MIN:
        yield Hit("obfuscation-mangled-names", source.path, None, shorten(", ".join(mangled[:6])))


def tangled_flow(source: Source) -> Iterator[Hit]:
    """Run after every other matcher: data-flow questions about the file ran out of their budget."""
    if source.flow_cut_short:
        yield Hit("obfuscation-tangled-flow", source.path, None, "stopped following variables after "
                  f"{MAX_FLOW_STEPS:,} steps")


def _hidden_by_whitespace(source: Source) -> Iterator[Hit]:
    for number, line in enumerate(source.lines, start=1):
        if (len(line) > HIDING_SPACES and number not in source.string_lines and _HIDING.search(line)
                and _HIDING.search(_before_comment(line))):
            yield Hit("obfuscation-hidden-by-whitespace", source.path, number, shorten(" ".join(line.split())))
            return


def _before_comment(line: str) -> str:
    """The code part of a line: up to a # that is not inside a quoted string (blanks in a comment hide nothing)."""
    for token in _STRING_OR_COMMENT.finditer(line):
        if token.group() == "#":
            return line[: token.start()]
    return line


def _exec_hits(source: Source) -> Iterator[Hit]:
    decoder_lines: set[int] | None = None  # computed once: a packed line can hold thousands of calls
    for call in source.calls:
        if PROCESS.matches(call.name) and call.node is not None:
            # Only the command itself: env= or cwd= built from decoded data is ordinary (e.g. a CGI server).
            args = call.node.args[:1] + [k.value for k in call.node.keywords if k.arg in {"args", "command", "cmd"}]
            if any(is_decoder(name) for a in args for name in feeders(source, a, call.scope)):
                yield Hit("obfuscation-exec-decoded", source.path, call.line, source.snippet(call.line), call.scope)
            continue
        if call.name not in EXEC_NAMES:
            continue
        if call.node is None:
            # Unparsed file: judge by what else is on the line.
            line = source.lines[call.line - 1] if call.line <= len(source.lines) else ""
            if decoder_lines is None:
                decoder_lines = {c.line for c in source.calls if is_decoder(c.name)}
            decoded = call.line in decoder_lines or "[::-1]" in line
            rule = "obfuscation-exec-decoded" if decoded else "obfuscation-exec-dynamic"
            yield Hit(rule, source.path, call.line, source.snippet(call.line), call.scope)
            continue
        args = list(call.node.args) + [k.value for k in call.node.keywords]
        if not args or (call.name == "__import__" and isinstance(args[0], ast.Constant)):
            continue
        fed = set().union(*(feeders(source, a, call.scope) for a in args))
        hard_coded = fed & LITERAL_MARKERS or DECODED_LITERAL in fed
        if hard_coded or (any(is_decoder(name) for name in fed) and _has_payload_literal(source)):
            yield Hit("obfuscation-exec-decoded", source.path, call.line, source.snippet(call.line), call.scope)
        elif not all(isinstance(a, ast.Constant) for a in args) and call.name != "__import__":
            yield Hit("obfuscation-exec-dynamic", source.path, call.line, source.snippet(call.line), call.scope)


def _has_payload_literal(source: Source) -> bool:
    """An encoded blob in the file: decoding data that came from elsewhere (a plugin's input) is ordinary."""
    return any(
        len(lit.value) >= LONG_LITERAL or (len(lit.value) >= PAYLOAD_MIN_CHARS and _PAYLOAD.match(lit.value[:4000]))
        for lit in source.literals
    )


def _builtins_lookup(source: Source) -> Iterator[Hit]:
    for call in source.calls:
        node = call.node
        if call.name != "getattr" or node is None or len(node.args) < 2:
            continue
        target, attr = node.args[0], node.args[1]
        holder = source.resolve(target)
        # A name computed by an expression (not a plain variable): the obfuscator's way to reach exec/eval.
        computed = isinstance(attr, COMPUTED) or (
            isinstance(attr, ast.Call) and any(is_decoder(n) or n.endswith("join") for n in feeders(source, attr, call.scope))
        )
        if holder in {"__builtins__", "builtins", "globals()", "vars()", "locals()"} and computed:
            yield Hit("obfuscation-builtins-lookup", source.path, call.line, source.snippet(call.line), call.scope)


def _chr_join(source: Source) -> Iterator[Hit]:
    for call in source.calls:
        if not call.name.endswith("join") or call.node is None or not call.node.args:
            continue
        if CHR_CODES in feeders(source, call.node.args[0], call.scope):
            yield Hit("obfuscation-chr-join", source.path, call.line, source.snippet(call.line), call.scope)
            return


def _long_line(source: Source) -> Iterator[Hit]:
    for number, line in enumerate(source.lines, start=1):
        if len(line) > LONG_LINE:
            yield Hit("obfuscation-long-line", source.path, number, shorten(line.strip()))
            return


def _blob(source: Source) -> Iterator[Hit]:
    for literal in source.literals:
        value = literal.value
        if len(value) < ENTROPY_MIN_CHARS or not _BLOB.match(value[:4000]):
            continue
        if (len(value) >= HEX_MIN_CHARS and _HEX.match(value[:4000])) or entropy(value[:4000]) >= ENTROPY_BITS:
            yield Hit("obfuscation-high-entropy", source.path, literal.line, shorten(value), literal.scope)
            return


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in counts.values())
