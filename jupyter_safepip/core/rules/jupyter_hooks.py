"""What a wheel installs that runs without being imported: Jupyter kernels, server extensions switched on by
a config file, Python config files Jupyter and IPython run at start, and commands named like common tools.
For a Jupyter product this is home ground: a kernelspec that runs a shell on every kernel start blocks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from ..archive import Member
from ..analysis.reach import KERNEL_SPEC, STARTUP_JSON
from ..analysis.source import shorten
from .base import Hit

SERVER_CONFIG = re.compile(r"^[^/]+\.data/data/etc/jupyter/jupyter_(?:server|notebook)_config\.d/[^/]+\.json$")
SCRIPT = re.compile(r"^[^/]+\.data/scripts/([^/]+)$")
ENTRY_POINTS = re.compile(r"^[^/]+\.dist-info/entry_points\.txt$")
PYTHON_PROGRAM = re.compile(r"^(?:\{?python\}?|python[\d.]*|pythonw?|\{sys_executable\}|.*[/\\]python[\d.]*(?:\.exe)?)$", re.I)
# Commands people type without thinking; a package installing one of these takes over that command.
COMMON_TOOLS = frozenset({
    "python", "python3", "pip", "pip3", "git", "ssh", "sudo", "ls", "cd", "cp", "mv", "rm", "curl", "wget", "bash",
    "sh", "zsh", "node", "npm", "conda", "jupyter", "ipython", "env", "which", "make", "gcc", "cat",
})


def wanted(name: str) -> bool:
    """Members this module reads in full."""
    return bool(KERNEL_SPEC.match(name) or STARTUP_JSON.match(name) or ENTRY_POINTS.match(name))


def match(members: Iterable[Member], project: str) -> Iterator[Hit]:
    for member in members:
        if not member.complete and not SCRIPT.match(member.name):
            continue
        if KERNEL_SPEC.match(member.name):
            yield from _kernel(member)
        elif SERVER_CONFIG.match(member.name):
            yield Hit("install-jupyter-hook", member.name, None, shorten(member.data.decode("utf-8", "replace").strip()))
        elif (script := SCRIPT.match(member.name)) and _shadows(script.group(1), project):
            yield Hit("install-command-shadowing", member.name, None, f"installs the command {script.group(1)!r}")
        elif ENTRY_POINTS.match(member.name):
            yield from _console_scripts(member, project)


def _kernel(member: Member) -> Iterator[Hit]:
    try:
        argv = json.loads(member.data).get("argv", [])
    except (ValueError, AttributeError):
        argv = None
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        yield Hit("install-jupyter-kernel-command", member.name, None, "a kernel whose command line cannot be read")
        return
    program = argv[0].rsplit("/", 1)[-1]
    if not PYTHON_PROGRAM.match(program) or any(a in ("-c", "--command") for a in argv[1:]):
        yield Hit("install-jupyter-kernel-command", member.name, None, shorten(" ".join(argv)))
    else:
        yield Hit("install-jupyter-hook", member.name, None, shorten("kernel: " + " ".join(argv)))


def _console_scripts(member: Member, project: str) -> Iterator[Hit]:
    section = ""
    for line in member.data.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[]").strip()
        elif section in ("console_scripts", "gui_scripts") and "=" in line:
            command = line.split("=", 1)[0].strip()
            if _shadows(command, project):
                yield Hit("install-command-shadowing", member.name, None, shorten(line))


def _shadows(command: str, project: str) -> bool:
    """A command named like a common tool, by a project that is not that tool (pip installs pip)."""
    base = command.lower().removesuffix(".exe")
    return base in COMMON_TOOLS and not project.lower().replace("_", "-").startswith(re.sub(r"\d+$", "", base))
