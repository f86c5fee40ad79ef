"""A small abstract interpreter over one Python module: every expression gets a `Value`.

It follows assignments, aliases, attributes, imports, computed lookups (getattr, vars, globals(), __dict__,
sys.modules, __builtins__, importlib, __import__), string building and decoding of constants, and calls
through the module's own functions, lambdas, methods and decorators. It is flow-insensitive: a variable is
the join of everything assigned to it anywhere in its scope, iterated to a fixpoint (or a pass limit).
Nothing is ever run.
"""

from __future__ import annotations

import ast
import builtins
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from .values import (
    CHR_CODES,
    ASSEMBLED,
    COMPUTED_NAME,
    DECODE_FOLDS,
    DECODED_LITERAL,
    EMPTY,
    MAX_CONSTS,
    MAX_REFS,
    REVERSED,
    STR_METHODS,
    TEXT,
    UNKNOWN,
    Value,
    combine,
    const,
    is_decoder,
    ref,
)

MAX_PASSES = 5
MAX_CALLS_IN_NAME = 2  # socket.socket().connect, requests.get().json: longer chains of results name nothing a rule reads
MAX_NAME_CHARS = 160
MAX_ITEMS = 20_000  # elements a comprehension over constants may fold
BUILTIN_NAMES = frozenset(dir(builtins)) - {"__doc__", "__name__", "__package__", "__loader__", "__spec__"}
DYNAMIC_IMPORTS = frozenset({"__import__", "importlib.import_module", "importlib.__import__"})
GETATTRS = frozenset({"getattr", "object.__getattribute__", "builtins.getattr", "operator.attrgetter"})
_SKIPPED = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)  # leaves with nothing to collect
_BINOPS: dict[type, Callable] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b if _small_repeat(a, b) else None,
    ast.Mod: lambda a, b: a % b, ast.BitXor: lambda a, b: a ^ b, ast.BitAnd: lambda a, b: a & b,
    ast.BitOr: lambda a, b: a | b, ast.FloorDiv: lambda a, b: a // b, ast.LShift: lambda a, b: a << b if b < 64 else None,
    ast.RShift: lambda a, b: a >> b,
}


class _Nowhere(set):
    """A set that keeps nothing: reads and changes noted after the fixpoint (queries) are not tracked."""

    def add(self, item) -> None:
        pass

    def update(self, *items) -> None:
        pass


_NOWHERE = _Nowhere()


def _looks_like_text(codes: tuple) -> bool:
    """Character codes of readable text (a hidden string), not numbers computed for their own sake."""
    printable = sum(1 for c in codes if isinstance(c, int) and (32 <= c < 127 or c in (9, 10, 13)))
    return len(codes) >= 4 and printable >= 0.9 * len(codes)


def _literal_data(value: Value) -> bool:
    """Data written in the code: known text, or text put together from so many literal pieces that they are not
    all listed (a payload appended to line by line); not data that merely met a literal somewhere."""
    return _all_text(value) or ({TEXT, ASSEMBLED} <= value.origins and all(o.startswith("<") for o in value.origins))


def _all_text(value: Value) -> bool:
    """Known text and nothing else (a list of module names reversed is not text written backwards)."""
    return bool(value.consts) and not value.opaque and all(isinstance(c, (str, bytes)) for c in value.consts)


def _small_repeat(a, b) -> bool:
    count = b if isinstance(b, int) else a if isinstance(a, int) else 0
    return isinstance(count, int) and count < 100_000


@dataclass
class Scope:
    """A function, lambda, class body or the module: names live here."""

    id: int
    node: ast.AST
    parent: int | None  # where names not bound here are looked up (class bodies are skipped, as in Python)
    name: str = "<module>"
    params: tuple[str, ...] = ()
    klass: str | None = None  # for a method: the key of its class
    local: set[str] = field(default_factory=set)  # names bound in this scope
    global_names: set[str] = field(default_factory=set)


