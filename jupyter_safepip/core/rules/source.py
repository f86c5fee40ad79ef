"""One pass over a Python file: the calls (with import aliases resolved), string literals and scopes matchers need.

Files `ast` cannot parse (Python 2, templates) fall back to the tokenizer, and past that to a regex, so they
still yield calls and strings, only without argument structure.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field

SNIPPET_CHARS = 120
LITERAL_SCAN_CHARS = 2000  # how much of each literal the text rules look at
DYNAMIC_IMPORTS = frozenset({"__import__", "importlib.import_module"})
VALUE_REF_NAMES = frozenset({"exec", "eval", "compile", "__import__"})
# Last components of calls that turn opaque data back into code or text.
DECODERS = frozenset({
    "b64decode", "b32decode", "b16decode", "b85decode", "a85decode", "decodebytes", "decodestring",
    "standard_b64decode", "urlsafe_b64decode", "unhexlify", "a2b_base64", "a2b_hex", "fromhex",
    "decompress", "decrypt", "rot13",
})
DECODER_CALLS = frozenset({"marshal.loads", "pickle.loads", "codecs.decode", "zlib.decompress"})
CHR_CODES = "<chr codes>"  # marks text spelled out as a list of character codes
DECODED_LITERAL = "<decoded literal>"  # marks data decoded from a string written in the code itself
_LINE_ENDS = re.compile(r"\r\n|\r|\n")
MAX_FLOW_STEPS = 300_000  # syntax nodes all data-flow questions about one file may visit: bounded time on any file
MAX_PARSE_BYTES = 4 * 1024 * 1024  # larger files are matched line by line: parsing them would cost too much memory


@dataclass(frozen=True)
class Call:
    """A call: its dotted name as resolved through imports, where it is, and its node when parsed."""

    name: str
    line: int
    scope: int  # id of the enclosing function (0: module level)
    node: ast.Call | None = None


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
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> dotted origin
    assigned: dict[str, list[ast.expr]] = field(default_factory=dict)  # "scope:variable" -> expressions assigned
    names: set[str] = field(default_factory=set)  # every variable name used
    returns: dict[str, list[tuple[int, ast.expr]]] = field(default_factory=dict)  # function -> (its scope, returned value)
    params: dict[int, set[str]] = field(default_factory=dict)  # scope -> its parameter names
    value_refs: list[tuple[str, int]] = field(default_factory=list)  # builtins like exec used as values, not called
    import_time: set[int] = field(default_factory=lambda: {0})  # scopes that run on import (module level + what it calls)
    env_iterations: list[int] = field(default_factory=list)  # lines serialising all of os.environ
    string_lines: set[int] = field(default_factory=set)  # lines inside multi-line string literals
    imports: set[tuple[int, str]] = field(default_factory=set)  # (relative level, dotted module) it may import
    flow_steps_left: int = MAX_FLOW_STEPS  # what following variables may still cost in this file
    _lines: list[str] | None = None
    _literal_text: str | None = None

    def spend_flow_step(self) -> bool:
        """Count one step of following data through variables; False once the file's budget is spent."""
        self.flow_steps_left -= 1
        return self.flow_steps_left >= 0

    @property
    def flow_cut_short(self) -> bool:
        """Whether following data through this file's variables stopped at the budget (a hostile tangle)."""
        return self.flow_steps_left < 0

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

    def resolve(self, node: ast.AST) -> str:
        """The dotted name an expression refers to ('' when it is not a plain name or attribute chain)."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Call):
            inner = self.resolve(node.func)
            module = dynamic_import(inner, node)
            looked_up = _named_lookup(node.args) if inner == "getattr" else None
            if module is not None:
                parts.append(module)  # __import__("os").system is os.system
            elif looked_up and (base := self.resolve(looked_up[0])):
                parts.append(f"{base}.{looked_up[1]}")  # getattr(os, "system") is os.system
            else:
                parts.append(f"{inner}()" if inner else "()")
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "__dict__" \
                and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str) \
                and (base := self.resolve(node.value.value)):
            parts.append(f"{base}.{node.slice.value}")  # builtins.__dict__["exec"] is builtins.exec
        elif isinstance(node, ast.Name):
            parts.append(self.aliases.get(node.id, node.id))
        elif isinstance(node, ast.Constant) and parts:
            parts.append(type(node.value).__name__)  # ''.join -> str.join
        else:
            return ""
        dotted = ".".join(reversed(parts))
        return "builtins." + dotted.removeprefix("__builtins__.") if dotted.startswith("__builtins__.") else dotted


def _named_lookup(args: list[ast.expr]) -> tuple[ast.expr, str] | None:
    """(object, attribute) of getattr(object, "attribute") with the name written out."""
    if len(args) >= 2 and isinstance(args[1], ast.Constant) and isinstance(args[1].value, str):
        return args[0], args[1].value
    return None


def dynamic_import(name: str, call: ast.Call) -> str | None:
    """The module a call to `name` imports when it is __import__ or import_module of a literal, else None."""
    first = call.args[0] if call.args else None
    if name in DYNAMIC_IMPORTS and isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def is_decoder(name: str) -> bool:
    return name in DECODER_CALLS or name.rsplit(".", 1)[-1] in DECODERS


def shorten(text: str) -> str:
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"


def load(path: str, data: bytes) -> Source:
    """Parse `data`; never raises."""
    text = data.decode("utf-8", "replace")
    if len(data) > MAX_PARSE_BYTES:
        source = Source(path, text, None)
        _scan_lines(source)
        return source
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        source = Source(path, text, None)
        _scan_tokens(source)
        return source
    source = Source(path, text, tree)
    _Collector(source).run(tree)
    return source


class _Collector:
    """Collects imports, calls, literals, scopes and assignments in one iterative walk (deep code cannot overflow it)."""

    def __init__(self, source: Source) -> None:
        self.s = source
        self.scope = 0
        self.next_scope = 0
        self.functions: dict[str, int] = {}
        self.called_at_import: set[str] = set()
        self.handlers = {
            ast.Import: self.visit_Import, ast.ImportFrom: self.visit_ImportFrom, ast.FunctionDef: self.visit_function,
            ast.AsyncFunctionDef: self.visit_function, ast.Lambda: self.visit_function, ast.Call: self.visit_Call,
            ast.Name: self.visit_Name, ast.Expr: self.visit_Expr, ast.Constant: self.visit_Constant,
            ast.Assign: self.visit_Assign, ast.AugAssign: self.visit_AugAssign, ast.Return: self.visit_Return,
        }
        self.scope_names: dict[int, str] = {}

    def run(self, tree: ast.AST) -> None:
        stack: list[tuple[ast.AST, int]] = [(tree, 0)]
        while stack:
            node, self.scope = stack.pop()
            handler = self.handlers.get(type(node))
            children = handler(node) if handler else None
            if children is None:
                children = _children(node)
            # Reversed, so nodes are handled in source order (imports before the calls that use them).
            stack.extend((child, self.scope) for child in reversed(children))
        self.s.import_time |= {self.functions[name] for name in self.called_at_import if name in self.functions}

    def visit_Import(self, node: ast.Import) -> list[ast.AST]:
        for alias in node.names:
            self.s.imports.add((0, alias.name))
            if alias.asname:
                self.s.aliases[alias.asname] = alias.name
        return []

    def visit_ImportFrom(self, node: ast.ImportFrom) -> list[ast.AST]:
        module = node.module or ""
        if module:
            self.s.imports.add((node.level, module))
        for alias in node.names:
            dotted = f"{module}.{alias.name}" if module else alias.name
            self.s.imports.add((node.level, dotted))  # the name may be a submodule
            self.s.aliases[alias.asname or alias.name] = dotted
        return []

    def visit_function(self, node: ast.AST) -> None:
        self.next_scope += 1
        self.scope = self.next_scope
        arguments = node.args  # type: ignore[attr-defined]
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
        self.s.params[self.scope] = {a.arg for a in every if a is not None}
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.functions[node.name] = self.scope
            self.scope_names[self.scope] = node.name

    def visit_Return(self, node: ast.Return) -> None:
        name = self.scope_names.get(self.scope)
        if name and node.value is not None:
            self.s.returns.setdefault(name, []).append((self.scope, node.value))

    def visit_Call(self, node: ast.Call) -> list[ast.AST]:
        name = self.s.resolve(node.func)
        if name:
            self.s.calls.append(Call(name, node.lineno, self.scope, node))
        module = dynamic_import(name, node)
        if module is not None:
            self.s.imports.add((0, module))
        if name.endswith(("join", "dumps", "encode", "b64encode")) and any(_iterates_environ(self.s, a) for a in node.args):
            self.s.env_iterations.append(node.lineno)
        if self.scope == 0:
            # f() or threading.Thread(target=f) at module level: f runs on import.
            for sub in [node.func, *node.args, *(k.value for k in node.keywords)]:
                if isinstance(sub, ast.Name):
                    self.called_at_import.add(sub.id)
        head = [] if isinstance(node.func, ast.Name) else [node.func]  # a called exec is not an exec used as a value
        return [*head, *node.args, *node.keywords]

    def visit_Name(self, node: ast.Name) -> list[ast.AST]:
        self.s.names.add(node.id)
        if node.id in VALUE_REF_NAMES and isinstance(node.ctx, ast.Load):
            self.s.value_refs.append((node.id, node.lineno))
        return []

    def visit_Expr(self, node: ast.Expr) -> list[ast.AST] | None:
        if isinstance(node.value, ast.Constant):
            self._string_lines(node.value)
            return []  # a docstring or bare string documents; its words are not behaviour
        return None

    def _string_lines(self, node: ast.Constant) -> None:
        end = node.end_lineno or node.lineno
        if end > node.lineno:
            self.s.string_lines.update(range(node.lineno + 1, end + 1))

    def visit_Constant(self, node: ast.Constant) -> list[ast.AST]:
        self._string_lines(node)
        value = node.value
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if isinstance(value, str) and value:
            self.s.literals.append(Literal(value, node.lineno, self.scope))
        return []

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._assign([node.target], node.value)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._assign(node.targets, node.value)

    def _assign(self, targets: list[ast.expr], value: ast.expr) -> None:
        # Only remembered here; what flows where is worked out when a matcher asks (most variables never matter).
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    self.s.assigned.setdefault(f"{self.scope}:{name.id}", []).append(value)


class _Flow:
    """Follows variables of one function back to the expressions assigned to them."""

    def __init__(self, source: Source, scope: int, followed: set[tuple[str, str]] | None = None) -> None:
        self.s = source
        self.scope = scope
        self.followed: set[tuple[str, str]] = set() if followed is None else followed

    def values(self, name: str, purpose: str) -> list[ast.expr]:
        key = f"{self.scope}:{name}"
        if key not in self.s.assigned and name not in self.s.params.get(self.scope, ()):
            key = f"0:{name}"  # neither assigned in the function nor a parameter: a module-level variable
        if (purpose, key) in self.followed:
            return []
        self.followed.add((purpose, key))
        return self.s.assigned.get(key, [])

    def feeders(self, node: ast.AST) -> set[str]:
        found: set[str] = set()
        pending: list[tuple[_Flow, ast.AST]] = [(self, node)]  # a work list, not recursion: chains can be long
        while pending:
            flow, top = pending.pop()
            for sub in ast.walk(top):
                if not self.s.spend_flow_step():
                    return found
                if isinstance(sub, ast.Call):
                    name = self.s.resolve(sub.func)
                    if name:
                        found.add(name)
                        if is_decoder(name) and sub.args and flow.literal(sub.args[0]):
                            found.add(DECODED_LITERAL)
                    if isinstance(sub.func, ast.Name) and ("return", sub.func.id) not in self.followed:
                        # A helper of this file: what it returns feeds the call's result.
                        self.followed.add(("return", sub.func.id))
                        pending += [(_Flow(self.s, scope, self.followed), value)
                                    for scope, value in self.s.returns.get(sub.func.id, [])]
                elif isinstance(sub, ast.Name):
                    pending += [(flow, value) for value in flow.values(sub.id, "feeders")]
                elif isinstance(sub, ast.Subscript) and _is_reverse_slice(sub.slice) and flow.literal(sub.value):
                    found.add("[::-1]")
                if flow._chr_codes(sub):
                    found.add(CHR_CODES)
        return found

    def _chr_codes(self, node: ast.AST) -> bool:
        """map(chr, [104, 105]) or chr(c) for c in [104, 105]: text spelled as character codes in the code."""
        if isinstance(node, ast.Call) and self.s.resolve(node.func) == "map" and len(node.args) == 2:
            return isinstance(node.args[0], ast.Name) and node.args[0].id == "chr" and self._numbers(node.args[1])
        if isinstance(node, (ast.GeneratorExp, ast.ListComp)) and isinstance(node.elt, ast.Call):
            return self.s.resolve(node.elt.func) == "chr" and self._numbers(node.generators[0].iter)
        return False

    def _numbers(self, node: ast.AST) -> bool:
        pending = [node]
        while pending and self.s.spend_flow_step():
            node = pending.pop()
            if isinstance(node, ast.Name):
                pending += self.values(node.id, "numbers")
            elif isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) > 1 and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, int) for e in node.elts):
                return True
        return False

    def literal(self, node: ast.AST) -> bool:
        """Text written in the code: a literal, pieces of it joined, or a variable assigned one."""
        pending = [node]
        while pending and self.s.spend_flow_step():
            node = pending.pop()
            if isinstance(node, ast.Constant):
                if isinstance(node.value, (str, bytes)):
                    return True
            elif isinstance(node, ast.BinOp):
                # a + b + c nests to the left: each right-hand piece counts, and the leftmost unless it is a
                # bare constant (`"=" * n` pads data, it writes none)
                while isinstance(node, ast.BinOp):
                    pending.append(node.right)
                    node = node.left
                if not isinstance(node, ast.Constant):
                    pending.append(node)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"encode", "decode"}:
                pending.append(node.func.value)
            elif isinstance(node, ast.Name):
                pending += self.values(node.id, "literal")
        return False

    def words(self, node: ast.AST) -> set[str]:
        found: set[str] = set()
        pending = [node]
        while pending:
            for sub in ast.walk(pending.pop()):
                if not self.s.spend_flow_step():
                    return found
                if isinstance(sub, ast.Name):
                    found.add(sub.id.lower())
                    pending += self.values(sub.id, "words")
                elif isinstance(sub, ast.Attribute):
                    found.add(sub.attr.lower())
                elif isinstance(sub, ast.Constant) and isinstance(sub.value, str) and len(sub.value) <= 40:
                    found.add(sub.value.lower())
        return found


def feeders(source: Source, node: ast.AST, scope: int) -> set[str]:
    """Names of the calls (directly or through variables of the same function) an expression is computed from."""
    return _Flow(source, scope).feeders(node)


def words_of(source: Source, node: ast.AST, scope: int) -> set[str]:
    """Identifiers, attribute names and short strings an expression (and the variables it uses) mentions."""
    return _Flow(source, scope).words(node)


_SKIPPED = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)  # leaves with nothing to collect


def _children(node: ast.AST) -> list[ast.AST]:
    """ast.iter_child_nodes without the context and operator leaves, which are a third of all nodes."""
    found: list[ast.AST] = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            found.extend(v for v in value if isinstance(v, ast.AST) and not isinstance(v, _SKIPPED))
        elif isinstance(value, ast.AST) and not isinstance(value, _SKIPPED):
            found.append(value)
    return found


def _iterates_environ(source: Source, node: ast.AST) -> bool:
    """A comprehension over all of os.environ (no filter), e.g. serialised with join."""
    if not isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.DictComp)):
        return False
    first = node.generators[0]
    return not first.ifs and source.resolve(first.iter) in {"os.environ", "os.environ.items()", "os.environ.keys()"}


def _is_reverse_slice(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Slice)
        and node.lower is None
        and node.upper is None
        and isinstance(node.step, ast.UnaryOp)
        and isinstance(node.step.op, ast.USub)
    )


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
