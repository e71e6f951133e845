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
           rounds: int) -> tuple[float, float, float]:
    """(baseline s, candidate s, median ratio candidate / baseline): the two timed alternately, round by round,
    so a change of the machine's load hits both (the 2-core development machine is shared)."""
    for fn in (baseline, candidate):
        fn(), fn()
    base_times, times, ratios = [], [], []
    for _ in range(rounds):
        a = time_it(baseline, device, warmup=0, repeats=1)
        b = time_it(candidate, device, warmup=0, repeats=1)
        base_times.append(a), times.append(b), ratios.append(b / a)
    median = sorted(ratios)[len(ratios) // 2]
    return sorted(base_times)[rounds // 2], sorted(times)[rounds // 2], median


def machine() -> str:
    if torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}"
    return (f"CPU {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"{torch.get_num_threads()} torch threads, torch {torch.__version__}")


def stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
