"""The AMI server over a real TCP socket: login, Ping, CoreShowChannels, Originate, Redirect, Hangup."""

from __future__ import annotations

import asyncio

import pytest

from telephony.simulator.model import SimConfig
from telephony.simulator.runner import SimulatorThread
from telephony.simulator.scenarios import InboundPlan
from telephony.simulator.server import Simulator

Frame = dict[str, str]


def parse(frame: bytes) -> Frame:
    out: Frame = {}
    for line in frame.decode().split("\r\n"):
        key, sep, value = line.partition(": ")
        if sep and key not in out:
            out[key] = value
    return out


class Ami:
    """Tiny test client: reads frames split on blank lines."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.buf = reader, writer, b""

    async def send(self, **headers: str) -> None:
        self.writer.write(("".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode())
        await self.writer.drain()

    async def frame(self, timeout: float = 10.0) -> Frame | None:
        while b"\r\n\r\n" not in self.buf:
            chunk = await asyncio.wait_for(self.reader.read(65536), timeout)
            if not chunk:
                return None
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return parse(raw)

    async def until(self, pred: object, timeout: float = 15.0) -> Frame:
        async def go() -> Frame:
            while True:
                f = await self.frame()
                assert f is not None, "connection closed"
                if pred(f):  # type: ignore[operator]
                    return f

        return await asyncio.wait_for(go(), timeout)


async def connect(sim: Simulator, secret: str = "pw", events: str = "on") -> Ami:
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    assert await reader.readline() == b"Asterisk Call Manager/11.0.0\r\n"
    ami = Ami(reader, writer)
    await ami.send(Action="Login", ActionID="l1", Username="qa", Secret=secret, Events=events)
    return ami


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


def test_login_ping_logoff_and_bad_login() -> None:
    async def go() -> None:
        s = Simulator(SimConfig(secret="pw", speed=10.0, login_fail_delay=0.2))
        await s.start()
        try:
            ami = await connect(s)
            assert await ami.frame() == {
                "Response": "Success",
                "ActionID": "l1",
                "Message": "Authentication accepted",
            }
            assert (await ami.frame() or {}).get("Event") == "FullyBooted"
            await ami.send(Action="Ping", ActionID="p1")
            pong = await ami.until(lambda f: f.get("ActionID") == "p1")
            assert pong["Ping"] == "Pong" and "Timestamp" in pong
            await ami.send(Action="NoSuchThing", ActionID="x1")
            bad = await ami.until(lambda f: f.get("ActionID") == "x1")
            assert bad == {"Response": "Error", "ActionID": "x1", "Message": "Invalid/unknown command"}
            await ami.send(Action="Logoff", ActionID="bye")
            assert (await ami.frame())["Response"] == "Goodbye"  # type: ignore[index]
            assert await ami.frame() is None
            wrong = await connect(s, secret="wrong")
            assert await wrong.frame() == {
                "Response": "Error",
                "ActionID": "l1",
                "Message": "Authentication failed",
            }
            assert await wrong.frame() is None  # the server closed the connection
        finally:
            await s.stop()

    run(go())


def test_core_show_channels_redirect_and_hangup() -> None:
    async def go() -> None:
        s = Simulator(SimConfig(secret="pw", speed=10.0, start_epoch=1.8e9))
        await s.start()
        try:
            ami = await connect(s)
            s.play([InboundPlan("0824561234", "Sipho Dlamini", s.config.faults_did, talk=600)])
            conn = await ami.until(lambda f: f.get("Event") == "AgentConnect")
            linkedid, caller = conn["Linkedid"], conn["Channel"]
            await ami.send(Action="CoreShowChannels", ActionID="c1")
            items: list[dict[str, str]] = []
            while (f := await ami.until(lambda f: f.get("ActionID") == "c1"))[
                "Event" if "Event" in f else "Response"
            ]:
                if f.get("Event") == "CoreShowChannelsComplete":
                    assert f["ListItems"] == str(len(items))
                    break
                if f.get("Event") == "CoreShowChannel":
                    items.append(f)
            assert len(items) == 2 and {i["Linkedid"] for i in items} == {linkedid}
            assert all(i["BridgeId"] for i in items) and items[0]["Duration"].count(":") == 2
            await ami.send(
                Action="Redirect",
                ActionID="r1",
                Channel=caller,
                Context="cc-queue",
                Exten="accounts",
                Priority="1",
            )
            join = await ami.until(lambda f: f.get("Event") == "QueueCallerJoin")
            assert join["Queue"] == "accounts" and join["Linkedid"] == linkedid
            second = await ami.until(lambda f: f.get("Event") == "AgentConnect")
            assert second["Queue"] == "accounts" and second["Uniqueid"] == conn["Uniqueid"]
            await ami.send(Action="Hangup", ActionID="h1", Channel=caller)
            completes: list[dict[str, str]] = []
            while len(completes) < 2:
                f = await ami.until(lambda f: f.get("Event") in ("AgentComplete", "Hangup"))
                if f["Event"] == "AgentComplete":
                    completes.append(f)
            assert {c["Queue"] for c in completes} == {"faults", "accounts"}
            assert {c["Reason"] for c in completes} == {"caller"}
            await s.wait_idle(10)
            assert s.engine.live_channels() == []
            rec = s.expected_calls()[0]
            assert rec.linkedid == linkedid and rec.queues == ["faults", "accounts"] and len(rec.agents) == 2
        finally:
            await s.stop()

    run(go())


def test_originate_plays_an_outbound_call() -> None:
    async def go() -> None:
        s = Simulator(SimConfig(secret="pw", speed=20.0, start_epoch=1.8e9))
        await s.start()
        try:
            ami = await connect(s)
            await ami.send(
                Action="Originate",
                ActionID="o1",
                Channel="PJSIP/1003",
                Context="cc-outbound",
                Exten="0829876543",
                Priority="1",
                CallerID='"Rivervale Revenue" <0123580300>',
                Account="ARREARS-2026-11",
                Variable="CC_CAMPAIGN=ARREARS-2026-11",
                Async="true",
            )
            ok = await ami.until(lambda f: f.get("ActionID") == "o1" and "Response" in f and "Event" not in f)
            assert ok["Message"] == "Originate successfully queued"
            resp = await ami.until(lambda f: f.get("Event") == "OriginateResponse")
            assert resp["Response"] == "Success" and resp["Reason"] == "4" and resp["ActionID"] == "o1"
            cdr = await ami.until(lambda f: f.get("Event") == "Cdr", timeout=30)
            assert cdr["AccountCode"] == "ARREARS-2026-11" and cdr["Disposition"] == "ANSWERED"
            assert cdr["UserField"].startswith(";")
            await ami.send(
                Action="Originate",
                ActionID="o2",
                Channel="PJSIP/1004",
                Exten="0829876543",
                Context="cc-outbound",
            )
            fail = await ami.until(lambda f: f.get("ActionID") == "o2")
            assert fail == {"Response": "Error", "ActionID": "o2", "Message": "Originate failed"}
            await s.wait_idle(30)
            assert s.expected_calls()[0].direction == "outbound"
        finally:
            await s.stop()

    run(go())


def test_thread_wrapper_and_crash_stop() -> None:
    t = SimulatorThread(SimConfig(speed=50.0))
    _host, port = t.start()
    assert port > 0
    t.play([InboundPlan("0723339876", "Lindiwe Zulu", "0800110100", patience=5.0, talk=5.0)])
    t.wait_idle(30)
    assert [r.disposition for r in t.expected_calls()] == ["answered"]
    t.stop()


def test_stop_is_a_crash_without_hangups() -> None:
    async def go() -> None:
        s = Simulator(SimConfig(secret="pw", speed=10.0, start_epoch=1.8e9))
        await s.start()
        ami = await connect(s)
        s.play([InboundPlan("0824561234", "Sipho Dlamini", s.config.faults_did, talk=600)])
        await ami.until(lambda f: f.get("Event") == "AgentConnect")
        await s.stop()
        rest = []
        while (f := await ami.frame()) is not None:
            rest.append(f.get("Event"))
        assert "Hangup" not in rest
        with pytest.raises(OSError):
            await asyncio.open_connection(s.host, s.port)

    run(go())
