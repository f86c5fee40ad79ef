"""Persistence: ways for code to start again later without being asked.

Two kinds of evidence: a start-up place named in the code (`persistence`, weak: a shell-completion installer
names ~/.bashrc too), and a write into one, followed through the interpreter's values whatever the path was put
together from (`persistence-write`; `persistence-dropper` when what is written downloads or runs something).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .base import Hit
from .capabilities import PERSISTENCE_PATHS, STARTUP_FILES
from .shell import DROPPER, SUSPICIOUS
from ..analysis.source import Call, Source, shorten

PERSISTENCE = re.compile(
    r"\bcrontab\s+-|\|\s*crontab\b|/etc/cron|/var/spool/cron|[/\\]\.(?:bashrc|zshrc|bash_profile|profile|zprofile|bash_login)\b|"
    r"Start Menu[/\\]+Programs[/\\]+Startup|CurrentVersion[/\\]+Run(?:Once)?\b|/etc/systemd/system|"
    r"\.config/systemd/user|systemctl\s+(?:--user\s+)?enable|LaunchAgents|LaunchDaemons|schtasks\s+/create|"
    r"/etc/rc\.local|\.config/autostart|/etc/init\.d/",
    re.IGNORECASE,
)
# Calls that write their argument into the file their receiver is (an open handle, a pathlib path).
HANDLE_WRITES = frozenset({"write", "writelines"})
DUMPS = frozenset({"dump"})  # serialisers writing an object into the handle they are given
PATH_WRITES = frozenset({"pathlib.Path().write_text", "pathlib.Path().write_bytes"})
COPIES = frozenset({"shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.move", "os.rename", "os.replace",
                    "os.symlink", "os.link"})
REGISTRY_WRITES = frozenset({"winreg.SetValueEx", "winreg.SetValue", "_winreg.SetValueEx", "_winreg.SetValue"})
REGISTRY_KEYS = frozenset({"winreg.OpenKey", "winreg.OpenKeyEx", "winreg.CreateKey", "winreg.CreateKeyEx",
                           "_winreg.OpenKey", "_winreg.CreateKey"})


def match(source: Source) -> Iterator[Hit]:
    for literal in source.literals_matching(PERSISTENCE):
        yield Hit("persistence", source.path, literal.line, shorten(literal.value), literal.scope)
        break
    yield from writes(source)


def writes(source: Source) -> Iterator[Hit]:
    """A write into a start-up place: the file, what is written, and whether that downloads or runs."""
    run_key = any(c.name in REGISTRY_KEYS and _texts(source, c, PERSISTENCE_PATHS) for c in source.calls)
    reported: set[str] = set()
    for call in source.calls:
        found = _written(source, call, run_key)
        if found is None:
            continue
        target, content = found
        # (a .pth or sitecustomize line written by library code is what virtualenv, pip and editable installs do:
        # a write, weighed by where it runs; a dropper only when what it writes downloads or runs something)
        rule = "persistence-dropper" if DROPPER.search(content) or SUSPICIOUS.search(content) else "persistence-write"
        if rule not in reported:
            reported.add(rule)
            yield Hit(rule, source.path, call.line, shorten(f"{target} <- {content.strip() or '(data)'}"), call.scope)


def _written(source: Source, call: Call, run_key: bool) -> tuple[str, str] | None:
    """(the start-up place, the text written) when this call writes into one."""
    node = call.node
    if node is None:
        return None
    args = [source.value(a, call.scope) for a in node.args]
    last = call.name.rsplit(".", 1)[-1]
    if last in HANDLE_WRITES and "." in call.name:
        receiver = source.value(node.func.value, call.scope) if hasattr(node.func, "value") else None
        targets = [o[6:-1] for o in (receiver.origins if receiver else ()) if o.startswith("<file ")]
    elif last in DUMPS and len(node.args) >= 2:  # plistlib.dump(agent, handle), json.dump(config, handle)
        targets = [o[6:-1] for o in source.value(node.args[1], call.scope).origins if o.startswith("<file ")]
        args = args[:1]
    elif call.name in PATH_WRITES and hasattr(node.func, "value"):
        targets = source.value(node.func.value, call.scope).texts
    elif call.name in COPIES and len(args) >= 2:
        targets = args[1].texts
        return next(((t, " ".join(args[0].texts)) for t in targets if _startup_place(t)), None)
    elif call.name in REGISTRY_WRITES and run_key:
        return "the Run key", " ".join(args[-1].texts_deep) if args else ""
    else:
        return None
    target = next((t for t in targets if _startup_place(t)), None)
    if target is None:
        return None
    return target, " ".join(args[0].texts_deep) if args else ""


def _startup_place(path: str) -> bool:
    return bool(PERSISTENCE_PATHS.search(path) or STARTUP_FILES.search(path))


def _texts(source: Source, call: Call, pattern: re.Pattern[str]) -> bool:
    node = call.node
    return node is not None and any(pattern.search(t) for a in node.args for t in source.value(a, call.scope).texts_deep)
