"""Which kind of call this is (fault, account, general, revenue), and how we know.

From the call record first: an outbound call is a revenue-collection call; the
queue and the IVR path name the rest (settings map queue names to types).
Only where the record does not say does the call-reason classifier decide,
and the score records that it did (``call_type_source = classifier``).
"""

from __future__ import annotations

from collections.abc import Mapping

from qa.transcript import CallInput

#: The call type each call reason belongs to (inbound calls).
REASON_TYPES = {
    "water": "fault",
    "electricity": "fault",
    "sewage": "fault",
    "refuse": "fault",
    "roads_stormwater": "fault",
    "illegal_dumping": "fault",
    "billing": "account",
    "payment_arrangement": "account",
    "other": "general",
}
RECORD, CLASSIFIER, DEFAULT = "record", "classifier", "default"


def parse_queue_types(text: str) -> dict[str, str]:
    """``"faults:fault, accounts:account"`` -> ``{"faults": "fault", "accounts": "account"}``."""
    pairs = {}
    for item in text.split(","):
        if item.strip():
            queue, _, call_type = item.partition(":")
            if not call_type.strip():
                raise ValueError(f"qa.queue_call_types: {item.strip()!r} is not queue:type")
            pairs[queue.strip()] = call_type.strip()
    return pairs


def call_type_from_record(call: CallInput, queue_types: Mapping[str, str]) -> str | None:
    """The call type the record gives, or ``None`` when it does not say."""
    if call.direction == "outbound":
        return "revenue"
    if call.call_type:
        return call.call_type
    if call.queue and call.queue in queue_types:
        return queue_types[call.queue]
    for step in reversed((call.ivr_path or "").replace(">", "/").split("/")):
        if step in queue_types:
            return queue_types[step]
    return None
