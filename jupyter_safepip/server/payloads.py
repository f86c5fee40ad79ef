"""JSON for the REST API beyond the report itself: a started check, history entries and the effective policy."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..config import SETTING_NAMES, EffectiveConfig, SafePip
from ..core.history import HistoryEntry
from ..core.report_json import finding_to_dict, report_to_dict
from .service import CheckJob, HistoryPage


def job_to_dict(job: CheckJob) -> dict[str, Any]:
    """A check that runs or is done (one that failed is answered as an error)."""
    if job.report is not None:
        return {"state": "done", "report": report_to_dict(job.report)}
    return {"state": "running", "progress": asdict(job.progress) if job.progress is not None else None}


def entry_to_dict(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "time": entry.recorded_at.isoformat(),
        "command": entry.command,
        "package": entry.package,
        "version": entry.version,
        "packages": list(entry.packages),
        "verdict": entry.verdict.label,
        "findings": [finding_to_dict(f) for f in entry.findings],
        "decision": entry.decision,
        "source": entry.source,
        "notebook": entry.notebook,
        "kernel_id": entry.kernel_id,
    }


def history_to_dict(page: HistoryPage, limit: int, offset: int) -> dict[str, Any]:
    return {"total": page.total, "limit": limit, "offset": offset, "entries": [entry_to_dict(e) for e in page.entries]}


def policy_to_dict(config: EffectiveConfig, history_path: str) -> dict[str, Any]:
    traits = SafePip.class_traits()
    return {
        "settings": [
            {
                "name": name,
                "value": config.values[name],
                "source": config.sources[name],
                "locked": name in config.locked,
                "help": traits[name].help,
            }
            for name in SETTING_NAMES
        ],
        "refused": list(config.refused),
        "history_path": history_path,
    }
