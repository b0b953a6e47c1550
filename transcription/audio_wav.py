"""Reading a recording's RIFF/WAVE header: what is in the file and where its samples start.

Parsed by hand with :mod:`struct` because the stdlib :mod:`wave` module rejects mu-law and A-law,
both of which MixMonitor can write. Only the header is read; the samples are left to
:func:`transcription.audio.iter_blocks`.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

Encoding = Literal["pcm16", "mulaw", "alaw"]

#: What MixMonitor (and sox after it) can give us; named in every "unsupported encoding" message.
SUPPORTED = "MixMonitor writes PCM 16-bit, mu-law or A-law"
MIN_RATE, MAX_RATE = 8000, 48000

_PCM, _FLOAT, _ALAW, _MULAW, _EXTENSIBLE = 0x0001, 0x0003, 0x0006, 0x0007, 0xFFFE
_FORMAT_NAMES = {_PCM: "PCM", _FLOAT: "IEEE float", _ALAW: "A-law", _MULAW: "mu-law", 0x0055: "MP3"}
#: Bytes 2..16 of every KSDATAFORMAT_SUBTYPE GUID; the first two bytes carry the classic format code.
_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
_CHUNK_HEADER = struct.Struct("<4sI")
_FMT = struct.Struct("<HHIIHH")


class AudioError(Exception):
    """A recording that cannot be read as call audio; the message says what is wrong and where."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"recording {self.path}: {problem}")


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What a WAV recording holds, and where its sample bytes are."""

    path: Path
    sample_rate: int
    channels: int
    encoding: Encoding
    frames: int
    duration_seconds: float
    data_offset: int
    data_bytes: int

    @property
    def sample_width(self) -> int:
        """Bytes per sample of one channel: 2 for PCM, 1 for the G.711 laws."""
        return 2 if self.encoding == "pcm16" else 1


@dataclass(frozen=True, slots=True)
class _Format:
    code: int
    channels: int
    sample_rate: int
    block_align: int
    bits: int


def probe(path: str | os.PathLike[str]) -> AudioInfo:
    """Read the header of the WAV file at ``path``.

    A header-only file (a call that was never bridged) gives ``frames == 0``; callers decide what
    that means. Anything else that is not 8..48 kHz, 1 or 2 channel PCM 16-bit, mu-law or A-law,
    or whose data chunk is longer than the file, raises :class:`AudioError`.
    """
    with _open(path) as file:
        size = os.fstat(file.fileno()).st_size
        fmt, data_offset, data_bytes = _read_chunks(file, path, size)
    encoding = _encoding(fmt, path)
    _check_layout(fmt, encoding, path)
    frames = data_bytes // fmt.block_align  # a trailing partial frame is ignored, as sox and ffmpeg do
    return AudioInfo(
        path=Path(path),
        sample_rate=fmt.sample_rate,
        channels=fmt.channels,
        encoding=encoding,
        frames=frames,
        duration_seconds=frames / fmt.sample_rate,
        data_offset=data_offset,
        data_bytes=frames * fmt.block_align,
    )


def _open(path: str | os.PathLike[str]) -> BinaryIO:
    try:
        return open(path, "rb")  # the caller closes it with ``with``
    except FileNotFoundError:
        raise AudioError(path, "does not exist") from None
    except IsADirectoryError:
        raise AudioError(path, "is a directory, not a recording") from None
    except PermissionError:
        raise AudioError(path, "cannot be read (permission denied)") from None
    except OSError as exc:
        raise AudioError(path, f"cannot be opened ({exc.strerror or exc})") from None


def _read_chunks(file: BinaryIO, path: str | os.PathLike[str], size: int) -> tuple[_Format, int, int]:
    """The format, and the offset and size of the data chunk; chunks after ``data`` are not read."""
    _check_riff(file.read(12), path)
    fmt: _Format | None = None
    seen: list[str] = []
    while True:
        header = file.read(_CHUNK_HEADER.size)
        if len(header) < _CHUNK_HEADER.size:
            found = ", ".join(seen) or "none"
            raise AudioError(path, f"no 'data' chunk (chunks found: {found})")
        chunk_id, chunk_size = _CHUNK_HEADER.unpack(header)
        name = chunk_id.decode("latin-1")
        seen.append(name.strip())
        if chunk_id == b"data":
            return _data_chunk(fmt, file.tell(), chunk_size, size, path)
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(file.read(chunk_size), chunk_size, path)
            file.seek(chunk_size % 2, os.SEEK_CUR)
        else:
            file.seek(chunk_size + chunk_size % 2, os.SEEK_CUR)  # LIST, fact, ...: odd sizes carry a pad byte


def _check_riff(head: bytes, path: str | os.PathLike[str]) -> None:
    if not head:
        raise AudioError(path, "empty file (0 bytes), not even a WAV header")
    if head[:4] != b"RIFF":
        raise AudioError(path, f"not a WAV file (starts with {head[:4]!r})")
    if len(head) < 12:
        raise AudioError(path, f"truncated header: the file ends after {len(head)} bytes")
    if head[8:12] != b"WAVE":
        raise AudioError(path, f"not a WAV file (RIFF type {head[8:12]!r}, expected b'WAVE')")


def _data_chunk(
    fmt: _Format | None, offset: int, data_bytes: int, size: int, path: str | os.PathLike[str]
) -> tuple[_Format, int, int]:
    if fmt is None:
        raise AudioError(path, "no 'fmt ' chunk before the 'data' chunk")
    available = size - offset
    if data_bytes > available:
        # A recording still being written is not ours to guess at: say what is missing.
        raise AudioError(path, f"truncated: header says {data_bytes} data bytes, file has {available}")
    return fmt, offset, data_bytes


def _parse_fmt(body: bytes, declared: int, path: str | os.PathLike[str]) -> _Format:
    if len(body) < declared or declared < _FMT.size:
        raise AudioError(path, f"truncated 'fmt ' chunk: {len(body)} of {max(declared, _FMT.size)} bytes")
    code, channels, rate, _byte_rate, block_align, bits = _FMT.unpack_from(body)
    if code == _EXTENSIBLE:
        code = _extensible_code(body, path)
    return _Format(code, channels, rate, block_align, bits)


def _extensible_code(body: bytes, path: str | os.PathLike[str]) -> int:
    """The real format code inside a WAVE_FORMAT_EXTENSIBLE header's subformat GUID."""
    if len(body) < 40:
        raise AudioError(path, f"WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is {len(body)} bytes, expected 40")
    guid = body[24:40]
    if guid[2:] != _GUID_TAIL:
        raise AudioError(path, f"unsupported encoding: unknown WAVE_FORMAT_EXTENSIBLE subformat {guid.hex()}")
    return int.from_bytes(guid[:2], "little")


