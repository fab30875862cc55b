"""What the benchmarks read of the services' processes: CPU time and resident memory of a process
and all its children (gunicorn's workers, Rasa's), and which processes a port or a command line
names. From /proc (Linux), so the app environment needs no extra package for it.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    """/proc/<pid>/stat from field 3 (state) on: the command name before it may hold spaces."""
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            children.setdefault(int(_stat_fields(int(entry.name))[1]), []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return children


def tree(pids: Iterable[int]) -> set[int]:
    """These processes and all their descendants that are alive now."""
    children, todo, seen = _children(), list(pids), set()
    while todo:
        pid = todo.pop()
        if pid not in seen and Path(f"/proc/{pid}").exists():
            seen.add(pid)
            todo += children.get(pid, [])
    return seen


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU of these processes, their descendants, and the children they have reaped
    (utime, stime, cutime, cstime): the difference of two readings is what the tree used meanwhile."""
    ticks = 0
    for pid in tree(pids):
        try:
            ticks += sum(int(value) for value in _stat_fields(pid)[11:15])
        except (OSError, ValueError):
            continue
    return ticks / CLOCK_TICKS


def resident_mib(pids: Iterable[int]) -> float:
    """Resident memory of these processes and all their children, in MiB."""
    total_kib = 0
    for pid in tree(pids):
        try:
            rss = next(
                line
                for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                if line.startswith("VmRSS")
            )
            total_kib += int(rss.split()[1])
        except (OSError, StopIteration):
            continue
    return total_kib / 1024


def listening_on(port: int) -> set[int]:
    """Processes with a TCP socket listening on this port (iproute2's ss)."""
    listing = subprocess.run(
        ["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    return {int(pid) for pid in re.findall(r"pid=(\d+)", listing)}


def running(text: str) -> set[int]:
    """Processes whose command line contains `text` (not this one)."""
    found = set()
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = entry.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command and int(entry.parent.name) != os.getpid():
            found.add(int(entry.parent.name))
    return found
