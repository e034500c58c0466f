"""Deterministic fault plans: each fault matches a method and a path regex and fires a fixed number of times."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field


@dataclass
class Fault:
    """`kind` is "status", "reset" or "delay"; `applied` faults fire after the handler changed the state."""

    kind: str
    method: str
    pattern: re.Pattern
    remaining: int
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    applied: bool = False

    def matches(self, method: str, path: str) -> bool:
        return self.remaining > 0 and self.method in ("*", method) and self.pattern.search(path) is not None


class FaultPlan:
    """Faults fire in the order they were added; concurrent requests consume them under one lock."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, kind: str, method: str, path_regex: str, times: int, **details) -> Fault:
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = Fault(kind, method.upper(), re.compile(path_regex), times, **details)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str, kinds: tuple[str, ...], applied: bool = False) -> Fault | None:
        """Consumes one firing of the first matching fault of the given kinds."""
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.applied == applied and fault.matches(method, path):
                    fault.remaining -= 1
                    return fault
        return None
