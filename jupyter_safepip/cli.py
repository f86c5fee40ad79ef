"""`safepip check|install|scan`: the pipeline from a terminal, with exit codes scripts can use.

Exit codes: 0 allow, 1 warn, 2 block, 3 could not check everything, 64 the command line is wrong.
SAFEPIP_PYTHON names another interpreter to check and install for (default: this one).
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import shutil
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from .config import ConfigError
from .core.model import PassThrough, Report, Verdict
from .core.policy import installs_unattended
from .core.progress import ProgressEvent
from .core.report_json import report_to_dict
from .core.request import RequestError
from .text_report import render_text

EXIT_USAGE = 64
EXIT_COULD_NOT_CHECK = 3
USAGE = """usage: safepip check [--json] [--all] [--offline] <pip install arguments>
       safepip install [--yes] [--all] [--offline] <pip install arguments>
       safepip scan [--json | --sarif] PATH...

check    what `pip install ...` would install, checked; nothing is installed
install  check, then install exactly the checked files (asks on a terminal when there is a warning)
scan     inspect local archives (.whl, .tar.gz, .zip) or source directories"""
OWN_FLAGS = {"--json", "--sarif", "--offline", "--yes", "-y", "--all"}


class UsageError(ValueError):
    """The safepip command line itself is wrong."""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return _run(args)
    except (UsageError, RequestError, ConfigError, ValueError) as exc:
        print(f"safepip: {exc}", file=sys.stderr)
        if isinstance(exc, UsageError):
            print(USAGE, file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("safepip: interrupted; nothing was installed", file=sys.stderr)
        return 130


def exit_code(report: Report) -> int:
    """Block wins; then could-not-check; then warn; else allow."""
    if report.verdict is Verdict.BLOCK:
        return 2
    if report.could_not_check:
        return EXIT_COULD_NOT_CHECK
    return int(report.verdict)


def _emit(text: str) -> None:
    """Print to stdout; a reader that stopped early (`| head`) is not an error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python flushes stdout again at exit


def _run(args: list[str]) -> int:
    if not args or args[0] in {"-h", "--help", "help"} or {"-h", "--help"} & set(args[1:]):
        print(USAGE + ("\n\ncheck and install take the arguments of `pip install`." if args else ""))
        return 0 if args else EXIT_USAGE
    command, rest = args[0], args[1:]
    flags = {a for a in rest if a in OWN_FLAGS}
    rest = [a for a in rest if a not in OWN_FLAGS]
    if command == "scan":
        return _scan(rest, flags)
    if command not in {"check", "install"}:
        raise UsageError(f"unknown command {command!r}")
    from .guard import Guard, IncompleteRequest, LockedError

    guard = Guard(python=os.environ.get("SAFEPIP_PYTHON") or sys.executable)
    if "--offline" in flags:
        guard = Guard(replace(guard.settings, offline=True), guard.config)
    try:
        parsed = guard.parse(["install", *rest])
    except LockedError as exc:
        guard.record_refusal("safepip " + shlex.join(args), str(exc), source="cli")
        raise
    if isinstance(parsed, PassThrough):  # parse_command never returns this for install; keep mypy honest
        raise UsageError("nothing to check")
    assessment = guard.check(parsed, "pip install " + " ".join(rest), progress=_progress_printer())
    report = assessment.report
    if "--json" in flags:
        _emit(json.dumps(report_to_dict(report), indent=2))
    else:
        # The hint names check, never install: listing the findings must not install anything.
        _emit(render_text(report, colour=sys.stdout.isatty(), show_all="--all" in flags,
                          shown_from=guard.settings.policy.warn_at, all_hint="safepip check --all"))
    if command == "check":
        _record(guard, report, "checked")
        return exit_code(report)
    if assessment.nothing_to_install:  # the report above says so; there is nothing to decide
        _record(guard, report, "checked")
        return 0
    assume_yes = "--yes" in flags or "-y" in flags
    refusal = _refusal(report, assume_yes=assume_yes, policy=guard.settings.policy)
    if refusal is not None:
        _record(guard, report, refusal)
        print(f"safepip: nothing was installed{_why_not(assessment, assume_yes)}", file=sys.stderr)
        return exit_code(report) or EXIT_COULD_NOT_CHECK
    try:
        result = guard.install(assessment, on_output=lambda line: print(line, end=""))
    except IncompleteRequest as exc:
        _record(guard, report, "failed")
        print(f"safepip: {exc}", file=sys.stderr)
        return EXIT_COULD_NOT_CHECK
    if result is not None and result.returncode != 0:
        _record(guard, report, "failed")
        print(f"safepip: pip failed: {result.error_summary}", file=sys.stderr)
        return result.returncode
    checked_clean = report.verdict is Verdict.ALLOW and not report.could_not_check
    _record(guard, report, "installed" if checked_clean else "install-anyway")
    return 0


def _record(guard, report: Report, decision: str) -> None:
    """The shared history gets the CLI's checks and decisions too (the sidebar shows them with the kernels')."""
    try:
        guard.history().record(report, decision=decision, source="cli")
    except Exception:  # noqa: BLE001 - the history is a record, never a reason to fail the command
        logging.getLogger(__name__).exception("could not record the check in the history store")


def _why_not(assessment, assume_yes: bool) -> str:
    """Why nothing was installed, when the report alone does not say it."""
    if assessment.unresolved:
        return f": pip never worked out the whole request ({assessment.unresolved})"
    if assessment.report.install_anyway_allowed and not assume_yes and not sys.stdin.isatty():
        return " (no terminal to ask; add --yes to install anyway)"
    return ""


def _refusal(report: Report, assume_yes: bool, policy) -> str | None:
    """None to install; else the history's word for why not: blocked, cancelled (the person said no) or
    refused (a warning, and nobody to ask)."""
    if report.verdict is Verdict.ALLOW and not report.could_not_check:
        return None
    if assume_yes and report.install_anyway_allowed:
        return None  # the answer given in advance, terminal or not; an administrator's install_anyway=false still holds
    if sys.stdin.isatty() and report.install_anyway_allowed:
        answer = input(f"safepip: verdict {report.verdict.label}. Install anyway? [y/N] ")
        if answer.strip().lower() in {"y", "yes"}:
            return None
        return "blocked" if report.verdict is Verdict.BLOCK else "cancelled"
    if report.verdict is Verdict.BLOCK:
        return "blocked"
    return None if installs_unattended(policy, report.verdict) else "refused"


def _progress_printer():
    if not sys.stderr.isatty():
        return lambda event: None

    def show(event: ProgressEvent) -> None:
        end = "\n" if event.stage == "decide" else ""
        print(f"\r{event.line(shutil.get_terminal_size().columns)}", end=end, file=sys.stderr, flush=True)

    return show


def _scan(paths: list[str], flags: set[str]) -> int:
    from .scan import scan_report

    if not paths:
        raise UsageError("scan needs at least one archive or directory")
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    report, results = scan_report([Path(p) for p in paths])
    if "--sarif" in flags:
        from .core.sarif import sarif_from_scans

        _emit(json.dumps(sarif_from_scans(results), indent=2))
    elif "--json" in flags:
        _emit(json.dumps(report_to_dict(report), indent=2))
    else:
        _emit(render_text(report, colour=sys.stdout.isatty(), show_all=True))
    return exit_code(report)


if __name__ == "__main__":
    sys.exit(main())
