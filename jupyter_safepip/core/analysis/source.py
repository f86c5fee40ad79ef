"""One pass over a Python file: its calls by what they really call, its strings and scopes, for the rules.

The abstract interpreter (interpreter.py) gives every call its real dotted name, through aliases, computed
lookups and the file's own helpers, and every argument its value. Files `ast` cannot parse (Python 2,
templates) fall back to the tokenizer, and past that to a regex, so they still yield calls and strings,
only without values.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .interpreter import Interpreter
from .runners import FILE_RUNNERS, FOLLOWED, file_marks, names_interpreter
from .values import ASSEMBLED, CHR_CODES, DECODED_LITERAL, REVERSED, UNKNOWN, Value, is_decoder

__all__ = ["CHR_CODES", "DECODED_LITERAL", "REVERSED", "Call", "Literal", "Source", "feeders", "is_decoder", "load",
           "shorten", "words_of"]

SNIPPET_CHARS = 120
LITERAL_SCAN_CHARS = 2000  # how much of each literal the text rules look at
VALUE_REF_NAMES = frozenset({"exec", "eval", "compile", "__import__"})
_LINE_ENDS = re.compile(r"\r\n|\r|\n")
MAX_FLOW_STEPS = 2_000_000  # expression evaluations the interpreter may spend on one file, plus STEPS_PER_NODE
STEPS_PER_NODE = 16  # ... for each syntax node (contexts and operators not counted): a big library is not a tangle, and the time stays linear in its size
MAX_PARSE_BYTES = 4 * 1024 * 1024  # larger files are matched line by line: parsing them would cost too much memory
MAX_PAYLOAD_DEPTH = 2  # code decoded from code decoded from code is analysed; deeper is not
MAX_NAMES_PER_CALL = 4
MAX_PAYLOAD_BYTES = 4 * 1024 * 1024  # decoded code analysed per file, all payloads together
WRITES = frozenset({"write", "write_text", "write_bytes"})
MAX_COMMAND_PARTS = 32
@dataclass(frozen=True)
class Call:
    """A call: the dotted name of what it calls (resolved by value), where it is, and its node when parsed."""

    name: str
    line: int
    scope: int  # id of the enclosing function, lambda or class body (0: module level)
    node: ast.Call | None = None
    hidden: bool = False  # what it calls was named by a computed string (getattr(os, "sys" + "tem"))


@dataclass(frozen=True)
class Literal:
    """A string (or bytes, decoded leniently) literal."""

    value: str
    line: int
    scope: int


@dataclass
class Source:
    """A parsed Python file, ready for the matchers."""

    path: str
    text: str
    tree: ast.Module | None
    calls: list[Call] = field(default_factory=list)
    literals: list[Literal] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # every variable name used
    value_refs: list[tuple[str, int]] = field(default_factory=list)  # builtins like exec used as values, not called
    import_time: set[int] = field(default_factory=lambda: {0})  # scopes that run on import (module level + what it calls)
    env_iterations: list[int] = field(default_factory=list)  # lines serialising all of os.environ
    string_lines: set[int] = field(default_factory=set)  # lines inside multi-line string literals
    imports: set[tuple[int, str, int]] = field(default_factory=set)  # (relative level, dotted module, scope) it may import
    interpreter: Interpreter | None = None
    foreign: dict[int, tuple[Interpreter, int]] = field(default_factory=dict)  # nodes of decoded payloads
    _lines: list[str] | None = None
    _assigned: dict[tuple[int, str], list[ast.expr]] | None = None
    _literal_text: str | None = None

    def assigned_to(self, scope: int, name: str) -> list[ast.expr]:
        """The expressions assigned to a plain name in a scope (`name = <expr>`)."""
        if self._assigned is None:
            self._assigned = {}
            for node, where in (self.interpreter.statements if self.interpreter else ()):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            self._assigned.setdefault((where, target.id), []).append(node.value)
        return self._assigned.get((scope, name), [])

    @property
    def flow_cut_short(self) -> bool:
        """Whether following values through this file stopped at the budget or the pass limit (a hostile tangle)."""
        return self.interpreter is not None and self.interpreter.cut_short

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            # Python's own line ends only: splitlines() would also split at form feeds, which Python does not.
            self._lines = _LINE_ENDS.split(self.text)
        return self._lines

    @property
    def literal_text(self) -> str:
        if self._literal_text is None:
            self._literal_text = "\n".join(lit.value[:LITERAL_SCAN_CHARS] for lit in self.literals)
        return self._literal_text

    def literals_matching(self, pattern: re.Pattern[str]) -> Iterator[Literal]:
        """Literals in which `pattern` occurs; one search over all of them first, as most files have none."""
        if pattern.search(self.literal_text):
            yield from (lit for lit in self.literals if pattern.search(lit.value[:LITERAL_SCAN_CHARS]))

    def snippet(self, line: int) -> str:
        """The offending line, stripped and shortened."""
        if 0 < line <= len(self.lines):
            return shorten(self.lines[line - 1].strip())
        return ""

    def value(self, node: ast.AST, scope: int = 0) -> Value:
        """The abstract value of an expression of this file (or of a payload decoded from it)."""
        interpreter, scope = self.foreign.get(id(node), (self.interpreter, scope))
        return UNKNOWN if interpreter is None else interpreter.value(node, scope)

    def resolve(self, node: ast.AST, scope: int = 0) -> str:
        """The dotted name an expression refers to ('' when it is neither a known object nor a plain name)."""
        found = self.value(node, scope).refs
        return min(found) if found else written_name(node)


def exported(source: Source) -> dict[str, Value]:
    """What the module's top level gives other modules that import from it: text (a payload, an address, a
    command, a name put together) and what names stand for (an aliased module or runner), not its own functions
    (those belong to its interpreter)."""
    interpreter = source.interpreter
    if interpreter is None:
        return {}
    found = {}
    for (scope, name), value in interpreter.env.items():
        if scope == 0 and not value.funcs and (value.texts_deep or value.refs):
            found[name] = Value(value.refs, value.consts, value.origins, frozenset(), value.method, value.opaque)
    return found


def written_name(node: ast.AST) -> str:
    """The dotted name as written (self.run, x.write), for what the interpreter cannot name by value."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        inner = written_name(node.func)
        parts.append(f"{inner}()" if inner else "()")
    elif isinstance(node, ast.Constant) and parts:
        parts.append(type(node.value).__name__)
    else:
        return ""
    return ".".join(reversed(parts))


