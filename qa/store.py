"""Read calls to score from the database, and write scores, verdicts and scorecard versions."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from qa.models import CriterionVerdict, Score, ScorecardVersion
from qa.scorecard import Scorecard
from qa.transcript import CallInput, Span, Turn, normalise_text, speaker_role
from qa.verdict import ScoreResult
from telephony.models import Call, Hold
from transcription.models import Transcript, TranscriptSegment
from transcription.redaction import RedactionRules, Word, redact_words
from transcription.result import DONE, Segment, SpanRecord, TranscriptResult
from transcription.store import save_transcript


def _now() -> datetime:
    return datetime.now(UTC)


def scorecard_version(connection: Connection, scorecard: Scorecard) -> int:
    """The id of this exact scorecard text, stored as a new version if the text changed."""
    digest = hashlib.sha256(scorecard.source.encode("utf-8")).hexdigest()
    table = ScorecardVersion
    found = connection.execute(
        select(table.id).where(table.name == scorecard.name, table.digest == digest)
    ).scalar()
    if found is not None:
        return int(found)
    latest = connection.execute(select(func.max(table.version)).where(table.name == scorecard.name)).scalar()
    values = {
        "name": scorecard.name,
        "version": (latest or 0) + 1,
        "digest": digest,
        "title": scorecard.title,
        "source": scorecard.source,
        "created_at": _now(),
    }
    return int(connection.execute(insert(table).values(**values).returning(table.id)).scalar_one())


def save_score(
    connection: Connection, result: ScoreResult, scorecard: Scorecard | None, agent: str | None
) -> int:
    """Store ``result`` as the call's current score (the previous one is kept, not current)."""
    connection.execute(
        update(Score).where(Score.linkedid == result.call_id, Score.current.is_(True)).values(current=False)
    )
    reason, sentiment = result.reason_prediction, result.sentiment
    row = {
        "linkedid": result.call_id,
        "scorecard_id": scorecard_version(connection, scorecard) if scorecard is not None else None,
        "status": result.status,
        "reason": result.reason or None,
        "score": result.score,
        "auto_failed": result.auto_failed,
        "passed": result.passed,
        "agent": agent,
        "call_type": result.call_type,
        "call_type_source": result.call_type_source,
        "call_reason": reason.label if reason else None,
        "call_reason_confidence": reason.confidence if reason else None,
        "call_reason_model": reason.model if reason else None,
        "sentiment": sentiment.label if sentiment else None,
        "sentiment_confidence": sentiment.confidence if sentiment else None,
        "sentiment_model": sentiment.model if sentiment else None,
        "current": True,
        "scored_at": _now(),
    }
    score_id = int(connection.execute(insert(Score).values(**row).returning(Score.id)).scalar_one())
    if result.verdicts and scorecard is not None:
        connection.execute(insert(CriterionVerdict), _verdict_rows(score_id, result, scorecard))
    return score_id


def _verdict_rows(score_id: int, result: ScoreResult, scorecard: Scorecard) -> list[dict[str, Any]]:
    rows = []
    for verdict in result.verdicts:
        criterion = scorecard.criterion(verdict.criterion_id)
        rows.append(
            {
                "score_id": score_id,
                "criterion_id": criterion.id,
                "section": criterion.section,
                "title": criterion.title,
                "principle": criterion.principle,
                "weight": criterion.weight,
                "auto_fail": criterion.auto_fail,
                "verdict": verdict.verdict,
                "reason": verdict.reason,
                "evidence": list(verdict.evidence),
            }
        )
    return rows


def load_call_inputs(connection: Connection, linkedids: Sequence[str]) -> dict[str, CallInput]:
    """The transcripts of these calls with their call records, in four queries.

    Calls without a transcript are left out.
    """
    transcripts = connection.execute(
        select(Transcript.__table__).where(Transcript.linkedid.in_(linkedids))
    ).all()
    if not transcripts:
        return {}
    segments = _segments(connection, [row.id for row in transcripts])
    calls = {
        row.linkedid: row
        for row in connection.execute(select(Call.__table__).where(Call.linkedid.in_(linkedids)))
    }
    holds = _holds(connection, [row.id for row in calls.values()])
    inputs = {}
    for transcript in transcripts:
        call = calls.get(transcript.linkedid)
        turns = segments.get(transcript.id, [])
        if call is not None:
            inputs[transcript.linkedid] = _from_record(transcript, call, turns, holds.get(call.id, []))
        else:
            inputs[transcript.linkedid] = _from_facts(transcript, turns)
    return inputs


