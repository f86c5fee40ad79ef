"""The number of scanning processes fits the container: its CPU quota, its memory left, the cores it may use."""

from __future__ import annotations

import os

from jupyter_safepip.core.capacity import WORKER_MEMORY, capacity, worker_count
from jupyter_safepip.core.scan_workers import ScanWorkers

GIB = 1 << 30
MIB = 1 << 20


def _files(root, files: dict[str, str]):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _status(cpus: str) -> str:
    return f"Name:\tpython\nCpus_allowed:\tff\nCpus_allowed_list:\t{cpus}\n"


def test_a_pod_limited_to_one_cpu_on_a_big_node_starts_one_scanner(tmp_path):
    root = _files(tmp_path, {
        "proc/self/status": _status("0-63"),
        "proc/self/cgroup": "0::/\n",
        "proc/meminfo": f"MemTotal: {256 * GIB // 1024} kB\nMemAvailable: {200 * GIB // 1024} kB\n",
        "sys/fs/cgroup/cpu.max": "100000 100000\n",
        "sys/fs/cgroup/memory.max": f"{2 * GIB}\n",
        "sys/fs/cgroup/memory.current": f"{1200 * MIB}\n",
        "sys/fs/cgroup/memory.stat": f"anon 1000\ninactive_file {200 * MIB}\n",
    })
    found = capacity(root)
    assert found.cpus == 1
    assert found.memory_left == 2 * GIB - 1000 * MIB  # file cache the kernel can drop is not counted as used
    assert found.worker_count(30) == 1


def test_limits_set_on_a_parent_cgroup_hold_for_the_process(tmp_path):
    root = _files(tmp_path, {
        "proc/self/status": _status("0-15"),
        "proc/self/cgroup": "0::/kubepods/pod1/container\n",
        "sys/fs/cgroup/kubepods/pod1/container/cpu.max": "max 100000\n",
        "sys/fs/cgroup/kubepods/pod1/container/memory.max": "max\n",
        "sys/fs/cgroup/kubepods/pod1/cpu.max": "350000 100000\n",
        "sys/fs/cgroup/kubepods/pod1/memory.max": f"{3 * WORKER_MEMORY}\n",
        "sys/fs/cgroup/kubepods/pod1/memory.current": "0\n",
    })
    found = capacity(root)
    assert found.cpus == 4  # 3.5 CPUs of quota: four processes can share it
    assert found.worker_count(30) == 3  # memory for three
    assert found.worker_count(2) == 2 and found.worker_count(1) == 1


def test_cgroup_v1_without_limits_is_bounded_by_the_cores_and_the_memory_available(tmp_path):
    root = _files(tmp_path, {
        "proc/self/status": _status("0-3,8-11"),
        "proc/self/cgroup": "4:memory:/user.slice\n2:cpu,cpuacct:/user.slice\n1:pids:/\n",
        "proc/meminfo": f"MemTotal: 8000000 kB\nMemAvailable: {700 * MIB // 1024} kB\n",
        "sys/fs/cgroup/cpu,cpuacct/user.slice/cpu.cfs_quota_us": "-1\n",
        "sys/fs/cgroup/cpu,cpuacct/user.slice/cpu.cfs_period_us": "100000\n",
        "sys/fs/cgroup/memory/user.slice/memory.limit_in_bytes": "9223372036854771712\n",
        "sys/fs/cgroup/memory/user.slice/memory.usage_in_bytes": "123456\n",
    })
    found = capacity(root)
    assert found.cpus == 8
    assert found.memory_left == 700 * MIB
    assert found.worker_count(30) == 1


def test_a_v1_quota_and_memory_limit_are_read(tmp_path):
    root = _files(tmp_path, {
        "proc/self/status": _status("0-7"),
        "proc/self/cgroup": "4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n",
        "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "200000\n",
        "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
        "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": f"{4 * GIB}\n",
        "sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes": f"{1 * GIB}\n",
        "sys/fs/cgroup/memory/docker/abc/memory.stat": "total_inactive_file 0\n",
    })
    found = capacity(root)
    assert (found.cpus, found.memory_left) == (2, 3 * GIB)
    assert found.worker_count(5) == 2


def test_unreadable_or_garbled_files_count_as_no_limit_and_never_raise(tmp_path):
    root = _files(tmp_path, {
        "proc/self/status": "Cpus_allowed_list:\tnonsense\n",
        "proc/self/cgroup": "garbage\n0::/../../etc\n",
        "proc/meminfo": "MemAvailable: lots kB\n",
        "sys/fs/cgroup/cpu.max": "abc def\n",
        "sys/fs/cgroup/memory.max": "-5\n",
    })
    found = capacity(root)
    assert found.memory_left is None
    assert found.cpus == (os.cpu_count() or 1)
    assert capacity(tmp_path / "nothing-here").worker_count(1) == 1


def test_a_process_with_almost_no_memory_left_still_scans_with_one_worker(tmp_path):
    root = _files(tmp_path, {
        "proc/self/status": _status("0-3"),
        "proc/self/cgroup": "0::/\n",
        "sys/fs/cgroup/memory.max": f"{GIB}\n",
        "sys/fs/cgroup/memory.current": f"{GIB + 5}\n",
    })
    found = capacity(root)
    assert found.memory_left == 0
    assert found.worker_count(4) == 1  # one scanner, never none: the check is never skipped


def test_on_this_machine_the_default_pool_is_sized_the_same_way():
    assert worker_count() == capacity().worker_count() >= 1
    assert ScanWorkers().workers == worker_count()


def test_a_cgroup_outside_the_namespace_reads_only_the_roots_limits(tmp_path):
    root = _files(tmp_path, {
        "proc/self/status": _status("0-7"),
        "proc/self/cgroup": "0::/../../other/pod\n",
        "sys/fs/cgroup/cpu.max": "200000 100000\n",
        "sys/fs/cgroup/other/pod/cpu.max": "100000 100000\n",  # not this process's: never to be read
    })
    assert capacity(root).cpus == 2