def feeders(source: Source, node: ast.AST, scope: int) -> set[str]:
    """Names of the calls (and markers such as DECODED_LITERAL) an expression's value is computed from."""
    return set(source.value(node, scope).origins)


def words_of(source: Source, node: ast.AST, scope: int, hops: int = 1) -> set[str]:
    """Identifiers, attribute names and short strings an expression mentions, and those of what the names it
    uses were assigned (`data = {"ak": key}` then `post(url, json=data)`), `hops` assignments deep."""
    found: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            found.add(sub.id.lower())
            found.update(t.lower() for t in _short_texts(source.value(sub, scope)))
            if hops:  # into what was assigned when it is a literal container, not into a call's arguments
                for value in source.assigned_to(scope, sub.id):
                    if isinstance(value, (ast.Dict, ast.List, ast.Tuple, ast.Set, ast.JoinedStr)):
                        found |= words_of(source, value, scope, hops - 1)
        elif isinstance(sub, ast.Attribute):
            found.add(sub.attr.lower())
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str) and len(sub.value) <= 40:
            found.add(sub.value.lower())
    return found


def _short_texts(value: Value) -> Iterator[str]:
    for item in value.consts:
        for text in (item if isinstance(item, tuple) else (item,)):
            if isinstance(text, str) and len(text) <= 40:
                yield text


def shorten(text: str) -> str:
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"


