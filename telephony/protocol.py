"""Pure AMI framing: bytes in, messages out, leftover bytes returned.

The Asterisk Manager Interface sends text frames of ``Key: Value`` lines (CRLF),
each frame ending in a blank line. The connection opens with a one-line banner
(``Asterisk Call Manager/11.0.0``) that has no blank line after it, and the old
``Response: Follows`` answer to ``Command`` carries free text up to
``--END COMMAND--``. Nothing here touches a socket, so a frame split across two
reads is a one-line test:

>>> first = parse(b"Event: Ping\\r\\nTime")
>>> first.messages, first.leftover
([], b'Event: Ping\\r\\nTime')
>>> second = parse(first.leftover + b"stamp: 1.5\\r\\n\\r\\n")
>>> second.messages[0].name, second.messages[0].timestamp
('Ping', 1.5)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

BANNER_PREFIX = b"Asterisk Call Manager/"
FRAME_END = b"\r\n\r\n"
LINE_END = b"\r\n"
FOLLOWS_PREFIX = b"Response: Follows\r\n"
FOLLOWS_END = b"--END COMMAND--\r\n\r\n"
NUL = b"\x00"
#: Largest frame kept in memory; a ``CoreShowChannels`` list item is ~600 bytes,
#: so anything near this is a broken peer, not a real frame.
DEFAULT_MAX_FRAME_BYTES = 256 * 1024


class AmiMessage:
    """One AMI frame: an event, a response, or the greeting banner.

    Headers keep their order and duplicates (``Variable:`` may repeat); lookups
    by key return the last value. A missing key raises ``KeyError`` naming the
    key and the frame, so a typo is never silently ``''``.
    """

    __slots__ = ("_fields", "headers", "output", "raw")

    def __init__(
        self,
        headers: tuple[tuple[str, str], ...],
        raw: bytes = b"",
        output: tuple[str, ...] = (),
    ) -> None:
        self.headers = headers
        self.raw = raw
        self.output = output
        self._fields = dict(headers)

    @classmethod
    def banner(cls, text: str, raw: bytes) -> AmiMessage:
        """The greeting line, as a message of kind ``banner``."""
        return cls((("Banner", text),), raw)

    @property
    def kind(self) -> str:
        """``event``, ``response`` or ``banner`` (``Event:`` wins: ``OriginateResponse`` has both)."""
        if "Event" in self._fields:
            return "event"
        if "Response" in self._fields:
            return "response"
        return "banner" if "Banner" in self._fields else "unknown"

    @property
    def name(self) -> str:
        """The event name, the response status, or the banner text."""
        for key in ("Event", "Response", "Banner"):
            if key in self._fields:
                return self._fields[key]
        return ""

    @property
    def timestamp(self) -> float | None:
        """The ``Timestamp`` header (epoch seconds) that ``timestampevents = yes`` adds."""
        value = self._fields.get("Timestamp")
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            return None

    def get(self, key: str, default: str | None = None) -> str | None:
        """The value of ``key``, or ``default`` when the frame has no such header."""
        return self._fields.get(key, default)

    def get_all(self, key: str) -> list[str]:
        """Every value of a repeated header, in order."""
        return [value for name, value in self.headers if name == key]

    def __getitem__(self, key: str) -> str:
        try:
            return self._fields[key]
        except KeyError:
            raise KeyError(f"AMI {self.kind} {self.name!r} has no header {key!r}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._fields

    def as_dict(self) -> dict[str, str]:
        """Headers as a plain dict (last value wins)."""
        return dict(self._fields)

    def __repr__(self) -> str:
        return f"AmiMessage({self.kind}={self.name!r}, {len(self.headers)} headers)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AmiMessage) and (self.headers, self.output) == (other.headers, other.output)

    def __hash__(self) -> int:
        return hash((self.headers, self.output))


@dataclass(frozen=True, slots=True)
class FrameError:
    """A frame that was skipped, with why, and the first bytes of it for the log."""

    reason: str
    excerpt: bytes

    def __str__(self) -> str:
        return f"{self.reason}: {self.excerpt[:120]!r}"


@dataclass(slots=True)
class ParseResult:
    """What one call to :func:`parse` produced.

    ``leftover`` is the incomplete tail to prepend to the next read;
    ``discarding`` is true while the rest of an oversized frame is being dropped
    and must be passed back to the next call.
    """

    messages: list[AmiMessage] = field(default_factory=list)
    leftover: bytes = b""
    errors: list[FrameError] = field(default_factory=list)
    discarding: bool = False


def parse(
    data: bytes,
    *,
    discarding: bool = False,
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
) -> ParseResult:
    """Split ``data`` into AMI messages; return them, the leftover tail and any skipped frames.

    Memory stays bounded: an unterminated tail longer than ``max_frame_bytes``
    is dropped (reported once) and the parser then skips to the next frame end.
    """
    result = ParseResult()
    start = 0
    if discarding:
        start = _skip_to_frame_end(data, 0, result, max_frame_bytes)
        if result.discarding:
            return result
    for frame, error in _frames(data, start, result, max_frame_bytes):
        if error is not None:
            result.errors.append(error)
        elif frame:
            _decode_into(frame, result)
    return result


def _skip_to_frame_end(data: bytes, start: int, result: ParseResult, limit: int) -> int:
    end = data.find(FRAME_END, start)
    if end < 0:
        result.discarding = True
        result.leftover = data[-(len(FRAME_END) - 1) :]
        return len(data)
    return end + len(FRAME_END)


def _frames(
    data: bytes, start: int, result: ParseResult, limit: int
) -> Iterator[tuple[bytes, FrameError | None]]:
    length = len(data)
    while start < length:
        if data.startswith(LINE_END, start):
            start += len(LINE_END)  # stray blank line between frames
            continue
        if data.startswith(BANNER_PREFIX, start):
            end, terminator = data.find(LINE_END, start), LINE_END
        elif data.startswith(FOLLOWS_PREFIX, start):
            end, terminator = data.find(FOLLOWS_END, start), FOLLOWS_END
        else:
            end, terminator = data.find(FRAME_END, start), FRAME_END
        if end < 0:
            tail = data[start:]
            if len(tail) > limit:
                result.discarding = True
                result.leftover = tail[-(len(FRAME_END) - 1) :]
                yield b"", FrameError(f"frame longer than {limit} bytes dropped", tail[:120])
            else:
                result.leftover = tail
            return
        frame = data[start : end + len(terminator)]
        start = end + len(terminator)
        if len(frame) > limit:
            yield b"", FrameError(f"frame longer than {limit} bytes dropped", frame[:120])
        else:
            yield frame, None


def _decode_into(frame: bytes, result: ParseResult) -> None:
    nul = frame.find(NUL)
    if nul >= 0:
        # Valid UTF-8 but never sent by Asterisk, and refused by PostgreSQL text columns.
        result.errors.append(FrameError(f"NUL byte at byte {nul}", frame))
        return
    try:
        text = frame.decode("utf-8")
    except UnicodeDecodeError as exc:
        result.errors.append(FrameError(f"invalid UTF-8 at byte {exc.start}", frame))
        return
    if frame.startswith(BANNER_PREFIX):
        result.messages.append(AmiMessage.banner(text.rstrip("\r\n"), frame))
        return
    message = _decode_text(text, frame)
    if isinstance(message, FrameError):
        result.errors.append(message)
    else:
        result.messages.append(message)


def _decode_text(text: str, frame: bytes) -> AmiMessage | FrameError:
    headers: list[tuple[str, str]] = []
    output: list[str] = []
    follows = frame.startswith(FOLLOWS_PREFIX)
    for line in text.split("\r\n"):
        if not line or line == "--END COMMAND--":
            continue
        key, sep, value = line.partition(":")
        if sep and key and " " not in key and not output:
            headers.append((key, value[1:] if value.startswith(" ") else value))
        elif follows:
            output.append(line)
        else:
            return FrameError("line is not 'Key: Value'", line.encode()[:120])
    if not headers:
        return FrameError("frame has no headers", frame)
    return AmiMessage(tuple(headers), frame, tuple(output))


def encode_action(name: str, fields: dict[str, str], variables: dict[str, str] | None = None) -> bytes:
    """Serialise an action frame (the client uses asterisk-ami's ``Action`` for this; see client.py)."""
    lines = [f"Action: {name}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    lines += [f"Variable: {key}={value}" for key, value in (variables or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
