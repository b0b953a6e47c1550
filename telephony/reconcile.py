"""After a (re)connect: compare what Asterisk says is up with what the logger believes is up.

Pure: takes the ``CoreShowChannel`` list and the tracker's view, returns
synthetic events that are stored and built like Asterisk's own, so a rebuild
from raw events reproduces the same records. Calls that ended while the
logger was away get a ``CallcentreReconciledGone`` per vanished channel (the
hang-up time is unknown: it lies between the last event seen and now); calls
already up when the logger connected get a ``CallcentreReconciledChannel``
per channel, with the start estimated from the channel's ``Duration``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from telephony.names import Ev, H
from telephony.protocol import AmiMessage

COPIED_FIELDS = (
    H.CHANNEL,
    H.CALLER_ID_NUM,
    H.CALLER_ID_NAME,
    H.CONTEXT,
    H.EXTEN,
    H.ACCOUNT_CODE,
    H.BRIDGE_ID,
)


def parse_duration(text: str | None) -> float:
    """``HH:MM:SS`` (as ``CoreShowChannel`` reports it) in seconds; 0 when absent or odd."""
    if not text:
        return 0.0
    try:
        parts = [int(part) for part in text.split(":")]
    except ValueError:
        return 0.0
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    return float(seconds)


def reconcile(
    believed_open: Mapping[str, tuple[str, str, float | None]],
    live_channels: Sequence[AmiMessage],
    pbx_now: float,
) -> list[AmiMessage]:
    """Synthetic events closing vanished channels and opening unknown live ones.

    ``believed_open`` maps each Uniqueid the logger thinks is up to
    ``(linkedid, channel, last event time of its call)``.
    """
    live = {item.get(H.UNIQUEID): item for item in live_channels if item.get(H.UNIQUEID)}
    events = [
        _gone(uniqueid, linkedid, channel, last_seen, pbx_now)
        for uniqueid, (linkedid, channel, last_seen) in sorted(believed_open.items())
        if uniqueid not in live
    ]
    events += [
        _found(item, pbx_now)
        for uniqueid, item in sorted(live.items(), key=lambda pair: str(pair[0]))
        if uniqueid not in believed_open and item.get(H.LINKEDID)
    ]
    return events


def _frame(headers: list[tuple[str, str]]) -> AmiMessage:
    raw = ("".join(f"{key}: {value}\r\n" for key, value in headers) + "\r\n").encode()
    return AmiMessage(tuple(headers), raw)


def _gone(uniqueid: str, linkedid: str, channel: str, last_seen: float | None, now: float) -> AmiMessage:
    return _frame(
        [
            (H.EVENT, Ev.RECONCILED_GONE),
            (H.TIMESTAMP, f"{now:.6f}"),
            (H.CHANNEL, channel),
            (H.UNIQUEID, uniqueid),
            (H.LINKEDID, linkedid),
            ("LastSeen", f"{last_seen if last_seen is not None else now:.6f}"),
        ]
    )


def _found(item: AmiMessage, now: float) -> AmiMessage:
    started = now - parse_duration(item.get(H.DURATION))
    headers = [(H.EVENT.value, Ev.RECONCILED_CHANNEL.value), (H.TIMESTAMP.value, f"{started:.6f}")]
    headers += [(key.value, item.get(key) or "") for key in COPIED_FIELDS]
    headers += [(H.UNIQUEID.value, item[H.UNIQUEID]), (H.LINKEDID.value, item[H.LINKEDID])]
    headers.append((H.OBSERVED_AT.value, f"{now:.6f}"))
    return _frame(headers)