def parse(data: bytes) -> ast.Module | None:
    """The syntax tree of a Python file, or None when it is too big or does not parse; never raises."""
    if len(data) > MAX_PARSE_BYTES:
        return None
    try:
        return ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None


def module_level_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(relative level, dotted name) of the imports module-level code makes, the names imported from a module
    included (`from . import blob` may import the module blob); functions and classes are not entered."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import):
            yield from ((0, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            yield node.level, module
            yield from ((node.level, f"{module}.{a.name}" if module else a.name) for a in node.names if a.name != "*")
        elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)) or type(node).__name__ == "TryStar":
            stack += [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)]
            stack += [h for h in getattr(node, "handlers", ()) for h in h.body]


def load(path: str, data: bytes, depth: int = 0, steps: int | None = None,
         keep: Callable[[str], bool] = lambda name: True,
         imported: Callable[[int, str, str], Value | None] = lambda level, module, name: None,
         tree: ast.Module | None = None) -> Source:
    """Parse (unless `tree` is given) and interpret `data` (spending at most `steps` expression evaluations;
    `keep` says which call names are worth remembering as where a value came from); never raises."""
    text = data.decode("utf-8", "replace")
    tree = tree if tree is not None else parse(data)
    if tree is None:
        source = Source(path, text, None)
        _scan_lines(source) if len(data) > MAX_PARSE_BYTES else _scan_tokens(source)
        return source
    source = Source(path, text, tree)
    wanted = keep
    keep = lambda name: name.startswith(FOLLOWED) or wanted(name)  # noqa: E731
    try:
        source.interpreter = Interpreter(tree, steps=MAX_FLOW_STEPS if steps is None else steps,
                                         steps_per_node=STEPS_PER_NODE if steps is None else 0, keep=keep, imported=imported)
        _collect(source, source.interpreter)
    except RecursionError:
        source.calls.clear()
        _scan_tokens(source)
        return source
    if depth < MAX_PAYLOAD_DEPTH:
        analysed: dict[bytes, Source] = {}
        for node, scope, texts in [*_in_source_order(source.interpreter), *_written_and_run(source)]:
            _merge_payload(source, node, scope, texts, depth, analysed, keep)
    return source


def _in_source_order(interpreter: Interpreter) -> list[tuple[ast.Call, int, list[str | bytes]]]:
    """The exec calls of known text, in the order of the file's calls."""
    order = {id(node): number for number, (node, _) in enumerate(interpreter.call_nodes)}
    return sorted(interpreter.exec_texts.values(), key=lambda entry: order.get(id(entry[0]), len(order)))