def _encoding(fmt: _Format, path: str | os.PathLike[str]) -> Encoding:
    if fmt.code == _PCM and fmt.bits == 16:
        return "pcm16"
    if fmt.code == _MULAW and fmt.bits == 8:
        return "mulaw"
    if fmt.code == _ALAW and fmt.bits == 8:
        return "alaw"
    name = _FORMAT_NAMES.get(fmt.code, "unknown")
    what = f"{name} {fmt.bits}-bit" if fmt.code in (_PCM, _ALAW, _MULAW) else f"{name} (format {fmt.code})"
    raise AudioError(path, f"unsupported encoding: {what}; {SUPPORTED}")


def _check_layout(fmt: _Format, encoding: Encoding, path: str | os.PathLike[str]) -> None:
    if fmt.channels not in (1, 2):
        raise AudioError(
            path, f"unsupported channel count {fmt.channels}; expected 1 (mixed) or 2 (caller, agent)"
        )
    if not MIN_RATE <= fmt.sample_rate <= MAX_RATE:
        raise AudioError(
            path, f"unsupported sample rate {fmt.sample_rate} Hz; expected {MIN_RATE}..{MAX_RATE} Hz"
        )
    expected = fmt.channels * (2 if encoding == "pcm16" else 1)
    if fmt.block_align != expected:
        raise AudioError(
            path,
            f"inconsistent 'fmt ' chunk: block align {fmt.block_align}, "
            f"expected {expected} for {fmt.channels} channel(s) of {encoding}",
        )
