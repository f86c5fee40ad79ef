"""A pip command line -> InstallRequest (or PassThrough), parsed by pip's own option parser.

pip's parser also merges the user's pip configuration files and PIP_* environment variables, so the
index settings seen here are the ones pip itself will use.
"""

from __future__ import annotations

import optparse
import os
import shlex
from collections.abc import Sequence

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement
from packaging.utils import canonicalize_name

from .model import InstallRequest, PassThrough, PipNetwork, Requirement

CHECKED_COMMANDS = frozenset({"install"})
# pip subcommands that install nothing; anything else that is not `install` is refused, not guessed at.
PASS_THROUGH_COMMANDS = frozenset(
    {"uninstall", "list", "show", "freeze", "check", "config", "cache", "index", "inspect", "hash", "help",
     "debug", "search", "completion", "lock"}
)
# `download` and `wheel` fetch and may build packages (running setup.py) without installing them.
REFUSED_COMMANDS = {"download": "pip download", "wheel": "pip wheel"}
TARGET_OPTIONS = ("target_dir", "prefix_path", "root_path", "use_user_site")


class RequestError(ValueError):
    """The pip command line cannot be understood; the message says why, in one line."""


class _RaisingParser(optparse.OptionParser):
    """pip's parser exits the process on an error; a kernel must get an exception instead."""

    def error(self, msg: str) -> None:  # type: ignore[override]
        raise RequestError(" ".join(msg.split()))  # pip wraps long messages over several lines

    def exit(self, status: int = 0, msg: str | None = None) -> None:  # type: ignore[override]
        raise RequestError(" ".join(msg.split()) if msg and msg.strip() else "pip printed its help instead of running")


def split_command_line(line: str | Sequence[str]) -> list[str]:
    """Split what the user typed into arguments, the way a POSIX shell would."""
    if not isinstance(line, str):
        return list(line)
    if "\n" in line.strip() or "\r" in line:
        raise RequestError("a pip command must be on one line")
    try:
        return shlex.split(line)
    except ValueError as exc:
        raise RequestError(f"cannot split the command line: {exc}") from None


def parse_command(line: str | Sequence[str]) -> InstallRequest | PassThrough:
    """Parse `install ...` into an InstallRequest; other pip subcommands become PassThrough."""
    args = split_command_line(line)
    if args[:1] == ["pip"] or args[:1] == ["pip3"]:
        args = args[1:]
    command_index = next((i for i, a in enumerate(args) if not a.startswith("-")), None)
    if command_index is None:
        raise RequestError("no pip command given (for example: install pandas)")
    command = args[command_index]
    if command in PASS_THROUGH_COMMANDS:
        return PassThrough(tuple(args))
    if command in REFUSED_COMMANDS:
        raise RequestError(f"{REFUSED_COMMANDS[command]} can build packages unchecked; use install, or run it outside the guard")
    if command not in CHECKED_COMMANDS:
        raise RequestError(f"unknown pip command {command!r}")
    # Global options (-q, -v, --isolated, ...) may precede the command; pip accepts them after it too.
    install_args = args[:command_index] + args[command_index + 1 :]
    return parse_install_args(install_args)


def parse_install_args(install_args: Sequence[str]) -> InstallRequest:
    """Parse the arguments of `pip install` with pip's own parser and requirement-file reader."""
    options, positional = _pip_install_options(list(install_args))
    _refuse_unfaithful_options(options)
    requirements: list[Requirement] = [parse_requirement(text) for text in positional]
    requirements += [parse_requirement(text, editable=True) for text in options.editables]
    for path in options.requirements:
        requirements += read_requirement_file(path, options)
    for path in options.constraints:
        read_requirement_file(path, options, constraint=True)  # for its option lines only
    if not requirements:
        raise RequestError("nothing to install: give a package name or -r requirements.txt")
    return InstallRequest(
        requirements=tuple(requirements),
        pip_args=tuple(install_args),
        index_url=None if options.no_index else options.index_url,
        extra_index_urls=() if options.no_index else tuple(options.extra_index_urls),
        find_links=tuple(options.find_links),
        no_index=bool(options.no_index),
        no_deps=bool(options.ignore_dependencies),
        pre=bool(options.pre),
        upgrade=bool(options.upgrade),
        constraints=tuple(options.constraints),
        target_options=_target_options(options),
        network=_network(options),
    )


def parse_requirement(text: str, *, editable: bool = False, source: str = "command line") -> Requirement:
    """One requirement as typed: a name with specifier/extras/marker, a direct URL, a VCS URL or a path."""
    text = text.strip()
    if editable or _looks_like_location(text):
        return Requirement(text=text, name=_egg_name(text), url=text, editable=editable, source=source)
    try:
        parsed = PackagingRequirement(text)
    except InvalidRequirement as exc:
        raise RequestError(f"invalid requirement {text!r} ({source}): {_first_line(str(exc))}") from None
    return Requirement(
        text=text,
        name=canonicalize_name(parsed.name),
        specifier=str(parsed.specifier),
        extras=tuple(sorted(parsed.extras)),
        marker=str(parsed.marker) if parsed.marker else "",
        url=parsed.url,
        source=source,
    )


