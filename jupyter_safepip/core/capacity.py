"""How many scanning processes this machine, or the container it is, can afford.

`os.cpu_count()` counts the host's cores: a hub pod limited to one CPU and 2 GB on a 64-core node would start 64
scanners. The count here is the smallest of the cores this process may run on (its affinity), its CPU quota
(cgroup v2 `cpu.max`, v1 `cpu.cfs_quota_us`) and the memory it has left (the cgroup's limit less what it uses,
and the kernel's MemAvailable) divided by what one scanner may take. Files that cannot be read count as no limit.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

WORKER_MEMORY = 512 << 20  # what one scanner may take: per-file memory is bounded (the largest wheels peak near it)
_NO_LIMIT = 1 << 62


@dataclass(frozen=True)
class Capacity:
    """What this process may use: cores and bytes of memory (memory_left None when nothing limits it)."""

    cpus: int
    memory_left: int | None

    def worker_count(self, wanted: int | None = None) -> int:
        """Processes to start for `wanted` archives: no more than the cores and the memory allow, at least one."""
        by_memory = self.cpus if self.memory_left is None else self.memory_left // WORKER_MEMORY
        return max(1, min(self.cpus, by_memory, wanted if wanted else self.cpus))


def capacity(root: Path = Path("/")) -> Capacity:
    """This process's share of the machine, read from `root`'s /proc and /sys (another root in the tests)."""
    cgroup = _cgroup_dirs(root)
    cpus = min([_affinity(root), *(_cpu_quota(d) for d in cgroup)])
    memory = min([_meminfo_available(root), *(_cgroup_memory_left(d) for d in cgroup)])
    return Capacity(max(1, cpus), None if memory >= _NO_LIMIT else memory)


def worker_count(wanted: int | None = None) -> int:
    """How many scanning processes to start for `wanted` archives on this machine, as it is now."""
    return capacity().worker_count(wanted)


def _affinity(root: Path) -> int:
    """The cores this process may run on (the kernel's Cpus_allowed_list, "0-3,8")."""
    if root == Path("/") and hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    for line in _read(root / "proc/self/status").splitlines():
        if line.startswith("Cpus_allowed_list:"):
            try:
                spans = [part.split("-") for part in line.split(":", 1)[1].strip().split(",") if part]
                return sum(int(span[-1]) - int(span[0]) + 1 for span in spans) or 1
            except ValueError:
                break
    return os.cpu_count() or 1


def _cgroup_dirs(root: Path) -> list[Path]:
    """The cgroup directories whose limits hold for this process: its own and each one above it (a limit may be
    set on a parent), in v2's single hierarchy or v1's cpu and memory ones."""
    found: list[Path] = []
    for line in _read(root / "proc/self/cgroup").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            base = root / "sys/fs/cgroup"
        elif {"cpu", "memory"} & set(controllers.split(",")):
            base = root / "sys/fs/cgroup" / controllers
        else:
            continue
        steps = [s for s in path.split("/") if s]
        if ".." in steps:  # a cgroup outside this namespace's root: only the root's own limits can be read
            steps = []
        candidates = [base.joinpath(*steps[:depth]) for depth in range(len(steps), -1, -1)]
        found += [c for c in candidates if c.is_dir() and c not in found]
    return found


def _cpu_quota(directory: Path) -> int:
    v2 = _read(directory / "cpu.max").split()
    if len(v2) == 2 and v2[0] != "max":
        return _cores(v2[0], v2[1])
    quota, period = _read(directory / "cpu.cfs_quota_us").strip(), _read(directory / "cpu.cfs_period_us").strip()
    if quota and period and not quota.startswith("-"):
        return _cores(quota, period)
    return _NO_LIMIT


def _cores(quota: str, period: str) -> int:
    try:
        return max(1, math.ceil(int(quota) / int(period)))
    except (ValueError, ZeroDivisionError):
        return _NO_LIMIT


def _cgroup_memory_left(directory: Path) -> int:
    """The limit less the working set (what is used, less file cache the kernel can drop), as the kubelet counts."""
    for limit_file, usage_file, cache_key in (("memory.max", "memory.current", "inactive_file"),
                                              ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file")):
        limit, usage = _number(directory / limit_file), _number(directory / usage_file)
        if limit is not None and limit < _NO_LIMIT:
            cache = next((int(v) for k, v in _pairs(directory / "memory.stat") if k == cache_key and v.isdigit()), 0)
            return max(0, limit - max(0, (usage or 0) - cache))
    return _NO_LIMIT


def _pairs(path: Path) -> list[tuple[str, str]]:
    return [(f[0], f[1]) for f in (line.split() for line in _read(path).splitlines()) if len(f) == 2]


def _meminfo_available(root: Path) -> int:
    for line in _read(root / "proc/meminfo").splitlines():
        if line.startswith("MemAvailable:"):
            fields = line.split()
            if len(fields) >= 2 and fields[1].isdigit():
                return int(fields[1]) * 1024
    return _NO_LIMIT


def _number(path: Path) -> int | None:
    text = _read(path).strip()
    return int(text) if text.isdigit() else None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError):
        return ""