class Interpreter:
    """Abstract values of one module's expressions, computed once; queried by `value(node, scope)`."""

    def __init__(self, tree: ast.Module, key: str = "m", steps: int = 2_000_000, steps_per_node: int = 0,
                 keep: Callable[[str], bool] = lambda name: True,
                 imported: Callable[[int, str, str], Value | None] = lambda level, module, name: None) -> None:
        self.tree = tree
        self.imported = imported  # the value a sibling module of the package gives a name (from .data import KEY)
        self.keep = functools.lru_cache(maxsize=4096)(keep)  # which call names are worth remembering as origins
        self.key = key
        self.steps_left = steps
        self.exec_texts: dict[int, tuple[ast.Call, int, list[str | bytes]]] = {}  # exec of known text, by call node
        self.scopes: dict[int, Scope] = {0: Scope(0, tree, None)}
        self.scope_of: dict[int, int] = {}  # id(def/lambda/class node) -> the scope it creates
        self.env: dict[tuple[int, str], Value] = {}
        self.attrs: dict[tuple[str, str], Value] = {}  # (class key, attribute) -> value (methods, self.x = ...)
        self.returns: dict[str, Value] = {}  # function key -> what it returns
        self.calls_to: dict[str, set[int]] = {}  # function key -> scopes that call it
        self.star_imports: list[str] = []  # modules whose names `from m import *` brings in
        self.statements: list[tuple[ast.AST, int]] = []  # every statement-like node with its scope, in order
        self.call_nodes: list[tuple[ast.Call, int]] = []  # every call with its scope, in source order
        self.memo: dict[int, Value] = {}  # each expression's value as last computed; read once the fixpoint is reached
        self.settled = False
        self.mentions: list[tuple[ast.AST, int]] = []  # names, constants, imports and bare expressions, in walk order
        self._reads: set[tuple] = _NOWHERE  # what the running statement reads; _NOWHERE outside the fixpoint
        self._stamps: dict[tuple, int] = {}  # what changed, with the clock at its last change
        self._clock = 0
        self.changed = False
        self.converged = True  # False: the pass limit came first (values may be incomplete, not wrong)
        self.overflowed = False  # an expression nested too deeply to evaluate
        self.nodes = 0  # syntax nodes of the tree: the budget grows with the file's size
        self._declare(tree)
        self.steps_left += steps_per_node * self.nodes
        self._run()

    # ---- set-up: scopes and the bindings each one makes
    def _declare(self, tree: ast.Module) -> None:
        """One walk over the tree: scopes, bindings, statements and calls; and, for the readers of the file
        (source.py), its names, constants and imports with their scopes (`mentions`). Annotations and the test
        of a `__main__` guard are only read, not interpreted (`live` False)."""
        stack: list[tuple[ast.AST, int, bool]] = [(tree, 0, True)]
        mentions = self.mentions
        while stack:
            node, scope, live = stack.pop()
            kind = node.__class__
            if kind in _MENTIONS:
                mentions.append((node, scope))
            children = child_nodes(node)
            if not live:
                stack.extend((child, scope, False) for child in reversed(children))
                continue
            self.nodes += 1
            if scope == 0 and kind is ast.If and _is_main_guard(node.test):
                # `if __name__ == "__main__":` runs when the file is run as a program, not when it is imported
                main = len(self.scopes)
                self.scopes[main] = Scope(main, node, 0, "<main>")
                self.scope_of[id(node)] = main
                stack.extend((child, 0, True) for child in reversed(node.orelse))
                stack.append((node.test, 0, False))
                stack.extend((child, main, True) for child in reversed(node.body))
                continue
            if kind in _SCOPED:
                inner = self._new_scope(node, scope)
                if kind is not ast.Lambda:
                    self._bind_name(scope, node.name)
                body = [node.body] if kind is ast.Lambda else node.body
                evaluated = set(map(id, _evaluated_outside(node)))  # decorators, defaults, bases: run where defined
                self.statements.append((node, scope))
                outer = [c for c in children if not any(c is b for b in body)]
                stack.extend((child, scope, id(child) in evaluated or child.__class__ is ast.arguments)
                             for child in reversed(outer))
                stack.extend((child, inner, True) for child in reversed(body))
                continue
            if kind is ast.arguments:  # only its defaults are evaluated (its annotations are read)
                defaults = set(map(id, (*node.defaults, *(d for d in node.kw_defaults if d is not None))))
                stack.extend((child, scope, id(child) in defaults) for child in reversed(children))
                continue
            if kind is ast.Call:
                self.call_nodes.append((node, scope))
            elif kind is ast.Global or kind is ast.Nonlocal:
                self.scopes[scope].global_names.update(node.names)
            elif kind is ast.Import or kind is ast.ImportFrom:
                for alias in node.names:
                    self._bind_name(scope, (alias.asname or alias.name).split(".")[0])
            elif kind is ast.Name and node.ctx.__class__ is not ast.Load:
                self._bind_name(scope, node.id)
            if isinstance(node, (ast.stmt, ast.comprehension)) or kind is ast.NamedExpr:
                self.statements.append((node, scope))
            stack.extend((child, scope, True) for child in reversed(children))

    def _new_scope(self, node: ast.AST, parent: int) -> int:
        number = len(self.scopes)
        klass = None
        lookup_parent = parent
        while self.scopes[lookup_parent].node.__class__ is ast.ClassDef:  # class bodies are not enclosing scopes
            klass = klass or self._func_key(lookup_parent)
            lookup_parent = self.scopes[lookup_parent].parent or 0
        params: tuple[str, ...] = ()
        if not isinstance(node, ast.ClassDef):
            a = node.args  # type: ignore[attr-defined]
            params = tuple(p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if p is not None)
        name = getattr(node, "name", "<lambda>")
        self.scopes[number] = Scope(number, node, lookup_parent, name, params,
                                    klass if self.scopes[parent].node.__class__ is ast.ClassDef else None,
                                    set(params))
        self.scope_of[id(node)] = number
        return number

    def _bind_name(self, scope: int, name: str) -> None:
        owner = 0 if self.scopes[scope].name == "<main>" else scope  # a __main__ block binds module globals
        self.scopes[owner].local.add(name)

    def _func_key(self, scope: int) -> str:
        return f"{self.key}:{scope}"

    @property
    def cut_short(self) -> bool:
        """Whether the evaluation budget ran out or an expression was too deep: a hostile tangle."""
        return self.steps_left <= 0 or self.overflowed

    def scope_by_key(self, key: str) -> int | None:
        prefix, _, number = key.rpartition(":")
        return int(number) if prefix == self.key and number.isdigit() else None

    # ---- the fixpoint
    def _run(self) -> None:
        """Passes over every statement until nothing changes; after the first, a statement runs again only when
        something it read (a binding, an attribute, a function's return) has changed since it last ran. Calls
        that no statement evaluates (in a comparison, a yield, a bare `with`) join after the first pass: what
        they pass on and what they call counts too."""
        reads: list[set[tuple] | frozenset[tuple]] = [frozenset()] * len(self.statements)
        ran_at = [-1] * len(self.statements)  # the clock when each statement last ran (-1: never)
        stamps = self._stamps
        for number in range(MAX_PASSES):
            self.changed = False
            for index, (node, scope) in enumerate(self.statements):
                if self.steps_left <= 0:
                    break
                at = ran_at[index]
                if at >= 0 and all(stamps.get(key, -1) <= at for key in reads[index]):
                    continue
                self._reads = set()
                ran_at[index] = self._clock
                self._execute(node, scope)
                reads[index] = self._reads
            if number == 0:
                orphans = [(node, scope) for node, scope in self.call_nodes if id(node) not in self.memo]
                self.statements += orphans
                reads += [frozenset()] * len(orphans)
                ran_at += [-1] * len(orphans)
                self.changed = self.changed or bool(orphans)
            if not self.changed:
                break
        else:
            self.converged = False
        self._reads = _NOWHERE
        if not self.converged:  # what each expression had in its last run may not hold: values are read afresh
            self.memo.clear()
            self.exec_texts.clear()
        self.settled = True

    def _touch(self, key: tuple) -> None:
        """Note that what `key` names has changed: the statements that read it before now run again."""
        self.changed = True
        self._clock += 1
        self._stamps[key] = self._clock

    def _store(self, scope: int, name: str, value: Value) -> None:
        owner = self._owner(scope, name)
        key = (owner, name)
        old = self.env.get(key, EMPTY)
        new = old.join(value)
        if new != old:
            self.env[key] = new
            self._touch(key)

    def _store_attr(self, klass: str, name: str, value: Value) -> None:
        old = self.attrs.get((klass, name), EMPTY)
        new = old.join(value)
        if new != old:
            self.attrs[klass, name] = new
            self._touch((klass, name))

    def _owner(self, scope: int, name: str) -> int:
        """The scope whose binding of `name` a use in `scope` sees."""
        current: int | None = scope
        if name in self.scopes[scope].global_names:
            return 0
        while current is not None:
            info = self.scopes[current]
            if name in info.local or current == 0:
                return current
            current = info.parent
        return 0

    def _execute(self, node: ast.AST, scope: int) -> None:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            if node.value is not None:
                value = self.value(node.value, scope)
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    self._assign(target, node.value, value, scope)
        elif isinstance(node, ast.AugAssign):
            value = self._binop(node.op, self.value(node.target, scope), self.value(node.value, scope))
            self._assign(node.target, None, value, scope)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._assign(node.target, None, _element(self.value(node.iter, scope)), scope)
        elif isinstance(node, ast.comprehension):
            self._assign(node.target, None, _element(self.value(node.iter, scope)), scope)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self._assign(item.optional_vars, None, self.value(item.context_expr, scope), scope)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            self._import(node, scope)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self._define(node, scope)
        elif isinstance(node, ast.Lambda):  # what a lambda returns, like a function's return (never evaluated inline)
            inner = self.scope_of[id(node)]
            self._add_return(self._func_key(inner), self.value(node.body, inner))
        elif isinstance(node, ast.Return) and node.value is not None:
            function = self._enclosing_function(scope)
            if function is not None:
                self._add_return(self._func_key(function), self.value(node.value, scope))
        elif isinstance(node, ast.NamedExpr):
            self._assign(node.target, None, self.value(node.value, scope), scope)
        elif isinstance(node, ast.Expr) or isinstance(node, ast.expr):
            target = node.value if isinstance(node, ast.Expr) else node
            self.value(target, scope)
        elif isinstance(node, (ast.If, ast.While, ast.Assert)):
            self.value(node.test, scope)
        elif isinstance(node, ast.Raise) and node.exc is not None:
            self.value(node.exc, scope)

    def _enclosing_function(self, scope: int) -> int | None:
        return scope if scope and not isinstance(self.scopes[scope].node, ast.ClassDef) else None

    def _add_return(self, key: str, value: Value) -> None:
        old = self.returns.get(key, EMPTY)
        new = old.join(value)
        if new != old:
            self.returns[key] = new
            self._touch(("return", key))

    def _define(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, scope: int) -> None:
        inner = self.scope_of[id(node)]
        key = self._func_key(inner)
        bound = Value(funcs=frozenset({key}))
        for decorator in reversed(node.decorator_list):  # a decorator is called when the function is defined
            bound = bound.join(self._call_value(self.value(decorator, scope), [bound], {}, scope, decorator))
        self._store(scope, node.name, bound)
        info = self.scopes[scope]
        if isinstance(info.node, ast.ClassDef):
            self._store_attr(self._func_key(scope), node.name, bound)
        if isinstance(node, ast.ClassDef):
            self._note_call(key, scope)  # a class body runs when the class is defined
            for base in node.bases:
                for base_key in self.value(base, scope).funcs:
                    self._store_attr(key, "__bases__", Value(funcs=frozenset({base_key})))
            # Defining the class also runs its metaclass's __prepare__/__new__/__init__ and its bases'
            # __init_subclass__ (whatever the class body itself does).
            hooks = [(self._class_attr(k, "__init_subclass__"), [Value(funcs=frozenset({key}))])
                     for base in node.bases for k in self.value(base, scope).funcs]
            hooks += [(self._class_attr(k, method), [Value(funcs=frozenset({k}))])
                      for kw in node.keywords if kw.arg == "metaclass" for k in self.value(kw.value, scope).funcs
                      for method in ("__prepare__", "__new__", "__init__")]
            for method, args in hooks:
                if method.funcs:
                    self._call_value(method, args, {}, scope, node)
        else:
            # a parameter's default is its value whenever a caller leaves it out (def run(cmd, runner=os.system))
            a = node.args
            positional = [*a.posonlyargs, *a.args]
            defaults = [*zip(positional[len(positional) - len(a.defaults):], a.defaults),
                        *((p, d) for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None)]
            for param, default in defaults:
                self._store(inner, param.arg, self.value(default, scope))
            klass = self.scopes[inner].klass
            if klass and info.node.__class__ is ast.ClassDef and self.scopes[inner].params:
                is_static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
                if not is_static:
                    self._store(inner, self.scopes[inner].params[0], Value(funcs=frozenset({f"instance:{klass}"})))

    def _import(self, node: ast.Import | ast.ImportFrom, scope: int) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self._store(scope, alias.asname, ref(alias.name))
                else:
                    top = alias.name.split(".")[0]
                    self._store(scope, top, ref(top))
            return
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                if not node.level and module and module not in self.star_imports:
                    self.star_imports.append(module)  # `from os import *`: a bare system(...) is os.system
                    self._touch(("*",))
                continue
            dotted = f"{module}.{alias.name}" if module else alias.name
            shared = self.imported(node.level, module, alias.name)
            self._store(scope, alias.asname or alias.name, shared if shared is not None else ref(_canonical(dotted)))

    def _assign(self, target: ast.AST, value_node: ast.AST | None, value: Value, scope: int) -> None:
        if isinstance(target, ast.Name):
            self._store(scope, target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value_node, (ast.Tuple, ast.List)) and len(value_node.elts) == len(target.elts):
                for sub_target, sub_node in zip(target.elts, value_node.elts):
                    self._assign(sub_target, sub_node, self.value(sub_node, scope), scope)
            else:
                element = _element(value)
                for sub_target in target.elts:
                    self._assign(sub_target.value if isinstance(sub_target, ast.Starred) else sub_target, None, element, scope)
        elif isinstance(target, ast.Attribute):
            holder = self.value(target.value, scope)
            for key in holder.funcs:
                if key.startswith("instance:"):
                    self._store_attr(key.removeprefix("instance:"), target.attr, value)
                else:
                    self._store_attr(key, target.attr, value)
        elif isinstance(target, ast.Subscript):
            base = target.value
            while isinstance(base, ast.Subscript):
                base = base.value
            if isinstance(base, ast.Name):
                self._store(scope, base.id, _as_container(value))
            elif isinstance(base, ast.Attribute):
                self._assign(base, None, _as_container(value), scope)
        elif isinstance(target, ast.Starred):
            self._assign(target.value, None, value, scope)

    def _note_call(self, key: str, caller: int) -> None:
        callers = self.calls_to.setdefault(key, set())
        if caller not in callers:
            callers.add(caller)
            self.changed = True

    # ---- expressions
    def value(self, node: ast.AST, scope: int) -> Value:
        """The abstract value of an expression evaluated in `scope`."""
        memo = self.memo
        if self.settled:  # (a statement runs again whenever what it read changed: its expressions' last values hold)
            found = memo.get(id(node))
            if found is not None:
                return found
        self.steps_left -= 1
        try:
            value = self._value(node, scope) if self.steps_left > 0 else UNKNOWN
        except RecursionError:
            self.overflowed = True
            value = UNKNOWN
        memo[id(node)] = value
        return value

    def _value(self, node: ast.AST, scope: int) -> Value:
        if isinstance(node, ast.Constant):
            return const(node.value)
        if isinstance(node, ast.Name):
            return self._name(node.id, scope)
        if isinstance(node, ast.Attribute):
            return self.attribute(self.value(node.value, scope), node.attr)
        if isinstance(node, ast.Call):
            return self._call(node, scope)
        if isinstance(node, ast.BinOp):
            return self._binop_chain(node, scope)
        if isinstance(node, ast.JoinedStr):
            parts = [self.value(v.value, scope) if isinstance(v, ast.FormattedValue) else self.value(v, scope)
                     for v in node.values]
            return combine([_as_text(p) for p in parts], lambda *xs: "".join(xs), ASSEMBLED) if parts else const("")
        if isinstance(node, ast.Subscript):
            return self._subscript(node, scope)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = [self.value(e.value if isinstance(e, ast.Starred) else e, scope) for e in node.elts]
            return _sequence(items)
        if isinstance(node, ast.Dict):
            items = [self.value(k, scope) for k in node.keys if k is not None] + [self.value(v, scope) for v in node.values]
            return _as_container(_join_all(items)) if items else UNKNOWN
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            return self._comprehension(node, scope)
        if isinstance(node, ast.DictComp):
            return _as_container(self.value(node.key, scope).join(self.value(node.value, scope)))
        if isinstance(node, ast.Lambda):
            return Value(funcs=frozenset({self._func_key(self.scope_of[id(node)])}))
        if isinstance(node, ast.IfExp):
            return self.value(node.body, scope).join(self.value(node.orelse, scope))
        if isinstance(node, ast.BoolOp):
            return _join_all([self.value(v, scope) for v in node.values])
        if isinstance(node, ast.NamedExpr):
            return self.value(node.value, scope)
        if isinstance(node, (ast.Await, ast.Starred, ast.FormattedValue)):
            return self.value(node.value, scope)
        if isinstance(node, ast.UnaryOp):
            inner = self.value(node.operand, scope)
            fold = {ast.USub: lambda a: -a, ast.Invert: lambda a: ~a, ast.UAdd: lambda a: +a}.get(type(node.op))
            return combine([inner], fold) if fold else UNKNOWN
        return UNKNOWN

    def _name(self, name: str, scope: int) -> Value:
        owner = self._owner(scope, name)
        self._reads.add((owner, name))
        bound = self.env.get((owner, name))
        if bound is not None:
            return bound
        if name in self.scopes[owner].local:
            return EMPTY  # not bound yet in this pass (or bound by code not followed): nothing known so far
        if name == "__builtins__":
            return ref("builtins")
        if name in BUILTIN_NAMES:
            return ref(name)
        self._reads.add(("*",))
        if self.star_imports:
            return _join_all([ref(f"{module}.{name}") for module in self.star_imports[:MAX_REFS]])
        return ref(name)  # a name defined elsewhere: known only by what it is called

    def attribute(self, base: Value, attr: str) -> Value:
        """base.attr: a longer dotted name, a method of the package's own class, or a str method."""
        if attr == "__call__" and base.refs:  # exec.__call__ is exec
            return base
        refs = frozenset(name for r in base.refs
                         if _bounded(name := f"{r}.{attr}" if attr == "__dict__" else _canonical(f"{r}.{attr}")))
        found = Value(refs=refs, consts=base.consts, origins=base.origins - {TEXT}, opaque=base.opaque) if refs else EMPTY
        for module in base.refs:  # blob.DATA, with `from . import blob`: what the package's own module gives
            shared = self.imported(0, module, attr)
            if shared is not None:
                found = found.join(shared)
        for key in base.funcs:
            if attr == "__call__" and not key.startswith("instance:"):
                found = found.join(Value(funcs=frozenset({key})))
                continue
            instance = key.startswith("instance:")
            member = self._class_attr(key.removeprefix("instance:").removeprefix("bound:"), attr)
            if instance:  # a method looked up on an instance is bound: self is passed for the caller
                member = Value(member.refs, member.consts, member.origins,
                               frozenset(f"bound:{k}" if self.scope_by_key(k) is not None else k for k in member.funcs),
                               member.method, member.opaque)
            found = found.join(member)
        if base.consts and not base.refs:
            # a method of a constant keeps its receiver, so that "".join(...) or "a-b".replace(...) can be folded
            kind = "bytes" if any(isinstance(c, bytes) for c in base.consts) else "str"
            found = found.join(Value(refs=frozenset({f"{kind}.{attr}"}), consts=base.consts, origins=base.origins - {TEXT},
                                     opaque=base.opaque))
        if found is EMPTY:  # (a str method of text not all known still gives text: payload.encode())
            return Value(origins=base.origins if attr in STR_METHODS else base.origins - {TEXT}, opaque=True)
        return found

    def _class_attr(self, klass: str, attr: str) -> Value:
        seen: set[str] = set()
        pending = [klass]
        found = EMPTY
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            self._reads.update(((current, attr), (current, "__bases__")))
            found = found.join(self.attrs.get((current, attr), EMPTY))
            pending += list(self.attrs.get((current, "__bases__"), EMPTY).funcs)
        return found

    def _binop_chain(self, node: ast.BinOp, scope: int) -> Value:
        # a + b + c + ... nests to the left: walked as a list, so long chains cannot overflow the stack
        chain: list[tuple[ast.operator, ast.expr]] = []
        while isinstance(node, ast.BinOp):
            chain.append((node.op, node.right))
            node = node.left  # type: ignore[assignment]
        value = self.value(node, scope)
        for op, right in reversed(chain):
            value = self._binop(op, value, self.value(right, scope))
        return value

    def _binop(self, op: ast.operator, left: Value, right: Value) -> Value:
        if isinstance(op, ast.Div) and right.has_text and not any(isinstance(c, int) for c in left.consts):
            joined = _path_join([left, right])  # Path.home() / ".ssh" / "id_rsa"
            return Value(refs=frozenset({"pathlib.Path()"}), consts=joined.consts, origins=joined.origins, opaque=joined.opaque)
        if isinstance(op, ast.Mod) and left.consts and any(isinstance(c, str) for c in left.consts):
            return combine([left, right], lambda a, b: a % b, ASSEMBLED)
        fold = _BINOPS.get(type(op))
        if fold is None:
            return Value(origins=(left.origins | right.origins) - {TEXT}, opaque=True)
        result = combine([left, right], fold, *((ASSEMBLED,) if left.has_text or right.has_text else ()))
        if isinstance(op, ast.Mult) and not (left.has_text and right.has_text) and not result.consts:
            return Value(origins=result.origins - {TEXT}, funcs=result.funcs, opaque=True)  # "=" * n pads data
        return result

    def _subscript(self, node: ast.Subscript, scope: int) -> Value:
        base = self.value(node.value, scope)
        index = node.slice
        if isinstance(index, ast.Slice):
            parts = [self.value(p, scope) if p is not None else None for p in (index.lower, index.upper, index.step)]
            reverse = _is_reverse(index)
            bounds = [p if p is not None else Value(consts=frozenset({0})) for p in parts]
            known = [p is not None for p in parts]

            def cut(seq, *xs):
                lower, upper, step = (x if k else None for x, k in zip(xs, known))
                return seq[lower:upper:step]

            result = combine([base, *bounds], cut, ASSEMBLED)
            # text written backwards in the code itself; reversing data that is not all known is not hiding it
            return result.with_origins(REVERSED) if reverse and base.has_text and _all_text(result) else result
        key = self.value(index, scope)
        names = [k for k in key.consts if isinstance(k, str)]
        looked_up = EMPTY
        for name in names:
            looked_up = looked_up.join(self._lookup_in(base, name, scope, computed=_assembled(key)))
        if looked_up is not EMPTY:
            return looked_up
        if base.consts and key.consts and not base.opaque:
            return combine([base, key], lambda s, i: s[i])
        # os.environ["KEY"] is one item read from os.environ, not os.environ itself
        item = _element(base) if base.consts else Value(origins=base.origins, funcs=base.funcs, opaque=True)
        return item.with_origins(*(f"{r}[]" for r in base.refs if "." in r and self.keep(f"{r}[]")))

    def _lookup_in(self, base: Value, name: str, scope: int, computed: bool) -> Value:
        """base[name] where base is a namespace: globals(), vars(x), x.__dict__, sys.modules, __builtins__."""
        found = EMPTY
        for holder in base.refs:
            if holder == "<globals>":
                found = found.join(self._name(name, 0))
            elif holder == "<locals>":
                found = found.join(self._name(name, scope))
            elif holder == "sys.modules":
                found = found.join(ref(name))
            elif holder.endswith(".__dict__") or holder == "builtins" or holder == "os.environ":
                if holder == "os.environ":
                    continue
                found = found.join(self.attribute(ref(holder.removesuffix(".__dict__")), name))
        if found is not EMPTY and computed:
            found = found.with_origins(COMPUTED_NAME)
        return found

    def _comprehension(self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp, scope: int) -> Value:
        first = node.generators[0]
        iterable = self.value(first.iter, scope)
        items = _items(iterable)
        simple = len(node.generators) == 1 and not first.ifs and isinstance(first.target, ast.Name) \
            and items is not None and len(items) <= MAX_ITEMS
        if simple and isinstance(node.elt, ast.BinOp) and all(isinstance(i, int) for i in items):
            # bytes(b ^ 42 for b in DATA): codes computed from codes written in the code, a one-byte cipher
            try:
                codes = tuple(self._fold_with(node.elt, first.target.id, item, scope) for item in items)
                marks = {CHR_CODES, ASSEMBLED} if _looks_like_text(codes) else {ASSEMBLED}  # not any arithmetic
                return Value(consts=frozenset({codes}), origins=iterable.origins | marks)
            except (TypeError, ValueError, OverflowError, ZeroDivisionError):
                pass
        if simple and isinstance(node.elt, ast.Call):
            # "".join(chr(c) for c in [104, 105]): fold the element for each constant, bounded.
            func = self.value(node.elt.func, scope)
            if func.refs == {"chr"} and len(node.elt.args) == 1:
                try:
                    codes = [self._fold_with(node.elt.args[0], first.target.id, item, scope) for item in items]
                    return Value(consts=frozenset({tuple(chr(c) for c in codes)}), origins=iterable.origins | {CHR_CODES, ASSEMBLED})
                except (TypeError, ValueError, OverflowError):
                    return Value(origins=iterable.origins | {"chr"}, opaque=True)
        element = self.value(node.elt, scope)
        return Value(refs=element.refs, origins=element.origins | iterable.origins, funcs=element.funcs, opaque=True)

    def _fold_with(self, expr: ast.expr, name: str, item, scope: int) -> int:
        """An element expression of a comprehension (c, c ^ 7, c - 3) for one constant, evaluated exactly."""
        if isinstance(expr, ast.Name) and expr.id == name:
            return item
        if isinstance(expr, ast.Constant) and isinstance(expr.value, int):
            return expr.value
        if isinstance(expr, ast.BinOp) and type(expr.op) in _BINOPS:
            out = _BINOPS[type(expr.op)](self._fold_with(expr.left, name, item, scope), self._fold_with(expr.right, name, item, scope))
            if isinstance(out, int):
                return out
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "int" and expr.args:
            return int(self._fold_with(expr.args[0], name, item, scope))
        if isinstance(expr, ast.Name):
            only = self.value(expr, scope).consts
            if len(only) == 1 and isinstance(next(iter(only)), int):
                return next(iter(only))
        raise TypeError("not foldable")

    # ---- calls
    def _call(self, node: ast.Call, scope: int) -> Value:
        func = self.value(node.func, scope)
        args = [self.value(a, scope) for a in node.args]
        kwargs = {k.arg or "**": self.value(k.value, scope) for k in node.keywords}
        return self._call_value(func, args, kwargs, scope, node)

    def _call_value(self, func: Value, args: list[Value], kwargs: dict[str, Value], scope: int, node: ast.AST) -> Value:
        everything = [*args, *kwargs.values()]
        # what the result is computed from: its arguments' origins, and objects passed as data (os.environ)
        keep = self.keep
        carried = frozenset().union(*(a.origins | {r for r in a.refs if "." in r and keep(r)} for a in everything)) - {TEXT} \
            if everything else frozenset()
        result = EMPTY
        for key in func.funcs:
            result = result.join(self._call_own(key, args, kwargs, scope))
        if func.method is not None and args:
            target = self.attribute(args[0], func.method.lstrip("."))
            result = result.join(target if func.method.startswith(".") else self._call_value(target, args[1:], kwargs, scope, node))
        for name in sorted(func.refs):
            result = result.join(self._call_named(name, func, args, kwargs, carried, scope, node))
        # the package's own functions handed to something that calls them now (Thread(target=f), map(f, ...))
        # (a callback= handed to anything else, an option's or an event's, runs later, when the user acts)
        callbacks = [kwargs["key"]] if "key" in kwargs else []  # sorted(xs, key=f), max(xs, key=f)
        if func.refs & CALLS_ITS_ARGUMENTS:
            callbacks += [*args, *(kwargs[k] for k in ("target", "function", "callback") if k in kwargs)]
        for value in callbacks:
            for key in value.funcs:
                if not key.startswith("instance:"):
                    self._note_call(key.removeprefix("bound:"), scope)
        if result is EMPTY:
            text_method = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in STR_METHODS
            return Value(origins=carried | (func.origins if text_method else func.origins - {TEXT}), opaque=True)
        return result

    def _call_own(self, key: str, args: list[Value], kwargs: dict[str, Value], caller: int) -> Value:
        """A call of the module's own function, lambda, class or method: arguments flow into its parameters."""
        if key.startswith("instance:"):  # calling an instance calls its class's __call__ (never an instance again)
            method = self.attribute(Value(funcs=frozenset({key})), "__call__")
            methods = Value(funcs=frozenset(k for k in method.funcs if not k.startswith("instance:")))
            return self._call_value(methods, args, kwargs, caller, self.tree) if methods.funcs else UNKNOWN
        bound = key.startswith("bound:")
        key = key.removeprefix("bound:")
        target = self.scope_by_key(key)
        if target is None:
            return UNKNOWN
        info = self.scopes[target]
        if isinstance(info.node, ast.ClassDef):
            self._note_call(key, caller)
            instance = Value(funcs=frozenset({f"instance:{key}"}))
            init = self._class_attr(key, "__init__")
            if init.funcs:
                self._call_value(init, [instance, *args], kwargs, caller, info.node)
            return instance
        self._note_call(key, caller)
        params = list(info.params)[1:] if bound else list(info.params)
        for name, value in zip(params, args):
            self._store(target, name, value)
        for name, value in kwargs.items():
            if name in params:
                self._store(target, name, value)
        self._reads.add(("return", key))
        return self.returns.get(key, EMPTY)

    def _call_named(self, name: str, func: Value, args: list[Value], kwargs: dict[str, Value], carried: frozenset[str],
                    scope: int, node: ast.AST) -> Value:
        """A call of something known by its dotted name: a builtin, a library function, a method of a constant."""
        first = args[0] if args else EMPTY
        # What a result is computed from: through decoders, text and data transforms (and a method's receiver),
        # not through any library call: what parse(x) returns is not x, and following it would taint everything.
        passes = is_decoder(name) or name.rsplit(".", 1)[-1] in PASS_THROUGH or name in PASS_THROUGH
        origins = carried | (func.origins - {TEXT}) if passes else frozenset()
        if self.keep(name):
            origins |= {name}
        if name in GETATTRS and len(args) >= (1 if name == "operator.attrgetter" else 2):
            attr = args[0] if name == "operator.attrgetter" else args[1]
            names = [a for a in attr.consts if isinstance(a, str)]
            if name == "operator.attrgetter":
                return Value(method="." + names[0]) if names else UNKNOWN
            if names:
                computed = _assembled(attr)
                found = _join_all([self.attribute(first, n) for n in names])
                return found.with_origins(COMPUTED_NAME) if computed else found
            return Value(origins=origins | first.origins, opaque=True)
        if name in DYNAMIC_IMPORTS or name == "importlib.util.find_spec":
            names = [a for a in first.consts if isinstance(a, str)]
            if names:
                computed = _assembled(first)
                found = _join_all([ref(_canonical(n)) for n in names])
                return found.with_origins(COMPUTED_NAME) if computed else found
            return Value(origins=origins, opaque=True)
        if name in ("globals", "builtins.globals"):
            return ref("<globals>")
        if name in ("locals", "builtins.locals"):
            return ref("<locals>")
        if name == "vars":
            return Value(refs=frozenset(f"{r}.__dict__" for r in first.refs), origins=first.origins) if first.refs else ref("<locals>")
        if name.endswith(".__getattribute__") and args:
            return self._call_named("getattr", ref("getattr"), [ref(name.removesuffix(".__getattribute__")), *args], kwargs,
                                    carried, scope, node)
        if name in ("sys.modules.get", "sys.modules.__getitem__", "builtins.__dict__.get") and args:
            return self._lookup_in(ref(name.rsplit(".", 1)[0]), next(iter(first.consts), ""), scope,
                                   computed=_assembled(first)) if first.text is not None else Value(origins=origins, opaque=True)
        if name == "pkgutil.resolve_name" and first.texts:  # 'os:system' names os.system
            found = _join_all([ref(_canonical(t.replace(":", "."))) for t in first.texts])
            return found.with_origins(COMPUTED_NAME) if _assembled(first) else found
        if name == "operator.methodcaller":
            names = [a for a in first.consts if isinstance(a, str)]
            return Value(method=names[0], origins=frozenset({COMPUTED_NAME})) if names else UNKNOWN
        if name in ("functools.partial", "staticmethod", "classmethod", "property", "functools.wraps", "functools.lru_cache",
                    "functools.cache"):
            if name == "functools.partial" and args:
                return first
            return first if name in ("staticmethod", "classmethod", "property") else Value(funcs=first.funcs, refs=first.refs)
        if name in RUNS_TEXT and isinstance(node, ast.Call):
            texts = [t for t in first.consts if isinstance(t, (str, bytes))] if not first.opaque else []
            if texts:
                self.exec_texts[id(node)] = (node, scope, texts)
            else:  # (the text it had in an earlier pass is no longer all it may run)
                self.exec_texts.pop(id(node), None)
        if name in PATH_BUILDERS:
            joined = _path_join(([func] if name.endswith("joinpath") else []) + (args[:1] if name == "os.path.expanduser" else args))
            if name.startswith("pathlib."):
                return Value(refs=frozenset({"pathlib.Path()"}), consts=joined.consts, origins=joined.origins, opaque=joined.opaque)
            return joined.with_origins(name) if self.keep(name) else joined
        if name in FILE_READERS:
            paths = func.consts if name.startswith("pathlib.Path().") else first.consts
            marks = {f"<file {p[:200]}>" for p in paths if isinstance(p, str)}
            return Value(refs=frozenset({f"{name}()"}), origins=origins | marks, opaque=True)
        if name in COMMAND_OUTPUTS:  # what a command prints: marked with the command, as a file with its path
            marks = {f"<command {command[:200]}>" for command in _commands(first)}
            return Value(refs=frozenset({f"{name}()"}), origins=origins | marks, opaque=True)
        folded = self._fold_call(name, func, args)
        if folded is not None:
            return folded.with_origins(name) if name not in _PURE_TEXT and self.keep(name) else folded
        if is_decoder(name) and _literal_data(first):
            origins |= {DECODED_LITERAL}
        result = f"{name}()"
        return Value(refs=frozenset({result}) if _bounded(result) else frozenset(), origins=origins, opaque=True)

    def _fold_call(self, name: str, func: Value, args: list[Value]) -> Value | None:
        """The result of a call whose outcome reading can compute: text building and decoding of constants."""
        first = args[0] if args else EMPTY
        if name in DECODE_FOLDS and args:
            folded = combine(args[:2], DECODE_FOLDS[name], ASSEMBLED)
            marks = {DECODED_LITERAL} if _literal_data(first) else set()
            return Value(folded.refs, folded.consts, folded.origins | marks, folded.funcs, None, folded.opaque)
        if name == "chr":  # text spelled as character codes written in the code (chr(ord(c) + 1) of data is not)
            folded = combine(args[:1], chr, ASSEMBLED) if args else None
            return folded.with_origins(CHR_CODES) if folded is not None and folded.consts else folded
        if name in ("ord", "int", "str", "bytes", "bytearray", "list", "tuple", "reversed", "sorted", "repr", "hex"):
            fold = {"ord": ord, "int": lambda x, *b: int(x, *b), "str": str, "bytes": _to_bytes, "bytearray": _to_bytes,
                    "list": tuple, "tuple": tuple, "reversed": lambda s: tuple(reversed(s)),
                    "sorted": lambda s: tuple(sorted(s)), "repr": repr, "hex": hex}[name]
            result = combine(args[:2] if name == "int" else args[:1], fold) if args else None
            if result is not None and name == "reversed" and first.has_text and _all_text(first):
                result = result.with_origins(REVERSED)
            return result
        if name == "map" and len(args) == 2 and args[0].refs == {"chr"}:
            folded = combine([args[1]], lambda seq: tuple(chr(c) for c in seq), ASSEMBLED)
            return folded.with_origins(CHR_CODES) if folded.consts else folded
        if name in ("str.maketrans", "bytes.maketrans") and 2 <= len(args) <= 3:  # a substitution cipher's table
            return combine(args, _translation_table, ASSEMBLED)
        if name.startswith(("str.", "bytes.")):
            method = name.split(".", 1)[1]
            receiver = Value(consts=func.consts, origins=func.origins | {TEXT}, opaque=func.opaque)
            if method == "join" and args:
                return self._join_call(name, receiver, first)
            fold = STR_METHODS.get(method)
            if fold is not None and receiver.consts:
                return combine([receiver, *args], fold, ASSEMBLED)
        return None

    def _join_call(self, name: str, receiver: Value, items: Value) -> Value:
        separators = [c for c in receiver.consts if isinstance(c, (str, bytes))] if not receiver.opaque else []
        origins = items.origins | {name, ASSEMBLED}
        if not separators or items.opaque or not items.consts:
            return Value(origins=origins, opaque=True)
        results = set()
        for sep in separators:
            for seq in items.consts:
                try:
                    results.add(sep.join(seq) if isinstance(seq, tuple) else sep.join(seq))
                except TypeError:
                    continue
        return Value(consts=frozenset(results), origins=origins) if results and len(results) <= MAX_CONSTS else Value(origins=origins, opaque=True)


