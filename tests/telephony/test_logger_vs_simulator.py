"""The logger against the simulator's own account of every call it played.

The simulator (built from the captures' event shapes) is the peer; its oracle
says what each call was. The logger, knowing nothing of the simulator, must
agree on every call: one record per Linkedid, the disposition, the times, the
agents and the queues.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine

from telephony.protocol import parse
from telephony.service import CallLogger
from telephony.simulator import SimConfig, SimulatorThread
from telephony.simulator.call import PlayedCall
from telephony.simulator.workload import plan_workload, run_offline
from telephony.supervisor import LoggerSupervisor, SupervisorOptions
from tests.telephony.helpers import replay, stored_calls
from tests.telephony.test_logger_over_tcp import ami_settings

START = 1795400000.0


def test_an_hour_of_simulated_calls_is_logged_as_the_simulator_played_it(engine: Engine) -> None:
    config = SimConfig(seed=11, start_epoch=START)
    played: list[PlayedCall] = []
    stream = b"".join(frame for _t, frame in run_offline(plan_workload(config, 150, seed=11), config, played))
    assert not parse(stream).errors

    replay(engine, stream, chunk=65536)
    calls = {call.linkedid: call for call in stored_calls(engine)}

    assert sorted(calls) == sorted(item.linkedid for item in played)
    dispositions = {item.disposition for item in played}
    assert {"answered", "abandoned", "ivr"} <= dispositions, "the workload should exercise several outcomes"
    for expected in played:
        call = calls[expected.linkedid]
        where = f"call {expected.linkedid} ({expected.direction}, played as {expected.disposition})"
        assert call.disposition == expected.disposition, where
        assert call.direction == expected.direction, where
        assert abs(call.start_time.timestamp() - expected.start) < 0.01, where
        assert call.end_time is not None and expected.end is not None, where
        assert abs(call.end_time.timestamp() - expected.end) < 0.01, where
        assert [visit.queue for visit in call.queue_visits] == expected.queues, where
        answered_by = [visit.agent_interface for visit in call.queue_visits if visit.agent_interface]
        if expected.direction == "outbound":
            answered_by = [call.agent_interface] if call.agent_interface else []
        assert [interface.removeprefix("PJSIP/") for interface in answered_by] == expected.agents, where
        bridged = sum(end - start for start, end in expected.bridged)
        held = sum(end - start for start, end in expected.holds)
        assert abs(call.talk_seconds + call.hold_seconds - bridged) < 0.05, where
        assert abs(call.hold_seconds - held) < 0.05, where
        assert not call.partial, where


def test_asterisk_dying_mid_way_through_100_calls_loses_and_doubles_nothing(engine: Engine) -> None:
    """Kill the PBX half-way through 100 calls, start a fresh one on the same port, play 30 more.

    Every call completed before the crash is stored once, whole; calls cut by the
    crash are stored once, marked partial; every call after the restart is stored once.
    """
    first = SimulatorThread(
        SimConfig(username="callcentre", secret="s3cret", start_epoch=START, speed=200.0, seed=5)
    )
    _host, port = first.start()
    logger = CallLogger(engine, grace=0.5)
    supervisor = LoggerSupervisor(ami_settings(port), logger, SupervisorOptions(flush_interval=0.05))

    async def scenario() -> tuple[list[PlayedCall], float, list[PlayedCall]]:
        stop = asyncio.Event()
        task = asyncio.create_task(supervisor.run(stop))
        first.play(plan_workload(first.config, 100, seed=5, duration=900.0))
        while len([call for call in first.expected_calls() if call.end is not None]) < 50:
            await asyncio.sleep(0.05)
        crash_time = first.now()
        await asyncio.to_thread(first.stop)  # a crash: live calls vanish without Hangup events
        played_first = first.expected_calls()  # after the crash: every call that had started
        second = SimulatorThread(
            SimConfig(
                port=port,
                username="callcentre",
                secret="s3cret",
                start_epoch=crash_time + 120,
                speed=200.0,
                seed=6,
            )
        )
        await asyncio.to_thread(second.start)
        while supervisor.connections < 2:  # the logger is back before the new calls start
            await asyncio.sleep(0.05)
        second.play(plan_workload(second.config, 30, seed=6, duration=120.0))
        await asyncio.to_thread(second.wait_idle, 60)
        played_second = second.expected_calls()
        deadline = asyncio.get_running_loop().time() + 30
        wanted = len(played_first) + len(played_second)
        while logger.counters.calls < wanted and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await task
        await asyncio.to_thread(second.stop)
        return played_first, crash_time, played_second

    played_first, crash_time, played_second = asyncio.run(scenario())
    stored = stored_calls(engine)
    by_linkedid = {call.linkedid: call for call in stored}
    assert len(by_linkedid) == len(stored), "a call was stored twice"
    assert sorted(by_linkedid) == sorted(call.linkedid for call in played_first + played_second)
    assert supervisor.connections == 2
    done_before = [call for call in played_first if call.end is not None and call.end < crash_time - 1.0]
    cut = [call for call in played_first if call.end is None]
    assert len(done_before) >= 45 and cut, "the crash should fall with calls both done and in progress"
    for played in done_before + played_second:
        call = by_linkedid[played.linkedid]
        assert (call.disposition, call.partial) == (played.disposition, False), played.linkedid
    for played in cut:
        call = by_linkedid[played.linkedid]
        assert call.partial and "not observed" in (call.partial_reason or ""), played.linkedid