def _collect(source: Source, interpreter: Interpreter) -> None:
    """Calls by value, literals, names, imports and what runs on import, from the interpreted tree."""
    tree = source.tree
    assert tree is not None
    called = {id(node.func) for node, _ in interpreter.call_nodes}
    for node, scope in interpreter.call_nodes:
        func = interpreter.value(node.func, scope)
        interpreter.value(node, scope)  # the call itself: after an unfinished fixpoint, exec of text is noted afresh
        named = set(func.refs)
        if func.method and node.args:  # operator.methodcaller("system", ...)(os) calls os.system
            named |= {f"{r}.{func.method.lstrip('.')}" for r in interpreter.value(node.args[0], scope).refs}
        names = sorted(r for r in named if r not in ("<globals>", "<locals>"))[:MAX_NAMES_PER_CALL] or [written_name(node.func)]
        hidden = "<computed name>" in func.origins
        for name in names:
            if name:
                source.calls.append(Call(name, node.lineno, scope, node, hidden))
        handed = _handed_on(interpreter, node, scope, func)
        if handed is not None:  # Thread(target=os.system, args=(cmd,)): os.system(cmd) is called, later or now
            for name in sorted(interpreter.value(handed.func, scope).refs)[:MAX_NAMES_PER_CALL]:
                source.calls.append(Call(name, node.lineno, scope, handed, hidden))
        if id(node) not in called and interpreter.value(node, scope).refs & VALUE_REF_NAMES:
            source.value_refs.append((sorted(interpreter.value(node, scope).refs & VALUE_REF_NAMES)[0], node.lineno))
        module = _imported_module(interpreter, node, scope)
        if module is not None:
            source.imports.add((0, module, scope))
        if _iterates_environ_call(source, node, scope):
            source.env_iterations.append(node.lineno)
        # Text put together at run time ("/.ss" + "h/", a webhook address in pieces) is read like a literal.
        receiver = [node.func.value] if isinstance(node.func, ast.Attribute) else []  # (Path.home() / ".bashrc").open()
        for arg in (*receiver, *node.args, *(k.value for k in node.keywords)):
            value = interpreter.value(arg, scope)
            if ASSEMBLED in value.origins:
                source.literals += [Literal(t, node.lineno, scope) for t in value.texts_deep[:MAX_NAMES_PER_CALL] if t]
    docstring = None  # a docstring or bare string documents; its words are not behaviour
    for node, scope in interpreter.mentions:
        if node is docstring:
            continue
        if isinstance(node, ast.Import):
            source.imports.update((0, alias.name, scope) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module:
                source.imports.add((node.level, module, scope))
            source.imports.update((node.level, f"{module}.{a.name}" if module else a.name, scope) for a in node.names)
        elif isinstance(node, ast.Name):
            source.names.add(node.id)
            if node.id in VALUE_REF_NAMES and isinstance(node.ctx, ast.Load) and id(node) not in called \
                    and node.id in interpreter.value(node, scope).refs:  # the builtin, not a function of that name
                source.value_refs.append((node.id, node.lineno))
        elif isinstance(node, ast.Expr):
            if isinstance(node.value, ast.Constant):
                _string_lines(source, node.value)
                docstring = node.value
        elif isinstance(node, ast.Constant):
            _string_lines(source, node)
            value = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
            if isinstance(value, str) and value:
                source.literals.append(Literal(value, node.lineno, scope))
    interpreter.mentions = []  # read once: the file's Source keeps what it needs
    source.import_time = _reached_from_module(interpreter)


def _reached_from_module(interpreter: Interpreter) -> set[int]:
    """Scopes that run when the module is imported: module level, then whatever it calls, transitively."""
    return closure(callees(interpreter), {0})


def qualified_scopes(interpreter: Interpreter) -> dict[str, set[int]]:
    """Scopes by the name code outside the module calls them: `f` for a top-level def or class, `C.m` for a method."""
    found: dict[str, set[int]] = {}
    for number, scope in interpreter.scopes.items():
        if not number or scope.parent != 0:
            continue
        klass = interpreter.scope_by_key(scope.klass) if scope.klass else None
        if klass is None:
            name = scope.name
        elif interpreter.scopes[klass].parent == 0:
            name = f"{interpreter.scopes[klass].name}.{scope.name}"
        else:
            continue
        found.setdefault(name, set()).add(number)
    return found


def callees(interpreter: Interpreter) -> dict[int, set[int]]:
    """Which of the module's scopes each scope calls."""
    found: dict[int, set[int]] = {}
    for key, callers in interpreter.calls_to.items():
        target = interpreter.scope_by_key(key)
        if target is not None:
            for caller in callers:
                found.setdefault(caller, set()).add(target)
    return found


def closure(calls: dict[int, set[int]] | dict[int, frozenset[int]], starts: set[int]) -> set[int]:
    """The scopes `starts` reach through calls, themselves included."""
    reached, pending = set(starts), list(starts)
    while pending:
        for callee in calls.get(pending.pop(), ()):
            if callee not in reached:
                reached.add(callee)
                pending.append(callee)
    return reached


# Calls that call a function they are given, with arguments they are given: where the function is and where
# its arguments are (an index, a keyword, "*" for the arguments after the function).
HANDS_ON: dict[str, tuple[int | str, int | str]] = {
    "threading.Thread": ("target", "args"), "multiprocessing.Process": ("target", "args"), "threading.Timer": (1, "args"),
    "atexit.register": (0, "*"), "functools.partial": (0, "*"), "asyncio.to_thread": (0, "*"),
    "_thread.start_new_thread": (0, 1), "sched.scheduler().enter": (2, "argument"), "signal.signal": (1, "*"),
    "concurrent.futures.ThreadPoolExecutor().submit": (0, "*"), "concurrent.futures.ProcessPoolExecutor().submit": (0, "*"),
    "asyncio.get_event_loop().run_in_executor": (1, "*"), "asyncio.get_running_loop().run_in_executor": (1, "*"),
    "multiprocessing.Pool().apply_async": (0, "args"), "multiprocessing.Pool().apply": (0, "args"),
    "map": (0, 1), "filter": (0, 1), "sorted": ("key", 0), "min": ("key", 0), "max": ("key", 0),
    "sqlite3.connect().create_function": (2, "*"), "re.sub": (1, "*"), "asyncio.get_event_loop().call_soon": (0, "*"),
}


def _handed_on(interpreter: Interpreter, node: ast.Call, scope: int, func: Value) -> ast.Call | None:
    """The call a runner makes of the function it is handed (a Thread's target with its args), as a call node
    of the code's own expressions, so that the rules read it like any other call."""
    spec = next((HANDS_ON[r] for r in sorted(func.refs) if r in HANDS_ON), None)
    if spec is None:
        return None
    keywords = {k.arg: k.value for k in node.keywords if k.arg}

    def pick(where: int | str) -> ast.expr | None:
        if isinstance(where, int):
            return node.args[where] if len(node.args) > where else None
        return keywords.get(where)

    target = pick(spec[0])
    if target is None:
        return None
    if spec[1] == "*":
        args = list(node.args[spec[0] + 1:]) if isinstance(spec[0], int) else []
    else:
        given = pick(spec[1])
        args = list(given.elts) if isinstance(given, (ast.Tuple, ast.List)) else []
    return ast.copy_location(ast.Call(func=target, args=args, keywords=[]), node)


def _imported_module(interpreter: Interpreter, node: ast.Call, scope: int) -> str | None:
    """The module a call of __import__ or import_module names, when it can be read."""
    func = interpreter.value(node.func, scope).refs
    if node.args and func & {"__import__", "importlib.import_module"}:
        names = [t for t in interpreter.value(node.args[0], scope).consts if isinstance(t, str)]
        return names[0] if len(names) == 1 else None
    return None


def _written_and_run(source: Source) -> list[tuple[ast.Call, int, list[str | bytes]]]:
    """Text written to a file that a later call runs (python on it, runpy.run_path): the program it holds, to be
    analysed as if it stood at that call."""
    written: list[tuple[set[str], list[str | bytes]]] = []
    for call in source.calls:
        node = call.node
        if node is None or not node.args or not isinstance(node.func, ast.Attribute) or node.func.attr not in WRITES:
            continue
        texts = [t for t in source.value(node.args[0], call.scope).consts if isinstance(t, (str, bytes))]
        marks = file_marks(source.value(node.func.value, call.scope))
        if texts and marks:
            written.append((marks, texts))
    runs: list[tuple[ast.Call, int, list[str | bytes]]] = []
    for call in source.calls if written else ():
        if call.node is None or not call.node.args:
            continue
        # the command and its pieces (list items, f-string fields): `f"{sys.executable} {path}"`
        parts = [node for node in ast.walk(call.node.args[0]) if isinstance(node, ast.expr)][:MAX_COMMAND_PARTS]
        command = [source.value(part, call.scope) for part in parts]
        if call.name not in FILE_RUNNERS and not any(names_interpreter(value) for value in command):
            continue
        named = set().union(*map(file_marks, command))
        runs += [(call.node, call.scope, texts) for marks, texts in written if marks & named]
    return runs


def _merge_payload(source: Source, node: ast.Call, scope: int, texts: list[str | bytes], depth: int,
                   analysed: dict[bytes, Source], keep: Callable[[str], bool]) -> None:
    """Code handed to exec as text (written out or decoded) is analysed too, as if it stood at the exec; each
    distinct payload once per file, within a byte budget."""
    for text in texts[:2]:
        data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
        inner = analysed.get(data)
        if inner is None:
            if sum(map(len, analysed)) + len(data) > MAX_PAYLOAD_BYTES:
                continue
            inner = analysed[data] = load(source.path, data, depth + 1, keep=keep)
        if inner.tree is None or inner.interpreter is None:
            continue
        for call in inner.calls:
            source.calls.append(Call(call.name, node.lineno, scope, call.node, call.hidden))
            if call.node is not None:
                for sub in (call.node, call.node.func, *call.node.args, *(k.value for k in call.node.keywords)):
                    source.foreign[id(sub)] = inner.foreign.get(id(sub), (inner.interpreter, call.scope))
        source.literals += [Literal(lit.value, node.lineno, scope) for lit in inner.literals]
        source.value_refs += [(name, node.lineno) for name, _ in inner.value_refs]
        source.env_iterations += [node.lineno for _ in inner.env_iterations]
        source.foreign.update(inner.foreign)
        source._literal_text = None


def _string_lines(source: Source, node: ast.Constant) -> None:
    end = node.end_lineno or node.lineno
    if end > node.lineno:
        source.string_lines.update(range(node.lineno + 1, end + 1))


ENVIRON = frozenset({"os.environ", "os.environ.items()", "os.environ.keys()", "os.environ.values()", "os.environ.copy()"})


def _iterates_environ_call(source: Source, node: ast.Call, scope: int) -> bool:
    """join/dumps/encode of a comprehension over all of os.environ (no filter)."""
    name = source.resolve(node.func, scope)
    if not name.endswith(("join", "dumps", "encode", "b64encode")):
        return False
    for arg in node.args:
        if isinstance(arg, (ast.GeneratorExp, ast.ListComp, ast.DictComp)):
            first = arg.generators[0]
            refs = source.value(first.iter, scope).refs
            if not first.ifs and refs and refs <= ENVIRON:
                return True
    return False


# Starts only where a name starts: from every letter of a long run the search would be quadratic.
_CALL_RE = re.compile(r"(?<![\w.])([A-Za-z_][\w.]*)\s*\(")
_STRING_RE = re.compile(r"""(?:[rbuRBU]{0,2})("[^"\n]{2,}"|'[^'\n]{2,}')""")


def _scan_lines(source: Source) -> None:
    for number, line in enumerate(source.lines, start=1):
        for match in _CALL_RE.finditer(line):
            source.calls.append(Call(match.group(1), number, 0))
        for match in _STRING_RE.finditer(line):
            source.literals.append(Literal(match.group(1)[1:-1], number, 0))


def _scan_tokens(source: Source) -> None:
    """Calls and strings from the tokenizer, or from a regex when even tokenizing fails."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source.text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError, ValueError, RecursionError):
        tokens = None
    if tokens is None:
        _scan_lines(source)
        return
    dotted: list[str] = []
    for tok in tokens:
        if tok.type == tokenize.NAME:
            if dotted and dotted[-1] == ".":
                dotted.append(tok.string)
            else:
                dotted = [tok.string]
        elif tok.type == tokenize.OP and tok.string == ".":
            dotted.append(".")
        elif tok.type == tokenize.OP and tok.string == "(" and dotted and dotted[-1] != ".":
            source.calls.append(Call("".join(dotted), tok.start[0], 0))
            dotted = []
        else:
            if tok.type == tokenize.STRING:
                body = re.sub(r"^[rbuRBUfF]*('''|\"\"\"|'|\")", "", tok.string)
                source.literals.append(Literal(body[:-3] if body.endswith(("'''", '"""')) else body[:-1], tok.start[0], 0))
            dotted = []
