"""Shared helpers for the benchmark scripts (not tests: they print figures, they assert nothing)."""

from __future__ import annotations

import socket
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def median(values: list[float]) -> float:
    return statistics.median(values)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def row(label: str, value: str, ratio: str = "") -> None:
    print(f"  {label:<46} {value:>16} {ratio}")


def free_port() -> int:
    """A port nobody listens on now (the suite runs the benchmarks beside other servers)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
