"""The conditions a run was made under: machine, Python, package versions, git commit, date.

Read without importing any framework (package metadata only), so it is cheap and safe anywhere.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.metadata
import os
import platform
import subprocess

from harness.frameworks import registry

PACKAGES = (*registry.PACKAGES, "numpy", "pandas", "pytest", "pytest-benchmark")


def cpu_model() -> str:
    """The CPU's model name (Linux /proc/cpuinfo), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


#: the vector instructions that decide which kernels a framework picks (oneDNN's dtypes, Eigen's and XLA's code paths),
#: and so some verdicts: stated with every run's conditions
VECTOR_FEATURES = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "avx512_fp16",
                   "amx_bf16", "amx_fp16", "avx_ne_convert", "asimd", "sve")


def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags as Linux's /proc/cpuinfo names them (``avx512f``, ``avx512_fp16``, ...; an Arm CPU's
    ``Features``); empty where there is no such file (then nothing can be said of the CPU's instructions)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cpu_key(flags: frozenset[str] | None = None) -> str:
    """A short hash of the machine's architecture and CPU flags (``flags``, else :func:`cpu_flags`): what code compiled
    for, or numbers rounded on, this kind of CPU is kept under."""
    flags = cpu_flags() if flags is None else flags
    return hashlib.sha256(" ".join([platform.machine(), *sorted(flags)]).encode()).hexdigest()[:12]


def peak_rss_bytes() -> int | None:
    """This process's peak resident size: Linux's VmHWM, which starts afresh at exec.

    (``getrusage``'s ru_maxrss does not: a child started by a big parent reports the parent's
    peak, measured here as 1.5 GiB in every framework's benchmark process.)
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def versions() -> dict[str, str]:
    """Installed versions of the packages that decide our numbers; absent ones are left out."""
    found = {}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return found


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def conditions() -> dict[str, object]:
    """Everything a published number must state about where it came from."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": platform.node(),
        "cpu": cpu_model(),
        "cpu_features": [f for f in VECTOR_FEATURES if f in cpu_flags()],
        "cores_usable": affinity,
        "os": platform.platform(),
        "python": platform.python_version(),
        "commit": git_commit(),
        "packages": versions(),
    }
