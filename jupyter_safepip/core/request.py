"""A pip command line -> InstallRequest (or PassThrough), parsed by pip's own option parser.

pip's parser also merges the user's pip configuration files and PIP_* environment variables, so the
index settings seen here are the ones pip itself will use.
"""

from __future__ import annotations

import contextlib
import io
import logging
import optparse
import os
import re
import shlex
from collections.abc import Sequence
from urllib.parse import urlsplit

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement
from packaging.utils import canonicalize_name

from .artifacts import local_path
from .model import InstallRequest, PassThrough, PipNetwork, Requirement

CHECKED_COMMANDS = frozenset({"install"})
# pip subcommands that install nothing; anything else that is not `install` is refused, not guessed at.
PASS_THROUGH_COMMANDS = frozenset(
    {"uninstall", "list", "show", "freeze", "check", "config", "cache", "index", "inspect", "hash", "help",
     "debug", "search", "completion"}
)
# `download`, `wheel` and `lock` fetch and may build packages (running setup.py) without installing them.
REFUSED_COMMANDS = {"download": "pip download", "wheel": "pip wheel", "lock": "pip lock"}
MAX_NAME = 200  # characters: a project name becomes part of file names (at most 255 bytes)


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
        words = shlex.split(line)
    except ValueError as exc:
        raise RequestError(f"cannot split the command line: {exc}") from None
    comment = next((i for i, word in enumerate(words) if word.startswith("#")), len(words))
    return words[:comment]  # as the shell drops `# a comment` (a `#` inside a word, as in #egg=, stays)


def parse_command(line: str | Sequence[str]) -> InstallRequest | PassThrough:
    """Parse `install ...` into an InstallRequest; other pip subcommands become PassThrough."""
    args = split_command_line(line)
    if args[:1] == ["pip"] or args[:1] == ["pip3"]:
        args = args[1:]
    general, rest = _general_options(args)
    if not rest:
        if {"-V", "--version", "-h", "--help"} & set(general):
            return PassThrough(tuple(args))
        raise RequestError("no pip command given (for example: install pandas)")
    command = rest[0]
    if command in PASS_THROUGH_COMMANDS:
        return PassThrough(tuple(args))
    if command in REFUSED_COMMANDS:
        raise RequestError(f"{REFUSED_COMMANDS[command]} can build packages unchecked; use install, or run it outside the guard")
    if command not in CHECKED_COMMANDS:
        raise RequestError(f"unknown pip command {command!r}")
    # Global options (-q, --cache-dir DIR, ...) may precede the command; pip accepts them after it too.
    return parse_install_args(general + rest[1:])


def pip_command(args: Sequence[str]) -> str | None:
    """The pip subcommand in pip's arguments (`--cache-dir x download y` -> download), or None."""
    try:
        _general, rest = _general_options(list(args))
    except RequestError:
        rest = [a for a in args if not a.startswith("-")]
    return rest[0] if rest else None


def _general_options(args: list[str]) -> tuple[list[str], list[str]]:
    """Split off the options before the command as pip's own main parser does (`--cache-dir DIR install`)."""
    from pip._internal.cli.main_parser import create_main_parser
    from pip._internal.exceptions import PipError

    if {"-h", "--help"} & set(args[: next((i for i, a in enumerate(args) if not a.startswith("-")), len(args))]):
        return args, []  # pip prints its help
    parser = create_main_parser()
    parser.__class__ = type("SafePipMainParser", (_RaisingParser, parser.__class__), {})
    try:
        _options, rest = parser.parse_args(list(args))
    except PipError as exc:
        raise RequestError(_pip_error_text(exc)) from None
    return args[: len(args) - len(rest)], rest


def parse_install_args(install_args: Sequence[str]) -> InstallRequest:
    """Parse the arguments of `pip install` with pip's own parser and requirement-file reader."""
    if "--" in install_args:  # the check adds its own options after the user's: none may become a requirement
        at = list(install_args).index("--")
        install_args = [*install_args[:at], *install_args[at + 1 :]]
    options, positional = _pip_install_options(list(install_args))
    _refuse_unfaithful_options(options)
    _refuse_unusable_indexes(options)
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
        install_options=_install_options(options),
        network=_network(options),
    )


def configured_indexes(args: Sequence[str] = ()) -> tuple[tuple[str, ...], PipNetwork]:
    """The indexes pip reads (its configuration files, PIP_* variables, then `args`: --index-url, ...) and its
    network settings: what a vetting index proxies by default."""
    options, _positional = _pip_install_options(list(args))
    _refuse_unusable_indexes(options)
    urls = () if options.no_index else (options.index_url, *options.extra_index_urls)
    return tuple(u for u in urls if u), _network(options)


def parse_requirement(text: str, *, editable: bool = False, source: str = "command line") -> Requirement:
    """One requirement as typed: a name with specifier/extras/marker, a direct URL, a VCS URL or a path."""
    text = text.strip()
    if editable:
        _refuse_missing(text, _path_part(text), source)
        return Requirement(text=text, name=_egg_name(text), url=text, editable=True, source=source)
    location = _pip_location(text, source)
    if location is not None:
        return location
    try:
        parsed = PackagingRequirement(text)
    except InvalidRequirement as exc:
        raise RequestError(f"invalid requirement {text[:80]!r} ({source}): {_first_line(str(exc))}") from None
    if len(parsed.name) > MAX_NAME:
        raise RequestError(f"a project name of {len(parsed.name):,} characters ({source}) is not one an index can serve")
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
        # optparse prints its usage line to stderr before pip turns the error into an exception: not for us.
        with PipSession() as session, contextlib.redirect_stderr(io.StringIO()):
            for line in RequirementsFileParser(session, line_parser).parse(path, constraint):
                if line.requirement is None:
                    _apply_file_options(line.opts, line.filename, options)
                elif not line.constraint:
                    source = f"{line.filename} (line {line.lineno})"
                    requirements.append(parse_requirement(line.requirement, editable=line.is_editable, source=source))
    except PipError as exc:
        bad_line, _, reason = str(exc).partition("\n")
        if bad_line.startswith("Invalid requirement: ") and reason:  # an option line pip's parser rejected
            reason = re.sub(r"^\S*: error: ", "", _first_line(reason))  # optparse's "<program>: error: " prefix
            raise RequestError(f"{path}: {reason} (in the line {bad_line.removeprefix('Invalid requirement: ')!r})") from None
        raise RequestError(_pip_error_text(exc)) from None
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