def read_requirement_file(path: str, options: optparse.Values, constraint: bool = False) -> list[Requirement]:
    """Requirements from a file, nested -r/-c included, read by pip's own requirement-file parser.

    Option lines update `options` as they update pip's finder (--index-url, --find-links, ...), so the
    check looks where pip will look; lines that would let pip build sources during resolution are refused.
    """
    from types import SimpleNamespace

    from pip._internal.exceptions import PipError
    from pip._internal.models.format_control import FormatControl
    from pip._internal.network.session import PipSession
    from pip._internal.req.req_file import RequirementsFileParser, get_line_parser

    # The dry run starts from wheels only; file lines act on this as they act on pip's finder.
    formats = FormatControl(set(), {":all:"})
    line_parser = get_line_parser(SimpleNamespace(format_control=formats, release_control=None))  # type: ignore[arg-type]
    requirements: list[Requirement] = []
    try:
        with PipSession() as session:
            for line in RequirementsFileParser(session, line_parser).parse(path, constraint):
                if line.requirement is None:
                    _apply_file_options(line.opts, line.filename, options)
                elif not line.constraint:
                    source = f"{line.filename} (line {line.lineno})"
                    requirements.append(parse_requirement(line.requirement, editable=line.is_editable, source=source))
    except PipError as exc:
        raise RequestError(_first_line(str(exc))) from None
    except OSError as exc:
        raise RequestError(f"cannot read requirements file {path}: {exc.strerror or exc}") from None
    except RequestError:
        raise
    except ValueError as exc:  # a NUL byte in the path, text that is not text
        raise RequestError(f"cannot read requirements file {path!r}: {_first_line(str(exc))}") from None
    if formats.no_binary or ":all:" not in formats.only_binary:
        raise RequestError(f"{path}: --no-binary/--only-binary lines would let pip build packages before they are checked")
    return requirements


def _apply_file_options(opts: optparse.Values, filename: str, options: optparse.Values) -> None:
    """Index, find-links and trusted-host lines of a requirements file, applied as pip applies them."""
    if opts.no_index:
        options.no_index = True
    if opts.index_url:
        options.index_url = opts.index_url
    options.extra_index_urls = [*options.extra_index_urls, *(opts.extra_index_urls or ())]
    options.trusted_hosts = [*(options.trusted_hosts or ()), *(opts.trusted_hosts or ())]
    for value in opts.find_links or ():
        beside = os.path.join(os.path.dirname(os.path.abspath(filename)), value)
        options.find_links = [*options.find_links, beside if os.path.exists(beside) else value]


def _refuse_unfaithful_options(options: optparse.Values) -> None:
    """Options the checked install could not honour: refused rather than silently changed."""
    if getattr(options, "dry_run", False):
        raise RequestError("--dry-run installs nothing: use `safepip check` (or %safepip check) to see what would be installed")
    if getattr(options, "python", None):
        raise RequestError("--python installs into another interpreter: run the guard for that interpreter instead")


def _network(options: optparse.Values) -> PipNetwork:
    """pip's CA bundle, client certificate, proxy and trusted hosts: configuration files, PIP_* variables,
    requirement-file lines and the command line, merged as pip merges them."""
    return PipNetwork(options.cert or None, options.client_cert or None, options.proxy or None,
                      tuple(options.trusted_hosts or ()))


def _pip_install_options(install_args: list[str]) -> tuple[optparse.Values, list[str]]:
    from pip._internal.commands import create_command
    from pip._internal.exceptions import PipError

    command = create_command("install")
    command.parser.__class__ = type("SafePipParser", (_RaisingParser, command.parser.__class__), {})
    try:
        return command.parse_args(install_args)
    except PipError as exc:
        raise RequestError(_first_line(str(exc))) from None


def _target_options(options: optparse.Values) -> tuple[str, ...]:
    found = []
    if options.target_dir:
        found.append(f"--target={options.target_dir}")
    if options.prefix_path:
        found.append(f"--prefix={options.prefix_path}")
    if options.root_path:
        found.append(f"--root={options.root_path}")
    if options.use_user_site:
        found.append("--user")
    return tuple(found)


def _looks_like_location(text: str) -> bool:
    try:
        if PackagingRequirement(text).url:  # PEP 508 `name @ url`, spaces or not: packaging reads the name
            return False
    except InvalidRequirement:
        pass
    return "://" in text or text.startswith((".", "/", "~")) or text.endswith((".whl", ".tar.gz", ".zip", ".tar.bz2"))


def _egg_name(text: str) -> str | None:
    if "#egg=" in text:
        return canonicalize_name(text.split("#egg=", 1)[1].split("&", 1)[0])
    return None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "invalid input"
