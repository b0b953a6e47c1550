"""The real client, supervisor and logger against a fake Asterisk on a real TCP socket."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from callcentre.settings import AmiSettings, Secret
from telephony.client import AmiAuthError
from telephony.service import CallLogger
from telephony.supervisor import LoggerSupervisor, SupervisorOptions
from tests.conftest import SCENARIOS, capture
from tests.telephony.fake_asterisk import FakeAsterisk, capture_events
from tests.telephony.helpers import stored_calls
from tests.telephony.test_captures_vs_cdr import EXPECTED_DISPOSITIONS


def ami_settings(port: int, secret: str = "s3cret") -> AmiSettings:
    return AmiSettings(
        host="127.0.0.1",
        port=port,
        username="callcentre",
        secret=Secret(secret),
        connect_timeout=2.0,
        ping_interval=0.5,
        reconnect_initial_delay=0.05,
        reconnect_max_delay=0.2,
    )


async def run_until(supervisor: LoggerSupervisor, done: Callable[[], bool], timeout: float = 20.0) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(supervisor.run(stop))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not done() and loop.time() < deadline and not task.done():
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)


def new_supervisor(engine: Engine, port: int, secret: str = "s3cret") -> tuple[LoggerSupervisor, CallLogger]:
    logger = CallLogger(engine, grace=0.2)
    return LoggerSupervisor(
        ami_settings(port, secret), logger, SupervisorOptions(flush_interval=0.05)
    ), logger


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_capture_streamed_over_tcp_gives_the_same_calls(engine: Engine, scenario: str) -> None:
    expected = EXPECTED_DISPOSITIONS[scenario]

    async def scenario_run() -> None:
        peer = FakeAsterisk(events=capture_events(capture(scenario)))
        port = await peer.start()
        supervisor, logger = new_supervisor(engine, port)
        await run_until(supervisor, lambda: logger.counters.calls >= len(expected))
        await peer.stop()

    asyncio.run(scenario_run())
    calls = stored_calls(engine)
    assert [call.disposition for call in calls] == expected
    assert not any(call.partial for call in calls)


def test_wrong_secret_is_a_clear_error_not_a_retry_loop(engine: Engine) -> None:
    async def attempt() -> None:
        peer = FakeAsterisk(secret="right")
        port = await peer.start()
        supervisor, _ = new_supervisor(engine, port, secret="wrong")
        try:
            await asyncio.wait_for(supervisor.run(asyncio.Event()), 5)
        finally:
            await peer.stop()

    with pytest.raises(AmiAuthError, match="refused login for user 'callcentre'"):
        asyncio.run(attempt())


def test_unreachable_host_is_retried_with_a_clear_log_line(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    supervisor, _ = new_supervisor(engine, port)
    caplog.set_level(logging.WARNING)

    async def attempt() -> None:
        await run_until(supervisor, lambda: caplog.text.count("reconnecting in") >= 3, timeout=5)

    asyncio.run(attempt())
    assert f"cannot reach Asterisk AMI at 127.0.0.1:{port}" in caplog.text
    assert caplog.text.count("reconnecting in") >= 3 and supervisor.connections == 0


def after_caller_bridged(events: list[bytes]) -> int:
    """The index just after the caller's channel entered the bridge with the agent."""
    return 1 + next(
        i
        for i, raw in enumerate(events)
        if raw.startswith(b"Event: BridgeEnter") and b"Channel: PJSIP/pstn-trunk" in raw
    )


def test_call_that_ended_while_disconnected_is_recorded_once_as_partial(engine: Engine) -> None:
    events = capture_events(capture("inbound_answered"))
    bridged = after_caller_bridged(events)

    async def outage() -> None:
        first = FakeAsterisk(events=events, close_after=bridged)
        port = await first.start()
        supervisor, logger = new_supervisor(engine, port)
        stop = asyncio.Event()
        task = asyncio.create_task(supervisor.run(stop))
        while first.logins == 0 or logger.tracker.pbx_time is None:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        await first.stop()  # Asterisk restarts: the call's hang-up is never seen
        second = FakeAsterisk(port=port, pbx_time=1795350930.0)
        await second.start()
        while logger.counters.calls < 1:
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 10)
        await second.stop()

    asyncio.run(outage())
    (call,) = stored_calls(engine)
    assert call.partial and "hang-up of" in (call.partial_reason or "")
    assert call.agent == "Thandi Mokoena" and call.disposition == "answered"
    assert call.end_time is not None and call.end_time >= call.answer_time  # type: ignore[operator]


def test_call_already_up_when_the_logger_connects_is_recorded_with_its_start_estimated(
    engine: Engine,
) -> None:
    events = capture_events(capture("inbound_answered"))
    bridged = after_caller_bridged(events)
    live = [
        {
            "Channel": "PJSIP/pstn-trunk-00000000",
            "Uniqueid": "1795350910.0",
            "Linkedid": "1795350910.0",
            "CallerIDNum": "0824561234",
            "CallerIDName": "Sipho Dlamini",
            "Exten": "faults",
            "Context": "cc-queue",
            "Duration": "00:00:06",
            "BridgeId": "f464e62b",
        },
        {
            "Channel": "PJSIP/1001-00000001",
            "Uniqueid": "1795350912.1",
            "Linkedid": "1795350910.0",
            "CallerIDNum": "1001",
            "Duration": "00:00:03",
            "BridgeId": "f464e62b",
        },
    ]

    async def late_start() -> None:
        peer = FakeAsterisk(events=events[bridged:], live_channels=live, pbx_time=1795350916.2)
        port = await peer.start()
        supervisor, logger = new_supervisor(engine, port)
        await run_until(supervisor, lambda: logger.counters.calls >= 1)
        await peer.stop()

    asyncio.run(late_start())
    (call,) = stored_calls(engine)
    assert call.partial and "already up" in (call.partial_reason or "")
    assert call.caller_number == "+27824561234"
    assert abs(call.start_time.timestamp() - (1795350916.2 - 6)) < 0.01
    assert call.end_time is not None and call.talk_seconds > 0


def test_a_silent_link_is_detected_by_keep_alive_pings_and_reconnected(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    async def silent_link() -> None:
        peer = FakeAsterisk()
        port = await peer.start()
        supervisor, _ = new_supervisor(engine, port)
        stop = asyncio.Event()
        task = asyncio.create_task(supervisor.run(stop))
        while supervisor.connections < 1:
            await asyncio.sleep(0.05)
        peer.answer_pings = False  # the TCP connection stays open but nothing answers: a dead path
        while "keep-alive failed" not in caplog.text:
            await asyncio.sleep(0.05)
        peer.answer_pings = True
        while supervisor.connections < 2:
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 10)
        await peer.stop()

    asyncio.run(asyncio.wait_for(silent_link(), 30))
    assert "Ping got no answer from 127.0.0.1" in caplog.text
