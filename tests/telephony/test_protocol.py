"""The pure AMI parser: framing, splits, odd and hostile input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from telephony.protocol import AmiMessage, parse
from tests.conftest import capture

SAMPLE = (
    b"Asterisk Call Manager/11.0.0\r\n"
    b"Response: Success\r\nActionID: 1\r\nMessage: Authentication accepted\r\n\r\n"
    b"Event: Newchannel\r\nTimestamp: 1795350910.170012\r\nChannel: PJSIP/pstn-trunk-00000000\r\n"
    b"AccountCode: \r\nUniqueid: 1795350910.0\r\nLinkedid: 1795350910.0\r\n\r\n"
    b"Event: VarSet\r\nVariable: CC_IVR_PATH\r\nValue: main/1/account:5001: x\r\n\r\n"
)


def parse_in_pieces(data: bytes, cuts: list[int]) -> tuple[list[AmiMessage], bytes]:
    messages: list[AmiMessage] = []
    leftover, discarding, start = b"", False, 0
    for cut in [*sorted(cuts), len(data)]:
        result = parse(leftover + data[start:cut], discarding=discarding)
        messages += result.messages
        leftover, discarding, start = result.leftover, result.discarding, cut
    return messages, leftover


def test_banner_response_and_events_are_told_apart() -> None:
    result = parse(SAMPLE)
    kinds = [(message.kind, message.name) for message in result.messages]
    assert kinds == [
        ("banner", "Asterisk Call Manager/11.0.0"),
        ("response", "Success"),
        ("event", "Newchannel"),
        ("event", "VarSet"),
    ]
    assert result.leftover == b"" and result.errors == []


def test_values_keep_colons_and_empty_values_are_empty_strings() -> None:
    newchannel, varset = parse(SAMPLE).messages[2:]
    assert newchannel["AccountCode"] == ""
    assert varset["Value"] == "main/1/account:5001: x"
    assert newchannel.timestamp == 1795350910.170012


def test_a_frame_split_at_every_byte_offset_parses_the_same() -> None:
    whole = parse(SAMPLE).messages
    for offset in range(len(SAMPLE) + 1):
        pieces, leftover = parse_in_pieces(SAMPLE, [offset])
        assert pieces == whole, f"split at byte {offset}"
        assert leftover == b""


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(capture("hold"))), max_size=40))
def test_any_chunking_of_a_real_capture_gives_the_same_messages(cuts: list[int]) -> None:
    data = capture("hold")
    whole = parse(data).messages
    pieces, leftover = parse_in_pieces(data, cuts)
    assert pieces == whole and leftover == b""
    assert len(whole) == 218  # banner + 217 frames (README: 217 frames, 215 events)


def test_a_missing_header_raises_naming_the_key_and_frame() -> None:
    event = parse(SAMPLE).messages[2]
    try:
        event["Linkedidd"]
    except KeyError as exc:
        assert "Newchannel" in str(exc) and "Linkedidd" in str(exc)
    else:
        raise AssertionError("a typo must not read as ''")


def test_originate_response_is_an_event_although_it_has_a_response_header() -> None:
    frame = b"Event: OriginateResponse\r\nResponse: Failure\r\nReason: 0\r\n\r\n"
    (message,) = parse(frame).messages
    assert (message.kind, message.name, message["Response"]) == ("event", "OriginateResponse", "Failure")


def test_response_follows_body_is_kept_as_output_lines() -> None:
    frame = (
        b"Response: Follows\r\nPrivilege: Command\r\nActionID: 7\r\n"
        b"Channel              Location\r\n\r\n2 active channels\r\n--END COMMAND--\r\n\r\n"
        b"Event: Ping\r\n\r\n"
    )
    result = parse(frame)
    follows, ping = result.messages
    assert follows.name == "Follows" and follows["ActionID"] == "7"
    assert follows.output == ("Channel              Location", "2 active channels")
    assert ping.name == "Ping"


def test_malformed_frames_and_invalid_utf8_are_reported_and_skipped() -> None:
    data = (
        b"Event: Good1\r\n\r\n"
        b"this line has no colon\r\nEvent: Broken\r\n\r\n"
        b"Event: Bad\xff\xfeBytes\r\n\r\n"
        b"Event: Nul\x00Byte\r\n\r\n"
        b"Event: Good2\r\n\r\n"
    )
    result = parse(data)
    assert [message.name for message in result.messages] == ["Good1", "Good2"]
    reasons = [error.reason for error in result.errors]
    assert reasons[0] == "line is not 'Key: Value'"
    assert reasons[1].startswith("invalid UTF-8 at byte")
    assert reasons[2] == "NUL byte at byte 10"


def test_an_oversized_frame_is_dropped_with_bounded_memory_and_parsing_resumes() -> None:
    limit = 1024
    huge = b"Event: Huge\r\nValue: " + b"x" * 10_000
    messages, leftover, errors, discarding = [], b"", [], False
    stream = [huge[i : i + 700] for i in range(0, len(huge), 700)] + [b"\r\n\r\nEvent: After\r\n\r\n"]
    for chunk in stream:
        result = parse(leftover + chunk, discarding=discarding, max_frame_bytes=limit)
        messages += result.messages
        errors += result.errors
        leftover, discarding = result.leftover, result.discarding
        assert len(leftover) <= limit + 700, "the parser must not hold an unbounded buffer"
    assert [message.name for message in messages] == ["After"]
    assert len(errors) == 1 and "longer than 1024 bytes" in errors[0].reason


def test_unknown_events_parse_like_any_other() -> None:
    (message,) = parse(b"Event: SomethingNew\r\nFoo: bar\r\n\r\n").messages
    assert message.name == "SomethingNew" and message.get("Foo") == "bar" and message.get("Nope") is None


def test_every_capture_parses_without_errors() -> None:
    from tests.conftest import CAPTURES

    for path in sorted(CAPTURES.glob("*.ami")):
        result = parse(path.read_bytes())
        assert result.errors == [], path.name
        assert result.leftover == b"", path.name
        assert result.messages[0].kind == "banner", path.name