def load_call_input(connection: Connection, linkedid: str) -> CallInput | None:
    """One call's :class:`CallInput`, or ``None`` when it has no transcript yet."""
    return load_call_inputs(connection, [linkedid]).get(linkedid)


def _segments(connection: Connection, transcript_ids: list[int]) -> dict[int, list[Turn]]:
    table = TranscriptSegment.__table__
    query = (
        select(table.c.transcript_id, table.c.speaker, table.c.text, table.c.start, table.c.end)
        .where(table.c.transcript_id.in_(transcript_ids))
        .order_by(table.c.transcript_id, table.c.start)
    )
    turns: dict[int, list[Turn]] = defaultdict(list)
    for row in connection.execute(query):
        speaker = speaker_role(row.speaker) or row.speaker
        turns[row.transcript_id].append(Turn(speaker, normalise_text(row.text), row.start, row.end))
    return turns


def _holds(connection: Connection, call_ids: list[int]) -> dict[int, list[tuple[datetime, datetime | None]]]:
    found: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    if call_ids:
        table = Hold.__table__
        query = select(table.c.call_id, table.c.start_time, table.c.end_time).where(
            table.c.call_id.in_(call_ids)
        )
        for row in connection.execute(query):
            found[row.call_id].append((row.start_time, row.end_time))
    return found


def _from_record(
    transcript: Any, call: Any, turns: list[Turn], holds: Iterable[tuple[datetime, datetime | None]]
) -> CallInput:
    """A call of ours: facts from its record; hold times from the answer (where the recording starts)."""
    origin = call.answer_time or call.start_time
    variables = call.variables or {}
    spans = [
        Span(max(0.0, (start - origin).total_seconds()), max(0.0, ((end or start) - origin).total_seconds()))
        for start, end in holds
    ]
    return CallInput(
        call_id=call.linkedid,
        direction=call.direction,
        turns=turns,
        queue=call.queue,
        ivr_path=call.ivr_path,
        reference=call.reference or variables.get("CC_REFERENCE"),
        language=transcript.language,
        agent=call.agent,
        holds=spans,
        handle_seconds=(call.talk_seconds or 0.0) + (call.hold_seconds or 0.0) or None,
        transcript_status=transcript.status,
        review_reason=transcript.review_reason,
    )


def _from_facts(transcript: Any, turns: list[Turn]) -> CallInput:
    """An imported transcript: the facts its file gave."""
    facts = transcript.call_facts or {}
    return CallInput(
        call_id=transcript.linkedid,
        direction=facts.get("direction", "inbound"),
        turns=turns,
        call_type=facts.get("call_type"),
        queue=facts.get("queue"),
        reference=facts.get("reference"),
        language=transcript.language,
        agent=facts.get("agent"),
        holds=[Span(float(h["start"]), float(h["end"])) for h in facts.get("holds", [])],
        holds_known=bool(facts.get("holds_known", True)),
        transcript_status=transcript.status,
        review_reason=transcript.review_reason,
        timed=bool(facts.get("timed", True)),
    )


def import_transcript(
    connection: Connection, call: CallInput, source: str, rules: RedactionRules | None = None
) -> int:
    """Store a transcript made by another system (engine ``import``), redacted like our own.

    An earlier import of the same call is replaced.
    """
    result = TranscriptResult(call.call_id, DONE, "import", None, call.language, audio_seconds=call.duration)
    for turn in call.turns:
        words, spans = redact_words(_spread_words(turn), rules or RedactionRules())
        result.segments.append(Segment(turn.speaker, turn.start, turn.end, words))
        result.redactions += [SpanRecord(span.kind, turn.speaker, span.start, span.end) for span in spans]
    result.speech_seconds = sum(turn.end - turn.start for turn in call.turns)
    transcript_id = save_transcript(connection, result)
    facts = {
        "direction": call.direction,
        "call_type": call.call_type,
        "queue": call.queue,
        "reference": call.reference,
        "agent": call.agent,
        "holds": [{"start": h.start, "end": h.end} for h in call.holds],
        "timed": call.timed,
        "holds_known": call.holds_known,
        "source": source,
    }
    connection.execute(update(Transcript).where(Transcript.id == transcript_id).values(call_facts=facts))
    return transcript_id


def _spread_words(turn: Turn) -> list[Word]:
    """The turn's words with times spread evenly over it (a file gives times per turn, not per word)."""
    words = turn.text.split()
    step = (turn.end - turn.start) / max(1, len(words))
    return [Word(word, turn.start + i * step, turn.start + (i + 1) * step) for i, word in enumerate(words)]
