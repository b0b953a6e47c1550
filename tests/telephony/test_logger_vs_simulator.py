"""The logger against the simulator's own account of every call it played.

The simulator (built from the captures' event shapes) is the peer; its oracle
says what each call was. The logger, knowing nothing of the simulator, must
agree on every call: one record per Linkedid, the disposition, the times, the
agents and the queues.
"""

from __future__ import annotations

from sqlalchemy import Engine

from telephony.protocol import parse
from telephony.simulator import SimConfig
from telephony.simulator.call import PlayedCall
from telephony.simulator.workload import plan_workload, run_offline
from tests.telephony.helpers import replay, stored_calls

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