# Calls whose result carries what went into them (data transformed, serialised, copied, read).
PASS_THROUGH = frozenset({
    "encode", "decode", "dumps", "dump", "join", "format", "format_map", "compress", "urlencode", "quote", "quote_plus",
    "b64encode", "b32encode", "b16encode", "urlsafe_b64encode", "hexlify", "b2a_base64", "copy", "items", "values",
    "keys", "get", "read", "readlines", "readline", "recv", "recvfrom", "json", "strip", "lower", "upper", "replace",
    "split", "splitlines", "str", "repr", "dict", "list", "tuple", "bytes", "bytearray", "set", "sorted", "reversed",
    "getvalue", "text", "content", "iter_content", "to_bytes", "hex", "translate", "partition", "rstrip", "lstrip",
    "extend", "append", "update", "loads", "load", "open", "urlopen", "urlretrieve", "grab", "screenshot", "paste",
    "wrap_socket", "recv_into", "readexactly", "readuntil",
})
# Calls that run the text they are given as Python code.
RUNS_TEXT = frozenset({
    "exec", "eval", "compile", "builtins.exec", "builtins.eval", "execfile", "timeit.timeit", "timeit.repeat",
    "timeit.Timer", "code.InteractiveInterpreter().runsource", "code.InteractiveInterpreter().runcode",
    "code.InteractiveConsole().push", "code.InteractiveConsole().runsource",
    "cProfile.run", "cProfile.runctx", "profile.run", "profile.runctx", "pdb.run", "pdb.runeval",
    "trace.Trace().run", "trace.Trace().runctx", "ctypes.pythonapi.PyRun_SimpleString", "get_ipython().run_cell",
    "get_ipython().ex", "get_ipython().ev", "IPython.get_ipython().run_cell",
})
CALLS_ITS_ARGUMENTS = frozenset({
    "map", "filter", "atexit.register", "threading.Thread", "threading.Timer", "multiprocessing.Process", "asyncio.run",
    "sys.settrace", "sys.setprofile", "sys.excepthook", "signal.signal", "functools.reduce", "itertools.starmap",
})
COMMAND_OUTPUTS = frozenset({"subprocess.check_output", "subprocess.getoutput", "subprocess.getstatusoutput",
                             "subprocess.run", "os.popen", "commands.getoutput", "platform.popen"})