def _refuse_unusable_indexes(options: optparse.Values) -> None:
    """An index that is not a URL pip could read is a typing mistake: one line now, not a failed resolution."""
    for flag, urls in (("--index-url", [options.index_url]), ("--extra-index-url", options.extra_index_urls or [])):
        for url in urls:
            try:
                parts = urlsplit(url)
            except ValueError as exc:
                raise RequestError(f"{flag} {url}: {exc}") from None
            if parts.scheme not in ("http", "https", "file") or (parts.scheme != "file" and not parts.hostname):
                raise RequestError(f"{flag} {url}: not an http(s) or file URL")


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
        raise RequestError(_pip_error_text(exc)) from None


def _install_options(options: optparse.Values) -> tuple[str, ...]:
    """The options that say where and how the checked files are installed (not what is installed), as pip
    read them: passed on to the install of the kept files."""
    found: list[str] = []
    for dest, flag in (("target_dir", "--target"), ("prefix_path", "--prefix"), ("root_path", "--root"),
                       ("json_report_file", "--report")):
        if getattr(options, dest, None):
            found.append(f"{flag}={getattr(options, dest)}")
    for dest, flag in (("use_user_site", "--user"), ("force_reinstall", "--force-reinstall"),
                       ("ignore_installed", "--ignore-installed"), ("override_externally_managed", "--break-system-packages")):
        if getattr(options, dest, None):
            found.append(flag)
    for dest, flag in (("compile", "--no-compile"), ("warn_script_location", "--no-warn-script-location"),
                       ("warn_about_conflicts", "--no-warn-conflicts")):
        if getattr(options, dest, True) is False:
            found.append(flag)
    for key, values in (getattr(options, "config_settings", None) or {}).items():  # used if an sdist is built
        found += [f"--config-settings={key}={value}" for value in (values if isinstance(values, list) else [values])]
    found += ["-v"] * (options.verbose or 0) + ["-q"] * (options.quiet or 0)
    return tuple(found)


def _pip_location(text: str, source: str) -> Requirement | None:
    """A path or URL requirement as pip reads it (an archive by any of pip's extensions, with or without
    `./`, extras or a marker), or None for a name with a specifier. Asking pip itself means that whatever
    pip would fetch or build from a location is inspected as one."""
    from pip._internal.exceptions import PipError
    from pip._internal.req.constructors import parse_req_from_line
    from pip._internal.utils.filetypes import is_archive_file

    try:
        if PackagingRequirement(text).url:  # PEP 508 `name @ url`, spaces or not: packaging reads the name
            return None
    except InvalidRequirement:
        pass
    pip_log = logging.getLogger("pip._internal.req.constructors")
    level, pip_log.level = pip_log.level, logging.ERROR  # "looks like a filename, but the file does not exist":
    try:                                                  # the check says that itself, in its own words
        parts = parse_req_from_line(text, None)
    except (PipError, ValueError):  # no such path, a directory pip cannot install, a wheel name pip cannot read
        head = _path_part(text)
        if "://" in head or head.startswith((".", "/", "~")) or os.sep in head or is_archive_file(head):
            _refuse_missing(text, head, source)
            return Requirement(text=text, name=None, url=text, source=source)  # the inspection says what is wrong
        return None
    finally:
        pip_log.level = level
    if parts.link is None:
        return None
    if parts.link.is_file:
        _refuse_missing(text, parts.link.file_path, source)
    name = canonicalize_name(parts.requirement.name) if parts.requirement is not None else None
    return Requirement(text=text, name=name, extras=tuple(sorted(parts.extras)), url=parts.link.url, source=source,
                       marker=str(parts.markers) if parts.markers else "")


def _path_part(text: str) -> str:
    """What pip reads as the path or URL of a requirement, its marker and extras aside."""
    return text.split(";", 1)[0].split("[", 1)[0].strip()


def _refuse_missing(text: str, location: str, source: str) -> None:
    """A local path that is not there is a typing mistake: say so now rather than as a check that could not run.
    Remote and VCS URLs are left to the inspection."""
    path = local_path(location)
    try:
        missing = path is not None and not path.exists()
    except OSError as exc:  # a name too long for the file system, a path through a file
        raise RequestError(f"{text[:80]}... ({source}): {exc.strerror or 'not a usable path'}") from None
    if missing:
        raise RequestError(f"{text} ({source}): no such file or directory")


def _egg_name(text: str) -> str | None:
    if "#egg=" in text:
        return canonicalize_name(text.split("#egg=", 1)[1].split("&", 1)[0])
    return None


def _pip_error_text(exc: Exception) -> str:
    """One line from a pip error; pip's richer errors keep their text in `message` and `context`."""
    message = getattr(exc, "message", None)
    if message is None:
        return _first_line(str(exc))
    context = getattr(exc, "context", None)
    text = f"{message} ({context})" if context else str(message)
    return _first_line(re.sub(r"\[/?[a-z ]*\]", "", text))  # rich markup such as [magenta]host[/]


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "invalid input"
