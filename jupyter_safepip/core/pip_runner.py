"""The one seam for subprocesses: run pip in the target interpreter from an argv list, never a shell."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

COLOUR_FORCING = frozenset({"FORCE_COLOR", "CLICOLOR_FORCE", "PY_COLORS"})


@dataclass(frozen=True)
class PipResult:
    """What a pip run printed and how it ended."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def error_summary(self) -> str:
        """pip's own last ERROR line, or the last line it printed."""
        lines = [line.strip() for line in self.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.lower().startswith("error:")]
        return (errors or lines or [f"pip exited with status {self.returncode}"])[-1]


def run_pip(
    python: str,
    args: Sequence[str],
    *,
    on_output: Callable[[str], None] | None = None,
    timeout: float | None = None,
    pip_env: Mapping[str, str] | None = None,
) -> PipResult:
    """Run `python -m pip ARGS`; with on_output, stream each output line as it comes; pip_env overrides
    the environment's PIP_* settings."""
    argv = (python, "-m", "pip", *args)
    env = {k: v for k, v in os.environ.items() if k not in COLOUR_FORCING}
    # No colour codes (kernels force colour on): pip's messages are parsed. No prompts nobody can answer.
    env.update(PIP_NO_INPUT="1", PYTHONUNBUFFERED="1", NO_COLOR="1", **(pip_env or {}))
    if on_output is None:
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL)
        return PipResult(argv, done.returncode, done.stdout, done.stderr)
    out: list[str] = []
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, stdin=subprocess.DEVNULL
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.append(line)
            on_output(line)
        returncode = proc.wait(timeout=timeout)
    text = "".join(out)
    return PipResult(argv, returncode, text, text)