PATH_BUILDERS = frozenset({"os.path.join", "os.path.expanduser", "pathlib.Path", "os.path.expandvars", "posixpath.join",
                           "ntpath.join", "pathlib.Path.home().joinpath", "pathlib.Path().joinpath"})
FILE_READERS = frozenset({"open", "io.open", "codecs.open", "pathlib.Path().read_text", "pathlib.Path().read_bytes",
                          "pathlib.Path().open", "builtins.open", "os.open", "shutil.copy", "shutil.copyfile", "zipfile.ZipFile.write"})


def _path_join(parts: list[Value]) -> Value:
    """A path put together from pieces; a piece that is not known text (the home directory) reads as '~'."""
    if not parts:
        return Value(consts=frozenset({"~"}), origins=frozenset({ASSEMBLED}))
    pieces = [p if (p.consts and not p.opaque and all(isinstance(c, str) for c in p.consts)) else Value(consts=frozenset({"~"}))
              for p in parts]
    joined = combine(pieces, lambda *xs: "/".join(x.rstrip("/") if i < len(xs) - 1 else x for i, x in enumerate(xs)), ASSEMBLED)
    return Value(consts=joined.consts, origins=joined.origins | frozenset().union(*(p.origins for p in parts)),
                 opaque=joined.opaque)


