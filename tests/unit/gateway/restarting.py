"""An engine that restarts, for the gateway's tests: its readiness answers, and time that moves
only while the gateway waits (no test sleeps)."""

from __future__ import annotations

from dataclasses import dataclass, field

DEADLINE = 60.0


@dataclass
class Clock:
    """Time that moves only when the code under test sleeps."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@dataclass
class Probe:
    """The engine's readiness check: its answers in turn, the last one for ever after."""

    answers: list[bool | Exception]
    calls: int = 0

    async def __call__(self) -> bool:
        self.calls += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer
