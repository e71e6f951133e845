"""Shared timing helpers for the benchmarks: warm-up, device sync, and a machine description."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from datetime import datetime, timezone

import torch


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_it(fn: Callable[[], object], device: torch.device, warmup: int, repeats: int) -> float:
    """Median seconds per call of ``fn`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def paired(baseline: Callable[[], object], candidate: Callable[[], object], device: torch.device,
           rounds: int) -> tuple[float, float, float, float | None]:
    """(baseline s, candidate s, median ratio, median ratio of this thread's CPU time): the two timed
    alternately, round by round, so a change of the machine's load hits both (the 2-core development machine is
    shared). The CPU-time ratio (CPU only; None on a GPU) leaves out the time the thread waited for a core."""
    for fn in (baseline, candidate):
        fn(), fn()
    wall: tuple[list[float], list[float]] = ([], [])
    cpu: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for i, fn in enumerate((baseline, candidate)):
            sync(device)
            start, start_cpu = time.perf_counter(), time.thread_time()
            fn()
            sync(device)
            wall[i].append(time.perf_counter() - start)
            cpu[i].append(time.thread_time() - start_cpu)

    def median(values):
        return sorted(values)[len(values) // 2]

    cpu_ratio = None if device.type == "cuda" else median([b / a for a, b in zip(*cpu)])
    return median(wall[0]), median(wall[1]), median([b / a for a, b in zip(*wall)]), cpu_ratio


def machine() -> str:
    if torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}"
    return (f"CPU {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"{torch.get_num_threads()} torch threads, torch {torch.__version__}")


def stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