_PURE_TEXT = frozenset({"chr", "ord", "str", "int", "bytes", "bytearray", "list", "tuple", "reversed", "sorted", "repr", "hex"})


def _commands(value: Value) -> list[str]:
    """Each command line a value may be (a string, or an argument list joined), one per alternative."""
    found = []
    for item in sorted(value.consts, key=repr)[:MAX_CONSTS]:
        parts = item if isinstance(item, tuple) else (item,)
        texts = [p.decode("latin-1") if isinstance(p, bytes) else p for p in parts if isinstance(p, (str, bytes))]
        if texts:
            found.append(" ".join(texts))
    return found


def _translation_table(*parts):
    """str.maketrans as a constant: its (code, code or None) pairs, sorted; bytes.maketrans is bytes already."""
    if all(isinstance(p, bytes) for p in parts):
        return bytes.maketrans(*parts)
    return tuple(sorted(str.maketrans(*parts).items(), key=lambda pair: pair[0]))


def _bounded(name: str) -> bool:
    """Whether a dotted name is short enough to be worth keeping (results of results of results are not)."""
    return len(name) <= MAX_NAME_CHARS and name.count("()") <= MAX_CALLS_IN_NAME


def _assembled(value: Value) -> bool:
    """A name put together at run time (joined, decoded, reversed), not written out."""
    return bool(value.origins - {TEXT})


