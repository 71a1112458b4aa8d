"""When the gateway takes a message: the engine answers, or it has been down past the deadline."""

from __future__ import annotations

from bot.gateway.readiness import EngineReadiness
from tests.unit.gateway.restarting import DEADLINE, Clock, Probe


def readiness(probe: Probe, clock: Clock) -> EngineReadiness:
    return EngineReadiness(probe, DEADLINE, clock=clock, sleep=clock.sleep)


async def test_an_engine_that_comes_up_is_waited_for() -> None:
    clock, probe = Clock(), Probe([False, False, True])
    gate = readiness(probe, clock)
    assert not await gate.ready()
    assert await gate.wait()
    assert probe.calls == 3 and clock.slept == [1.0, 1.0]
    assert await gate.ready() and not gate.gave_up()


async def test_waiting_ends_at_the_deadline_and_then_messages_are_taken_for_the_apology() -> None:
    clock, probe = Clock(), Probe([False])
    gate = readiness(probe, clock)
    assert not await gate.ready()
    assert not await gate.wait()
    assert DEADLINE <= clock.now - 1000.0 < DEADLINE + 2
    assert gate.gave_up()
    assert await gate.ready()  # down past the deadline: take it, the turn apologises


async def test_the_deadline_starts_when_the_engine_is_found_down_and_ends_when_it_answers() -> None:
    clock, probe = Clock(), Probe([True])
    gate = readiness(probe, clock)
    assert await gate.check()
    clock.now += 10 * DEADLINE  # up for a long time: nothing is late
    gate.failed()
    assert not gate.gave_up()
    clock.now += DEADLINE
    assert gate.gave_up()
    gate.answered()
    assert not gate.gave_up()


async def test_a_message_held_since_a_time_is_let_go_at_the_deadline_after_it() -> None:
    clock, probe = Clock(), Probe([False])
    gate = readiness(probe, clock)
    assert not await gate.check()
    clock.now += DEADLINE - 1
    held_since = clock.now
    assert not await gate.wait(since=held_since)  # the engine's deadline comes first
    assert clock.now - held_since < 2


async def test_the_probe_is_asked_at_most_once_a_second_and_a_failing_probe_means_down() -> None:
    clock, probe = Clock(), Probe([RuntimeError("refused"), True])
    gate = readiness(probe, clock)
    assert not await gate.check()
    assert not await gate.check()
    assert probe.calls == 1
    clock.now += 1.0
    assert await gate.check() and probe.calls == 2


async def test_a_turn_that_found_the_engine_down_outweighs_a_recent_probe() -> None:
    clock, probe = Clock(), Probe([True])
    gate = readiness(probe, clock)
    assert await gate.check()
    gate.failed()
    assert not await gate.check() and probe.calls == 1
