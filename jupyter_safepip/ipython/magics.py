"""%safepip and the guarded %pip: check, let a person (or the policy) decide, install exactly what was checked."""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import inspect
import logging
import os
from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.display import HTML, display

from ..config import ConfigError, load_settings, parse_setting
from ..core.model import InstallRequest, PassThrough, Report, Severity, Verdict
from ..core.policy import installs_unattended
from ..core.request import RequestError
from ..guard import Guard, IncompleteRequest, LockedError
from ..text_report import minor_summary, render_text
from .frontend import Frontend, detect_frontend

log = logging.getLogger(__name__)
USAGE = "usage: %safepip install <pip arguments> | %safepip check <pip arguments> | %safepip policy [<setting> <value>]"
HELP = """%safepip install <pip arguments>   check, then install exactly the checked files (%pip install does the same)
%safepip check <pip arguments>     check only: what would be installed and what is wrong with it
%safepip check --all <arguments>   the same, with the minor findings of allowed packages listed too
%safepip policy                    the effective policy, where each value comes from, what is locked
%safepip policy <setting> <value>  change a setting for this kernel (unless the administrator locked it)

!pip install and %pip install are checked too; pip's other commands (list, show, uninstall) pass through."""

CHECK_ALL_HINT = "%safepip check --all"  # how a notebook user lists the findings a report leaves out


# Settings that mean nothing once the guard is loaded in a kernel, and what to do instead.
NOT_PER_KERNEL = {
    "enabled": "%unload_ext jupyter_safepip takes the guard out of this kernel (SafePip.enabled is read when kernels start)",
    "locked": "locks are set by an administrator's configuration",
}


@magics_class
class SafePipMagics(Magics):
    """The magics; `original_pip` is IPython's own %pip, used for every subcommand that installs nothing."""

    def __init__(self, shell, original_pip) -> None:
        super().__init__(shell)
        self.original_pip = original_pip
        self._guard: Guard | None = None
        self._built_for: tuple | None = None  # the SAFEPIP_* variables and session changes the guard was built for
        self.session: dict = {}  # %safepip policy <setting> <value>, for this kernel only
        self._announced: set[str] = set()

    @property
    def guard(self) -> Guard:
        # SAFEPIP_* variables set from the notebook take effect on the next command (locked ones are refused).
        wanted = (tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("SAFEPIP_"))),
                  tuple(sorted(self.session.items(), key=lambda kv: kv[0])))
        if self._guard is None or wanted != self._built_for:
            try:
                settings, config = load_settings(session=self.session)
                self._guard = Guard(settings, config)
            except ConfigError as exc:
                raise UsageError(f"safepip: {exc}") from None
            self._built_for = wanted
            self._announce_refusals()
        return self._guard

    def _announce_refusals(self) -> None:
        """One line per attempt to lift a lock (user config, SAFEPIP_* variables), recorded once per kernel."""
        for refusal in self._guard.config.refused if self._guard.config else ():
            if refusal not in self._announced:
                self._announced.add(refusal)
                print(f"safepip: {refusal}")
                self._record_refusal(refusal, refusal)

    def refuse_if_locked(self, setting: str, attempt: str) -> None:
        """Raise a one-line UsageError (and record the attempt) when the administrator locked `setting`."""
        if self.guard.is_locked(setting):
            message = f"{attempt} refused: SafePip.{setting} is locked by the administrator (this attempt was recorded)"
            self._record_refusal(attempt, message)
            raise UsageError(f"safepip: {message}")

    def _parse(self, line: str):
        try:
            return self.guard.parse(line)
        except LockedError as exc:
            self._record_refusal(exc.attempt, str(exc))
            raise UsageError(f"safepip: {exc}") from None
        except RequestError as exc:
            raise UsageError(f"safepip: {exc}") from None

    @line_magic
    def safepip(self, line: str):
        """%safepip install|check <pip arguments>, or %safepip policy."""
        if line.startswith("--await "):
            # Written by the input transformer: the caller awaits the result, so waiting may be async.
            result = self.guarded_pip(line.removeprefix("--await "), awaitable=True)
            return result if inspect.isawaitable(result) else _completed(result)
        command, _, rest = line.strip().partition(" ")
        if command == "policy":
            return self._policy(rest.split())
        if command == "install":
            return self.guarded_pip(line)
        if command == "check":
            return self._check_only(rest)
        if command in {"help", "--help", "-h"}:
            print(HELP)
            return None
        close = difflib.get_close_matches(command, ["install", "check", "policy", "help"], n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise UsageError(f"safepip: unknown subcommand {command!r}{hint}; {USAGE}" if command else USAGE)

    @line_magic
    def pip(self, line: str):
        """IPython's %pip, with `install` checked by safepip first."""
        parsed = self._parse(line)
        if isinstance(parsed, PassThrough):
            return self.original_pip(line)
        return self._install(parsed, "pip " + line.strip())

    def guarded_pip(self, line: str, awaitable: bool = False):
        """`install ...` through the guard (used by %safepip install and the !pip rewrite)."""
        parsed = self._parse(line)
        if isinstance(parsed, PassThrough):
            raise UsageError(USAGE)
        return self._install(parsed, "pip " + line.strip(), awaitable)

    def _check_only(self, rest: str) -> None:
        words = rest.split()
        show_all = "--all" in words
        rest = " ".join(w for w in words if w != "--all") if show_all else rest
        parsed = self._parse("install " + rest)
        frontend = detect_frontend(self.shell)
        report = self._assess(parsed, "pip install " + rest, frontend).report
        self._record(report, "checked")
        if frontend.widgets:
            from .widget import report_html

            if report.verdict is Verdict.ALLOW and not show_all:
                display(HTML(_ok_line(report, self.guard.settings.policy.warn_at)))
            else:
                display(HTML(report_html(report, show_all=show_all, shown_from=self.guard.settings.policy.warn_at)))
        else:
            print(self._text(report, frontend, show_all=show_all))

    def _policy(self, args: list[str]) -> None:
        """%safepip policy shows the policy; %safepip policy <setting> <value> changes it for this kernel."""
        if not args:
            return self._show_policy()
        if len(args) < 2:
            raise UsageError("usage: %safepip policy [<setting> <value>]")
        name, raw = args[0], " ".join(args[1:])
        try:
            value = parse_setting(name, raw, origin=f"%safepip policy {name}")
        except ConfigError as exc:
            raise UsageError(f"safepip: {exc}") from None
        self.refuse_if_locked(name, f"%safepip policy {name} {raw}")
        if name in NOT_PER_KERNEL:
            raise UsageError(f"safepip: {name} is not a setting of one kernel: {NOT_PER_KERNEL[name]}")
        previous = dict(self.session)
        self.session[name] = value
        try:
            self.guard  # rebuilt now, so a value the policy cannot use is refused here, not at the next %pip
        except UsageError:
            self.session = previous
            raise
        print(f"safepip: {name} = {value!r} for this kernel")

    def _show_policy(self) -> None:
        policy = self.guard.settings.policy
        config = self.guard.config
        if config is not None:
            lines = [*config.table(), *(f"refused: {r}" for r in config.refused)]
        else:
            lines = [repr(policy)]
        print("\n".join(lines))

    def _assess(self, request: InstallRequest, command: str, frontend: Frontend):
        progress = frontend.progress()
        try:
            with _interrupt_says("safepip: interrupted while checking; nothing was installed"):
                return self.guard.check(request, command, progress=progress.update)
        finally:
            progress.close()

    def _install(self, request: InstallRequest, command: str, awaitable: bool = False):
        frontend = detect_frontend(self.shell)
        assessment = self._assess(request, command, frontend)
        report = assessment.report
        if report.verdict is Verdict.ALLOW and not report.could_not_check:
            return self._do_install(assessment, "installed", frontend)
        if assessment.nothing_to_install:  # findings on what is already there: nothing to decide
            print(self._text(report, frontend))
            return self._do_install(assessment, "checked", frontend)
        if frontend.widgets and (frontend.sync_poll or awaitable):
            return self._ask_widget(assessment, frontend)
        if frontend.widgets:
            print("safepip: this kernel can only wait for a click on a top-level line; the policy decides here.")
        print(self._text(report, frontend))
        if frontend.tty and report.install_anyway_allowed:
            answer = input(f"safepip: verdict {report.verdict.label}. Install anyway? [y/N] ")
            if answer.strip().lower() in {"y", "yes"}:
                return self._do_install(assessment, "install-anyway", frontend)
            self._record(report, "cancelled")
            raise UsageError("safepip: cancelled; nothing was installed")
        if installs_unattended(self.guard.settings.policy, report.verdict):
            return self._do_install(assessment, "installed", frontend)
        blocked = report.verdict is Verdict.BLOCK
        self._record(report, "blocked" if blocked else "refused")
        # UsageError: IPython shows the message without a traceback, and "Run all" stops here.
        what = "blocked" if blocked else "a warning, refused"
        raise UsageError(f"safepip: {what} by policy with nobody to ask; nothing was installed")

    def _ask_widget(self, assessment, frontend: Frontend):
        from .widget import DecisionWidget

        report = assessment.report
        view = DecisionWidget(report)
        # The plain-text part of the output is the report itself: saved notebooks and front ends
        # that cannot show widgets still say what happened.
        bundle = view.view._repr_mimebundle_()
        bundle["text/plain"] = render_text(report, shown_from=self.guard.settings.policy.warn_at, all_hint=CHECK_ALL_HINT)
        display(bundle, raw=True)
        timeout = float(self.guard.config.values["decision_timeout"]) if self.guard.config else 600.0
        if frontend.sync_poll:
            with self._interrupted_decision(view, report):
                choice = frontend.wait_for(lambda: view.choice, timeout)
            return self._settle(choice, view, assessment, frontend, timeout)

        async def decide():
            with self._interrupted_decision(view, report):
                choice = await frontend.wait_async(lambda: view.choice, timeout)
            result = self._settle(choice, view, assessment, frontend, timeout)
            return await result if inspect.isawaitable(result) else result

        return decide()

    @contextlib.contextmanager
    def _interrupted_decision(self, view, report: Report):
        """An interrupt while the widget waits is a cancel: buttons closed, recorded, one line."""
        try:
            yield
        except (KeyboardInterrupt, asyncio.CancelledError):
            view.close_buttons("Interrupted; nothing was installed.")
            self._record(report, "cancelled")
            raise UsageError("safepip: interrupted; nothing was installed") from None

    def _settle(self, choice, view, assessment, frontend: Frontend, timeout: float):
        report = assessment.report
        if choice is None:
            view.close_buttons(f"No decision within {timeout:.0f} s; nothing was installed.")
            self._record(report, "timed-out")
            raise UsageError("safepip: no decision was made in time; nothing was installed")
        if choice.action == "cancel":
            view.close_buttons("Cancelled; nothing was installed.")
            self._record(report, "cancelled")
            return None
        if choice.action == "suggestion":
            view.close_buttons(f"Checking {choice.suggestion} instead.")
            self._record(report, "cancelled")
            return self._install(self.guard.parse(["install", choice.suggestion]), f"pip install {choice.suggestion}",
                                 awaitable=not frontend.sync_poll)
        view.close_buttons("Installing anyway.")
        return self._do_install(assessment, "install-anyway", frontend)

    def _do_install(self, assessment, decision: str, frontend: Frontend):
        report = assessment.report
        try:
            with _interrupt_says("safepip: interrupted while pip was installing; `%pip list` shows what is installed now"):
                result = self.guard.install(assessment, on_output=lambda text: print(text, end=""))
        except IncompleteRequest as exc:
            self._record(report, "failed")
            raise UsageError(f"safepip: {exc}") from None
        if result is not None and result.returncode != 0:
            self._record(report, "failed")
            raise UsageError(f"safepip: pip failed: {result.error_summary}")
        self._record(report, decision)
        warn_at = self.guard.settings.policy.warn_at
        if frontend.widgets:
            display(HTML(_ok_line(report, warn_at)))
        else:
            print(_ok_text(report, warn_at))
        if result is not None:
            print("Note: you may need to restart the kernel to use updated packages.")
        return None

    def _text(self, report: Report, frontend: Frontend, show_all: bool = False) -> str:
        """The report as text: what reaches the warn threshold in full, the rest counted (listed with --all)."""
        return render_text(report, colour=frontend.colour, show_all=show_all, shown_from=self.guard.settings.policy.warn_at,
                           all_hint=CHECK_ALL_HINT)

    def _record(self, report: Report, decision: str) -> None:
        try:
            self.guard.history().record(report, decision=decision, source="magic",
                                        notebook=os.environ.get("JPY_SESSION_NAME"), kernel_id=_kernel_id())
        except Exception:  # noqa: BLE001 - history is a record, never a reason to fail an install decision
            log.exception("could not record the check in the history store")

    def _record_refusal(self, attempt: str, message: str) -> None:
        try:
            self._guard.record_refusal(attempt, message, source="magic", notebook=os.environ.get("JPY_SESSION_NAME"),
                                       kernel_id=_kernel_id())
        except Exception:  # noqa: BLE001 - as above: the refusal stands whether or not it could be recorded
            log.exception("could not record a refused attempt in the history store")


@contextlib.contextmanager
def _interrupt_says(message: str):
    """Ctrl-C (Interrupt kernel) ends the step with one line instead of a traceback through safepip and pip."""
    try:
        yield
    except (KeyboardInterrupt, asyncio.CancelledError):
        raise UsageError(message) from None


async def _completed(result):
    return result


def _ok_text(report: Report, warn_at: Severity = Severity.MEDIUM) -> str:
    names = ", ".join(f"{p.candidate.name} {p.candidate.version}" for p in report.packages)
    if not names:
        return "safepip: nothing to install: the request is already satisfied in this environment"
    minor = minor_summary(report, warn_at)
    return f"safepip checked {len(report.packages)} package(s): {names}" + (
        f" ({minor}: {CHECK_ALL_HINT} lists them)" if minor else "")


def _ok_line(report: Report, warn_at: Severity = Severity.MEDIUM) -> str:
    import html

    return f'<div style="color: var(--jp-success-color1, green)">&#10003; {html.escape(_ok_text(report, warn_at))}</div>'


def _kernel_id() -> str | None:
    try:
        from ipykernel.connect import get_connection_file

        return Path(get_connection_file()).stem.removeprefix("kernel-")
    except Exception:  # noqa: BLE001 - not in a kernel
        return None