# Standard modules that import os, sys, subprocess or socket and so give them as attributes (shutil.os).
REEXPORTERS = frozenset({"shutil", "tempfile", "site", "glob", "pathlib", "platform", "pty", "shlex", "webbrowser",
                         "pydoc", "inspect", "runpy", "ssl", "smtplib", "ftplib", "http", "urllib", "asyncore"})


def _canonical(dotted: str) -> str:
    """Builtins by their bare name (builtins.exec is exec); vendored copies by the original's name
    (pip._vendor.requests.get is requests.get)."""
    if "._vendor." in dotted:
        dotted = dotted.split("._vendor.", 1)[1]
    head, _, rest = dotted.partition(".")
    second, _, tail = rest.partition(".")
    if tail and head in REEXPORTERS and second in ("os", "sys", "subprocess", "socket"):  # shutil.os.system
        dotted = f"{second}.{tail}"
    for prefix in ("builtins.", "__builtins__.", "__builtin__."):
        if dotted.startswith(prefix):
            return dotted[len(prefix):]
    return "builtins" if dotted in ("__builtins__", "__builtin__") else dotted


def _join_all(values: list[Value]) -> Value:
    found = EMPTY
    for value in values:
        found = found.join(value)
    return found


def _sequence(items: list[Value]) -> Value:
    """A list or tuple display: one tuple constant when every element is one constant."""
    if items and all(len(i.consts) == 1 and not i.opaque for i in items) and len(items) <= MAX_ITEMS:
        values = tuple(next(iter(i.consts)) for i in items)
        origins = frozenset().union(*(i.origins for i in items))
        return Value(consts=frozenset({values}), origins=origins,
                     refs=frozenset().union(*(i.refs for i in items)), funcs=frozenset().union(*(i.funcs for i in items)))
    return _as_container(_join_all(items)) if items else Value(consts=frozenset({()}))


