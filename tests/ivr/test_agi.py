"""FastAGI end to end: the server on a real TCP socket, a test AGI client playing Asterisk."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcentre.settings import IvrSettings
from ivr.agi import AgiServer, parse_reply
from ivr.backend import DatabaseBackend
from ivr.engine import Engine
from ivr.menu_loader import load_menu
from ivr.models import IvrSession, ServiceRequest
from ivr.references import is_valid_reference, reading_groups
from ivr.store import SessionStore
from telephony.simulator.agi_caller import AgiPeer
from tests.conftest import Database

WATER_FAULT = "1" + "1" + "1" + "20456#" + "1"  # English, report a fault, water, meter 20456, confirm


@pytest.fixture
def server(database: Database) -> Iterator[AgiServer]:
    settings = IvrSettings(agi_timeout=10.0)
    engine = Engine(load_menu())
    agi = AgiServer(
        ("127.0.0.1", 0),
        engine,
        DatabaseBackend(database.engine, settings),
        SessionStore(database.engine),
        settings,
    )
    thread = threading.Thread(target=agi.serve_forever, daemon=True)
    thread.start()
    yield agi
    agi.shutdown()
    agi.server_close()
    thread.join(5)


def _port(server: AgiServer) -> int:
    return int(server.server_address[1])


def _sessions(database: Database) -> list[IvrSession]:
    with Session(database.engine) as db:
        return list(db.scalars(select(IvrSession).order_by(IvrSession.id)))


def test_a_water_fault_is_logged_read_back_twice_and_the_caller_put_through(
    server: AgiServer, database: Database
) -> None:
    peer = AgiPeer(_port(server), WATER_FAULT + "0").run()  # then 0: an agent
    assert peer.closed_by_server
    with Session(database.engine) as db:
        request = db.scalars(select(ServiceRequest)).one()
    assert request.category == "water" and request.details == {"detail_kind": "meter", "detail": "20456"}
    assert request.linkedid == "1700000000.1" and request.status == "logged" and request.language == "en"
    assert is_valid_reference(request.reference)
    said = peer.said_digits()  # the meter number confirmed, then the reference twice in groups of three
    assert said == ["20456", *reading_groups(request.reference) * 2]
    assert peer.variables["CC_IVR_QUEUE"] == "faults"
    assert peer.variables["CC_REFERENCE"] == request.reference
    assert peer.variables["CC_LANGUAGE"] == "en"
    assert peer.variables["CC_IVR_PATH"].startswith("language/outages/main/fault_type/water_meter/")
    assert any(
        c.startswith("STREAM FILE /var/lib/asterisk/sounds/callcentre/en/language ") for c in peer.commands
    )
    assert "HANGUP" not in peer.commands  # the dialplan goes on to Queue()
    (session,) = _sessions(database)
    assert session.outcome == "transferred" and session.queue == "faults" and session.transport == "agi"
    assert session.linkedid == "1700000000.1" and session.reference == request.reference
    assert [key[1] for key in session.digits][:4] == ["1", "1", "1", "20456#"]


def test_the_caller_ending_the_call_gets_a_goodbye_and_a_hangup(
    server: AgiServer, database: Database
) -> None:
    peer = AgiPeer(_port(server), WATER_FAULT + "2").run()
    assert peer.commands[-1] == "HANGUP"
    (session,) = _sessions(database)
    assert session.outcome == "self_served" and session.hangup_node is None


def test_garbage_mid_call_ends_that_session_as_hung_up_and_the_server_keeps_serving(
    server: AgiServer, database: Database
) -> None:
    broken = AgiPeer(_port(server), WATER_FAULT, uniqueid="1.1", garbage_at=8).run()
    assert broken.closed_by_server and len(broken.commands) == 8
    gone = AgiPeer(_port(server), "1", uniqueid="1.2", hangup_at=6).run()
    after = AgiPeer(_port(server), WATER_FAULT + "2", uniqueid="1.3").run()
    assert after.said_digits() and after.commands[-1] == "HANGUP"
    sessions = {s.call_id: s for s in _sessions(database)}
    assert sessions["1.1"].outcome == "hung_up" and sessions["1.1"].hangup_node
    assert sessions["1.2"].outcome == "hung_up" and len(gone.commands) == 6
    assert sessions["1.3"].outcome == "self_served"


def test_a_peer_that_is_not_agi_at_all_is_dropped(server: AgiServer, database: Database) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", _port(server)), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\n\r\n")
        assert sock.recv(100) == b""  # closed without a session
    assert AgiPeer(_port(server), WATER_FAULT + "2").run().said_digits()
    assert len(_sessions(database)) == 1


def test_fifty_concurrent_sessions_each_get_their_own_reference(
    server: AgiServer, database: Database
) -> None:
    peers = [
        AgiPeer(_port(server), WATER_FAULT + "2", uniqueid=f"2.{n}", linkedid=f"2.{n}") for n in range(50)
    ]
    with ThreadPoolExecutor(50) as pool:
        done = list(pool.map(lambda peer: peer.run(60), peers))
    assert all(peer.commands[-1] == "HANGUP" for peer in done)
    with Session(database.engine) as db:
        references = {r.linkedid: r.reference for r in db.scalars(select(ServiceRequest))}
        assert db.scalar(select(func.count()).select_from(IvrSession)) == 50
    assert len(set(references.values())) == 50
    for peer in done:  # each caller heard their own reference
        assert peer.said_digits()[1:4] == list(reading_groups(references[peer.linkedid]))


def test_replies_are_parsed_like_asterisk_writes_them() -> None:
    reply = parse_reply("200 result=0 (timeout) endpos=24000")
    assert (reply.code, reply.result, reply.data, reply.endpos) == (200, 0, "timeout", 24000)
    assert parse_reply("200 result=49").result == 49
    assert parse_reply("511 Command Not Permitted on a dead channel or intercept routine").code == 511