def _as_container(value: Value) -> Value:
    """What holds `value` among other things: its constants are no longer the container's own."""
    return Value(value.refs, frozenset(c for c in value.consts if isinstance(c, tuple)) if not value.opaque else frozenset(),
                 value.origins, value.funcs, None, True) if not all(isinstance(c, tuple) for c in value.consts) or value.opaque \
        else value


def _element(value: Value) -> Value:
    """One element of a sequence value."""
    items = _items(value)
    if items is not None and len(items) <= MAX_CONSTS:
        return Value(consts=frozenset(i for i in items if isinstance(i, (str, bytes, int, tuple))), origins=value.origins)
    return Value(refs=value.refs, origins=value.origins, funcs=value.funcs, opaque=True)


def _items(value: Value) -> list | None:
    if value.opaque or len(value.consts) != 1:
        return None
    (only,) = value.consts
    if isinstance(only, tuple):
        return list(only)
    if isinstance(only, (bytes, str)) and len(only) <= MAX_ITEMS:
        return list(only)
    return None


def _as_text(value: Value) -> Value:
    if value.opaque or value.refs or value.funcs:
        return Value(origins=value.origins - {TEXT}, funcs=value.funcs, opaque=True)
    return combine([value], str)


def _to_bytes(x) -> bytes:
    if isinstance(x, tuple):
        return bytes(x)
    if isinstance(x, str):
        raise TypeError("needs encoding")
    return bytes(x) if not isinstance(x, int) else bytes(0)


def _is_reverse(index: ast.Slice) -> bool:
    return (index.lower is None and index.upper is None and isinstance(index.step, ast.UnaryOp)
            and isinstance(index.step.op, ast.USub) and isinstance(index.step.operand, ast.Constant)
            and index.step.operand.value == 1)


def _is_main_guard(test: ast.expr) -> bool:
    """`__name__ == "__main__"` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and \
        any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)


_SCOPED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_MENTIONS = frozenset({ast.Name, ast.Constant, ast.Import, ast.ImportFrom, ast.Expr})


def _evaluated_outside(node: ast.AST) -> list[ast.AST]:
    """What a def, lambda or class evaluates where it stands: decorators and bases (a def's defaults are
    evaluated through its `arguments` node)."""
    if isinstance(node, ast.ClassDef):
        return [*node.decorator_list, *node.bases, *node.keywords]
    return [*getattr(node, "decorator_list", ())]


# The fields of each node type that may hold other nodes (not names, numbers or the context and operator leaves).
_LEAF_FIELDS = frozenset({"ctx", "op", "name", "id", "attr", "arg", "asname", "module", "level", "kind", "type_comment",
                          "is_async", "conversion", "simple", "tag"})


@functools.cache
def _node_fields(kind: type) -> tuple[str, ...]:
    return tuple(f for f in kind._fields if f not in _LEAF_FIELDS)


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """ast.iter_child_nodes without the context and operator leaves, which are a third of all nodes."""
    found: list[ast.AST] = []
    for name in _node_fields(node.__class__):
        value = getattr(node, name, None)
        if value.__class__ is list:
            found.extend(v for v in value if isinstance(v, ast.AST) and not isinstance(v, _SKIPPED))
        elif isinstance(value, ast.AST) and not isinstance(value, _SKIPPED):
            found.append(value)
    return found
