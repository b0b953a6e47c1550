"""The transcribe job end to end, on SQLite and PostgreSQL: logger -> queue -> worker -> transcript."""

from __future__ import annotations

import json
import shutil
import wave
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, func, select

from callcentre import jobs
from callcentre.bootstrap import script_recogniser
from callcentre.worker import JobRunner
from telephony.recordings import RecordingLocator
from tests.conftest import CAPTURES, capture
from tests.telephony.helpers import replay
from tests.transcription.audio_fixtures import silence, stereo_call_wav, tone
from transcription.engine import VoskEngine
from transcription.job import SCORE, TRANSCRIBE, Recogniser, TranscribeHandler
from transcription.models import Redaction, Transcript, TranscriptSegment, TranscriptWord
from transcription.store import search

PBX = "/srv/asterisk-rec"
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def sa_id(birth: str, sequence: str) -> str:
    """A valid South African ID number: YYMMDD SSSS C A and a Luhn check digit."""
    body = f"{birth}{sequence}08"
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return body + str((10 - total % 10) % 10)


def job_states(engine: Engine) -> dict[tuple[str, str], int]:
    with engine.connect() as connection:
        return jobs.counts(connection)


def logged_calls(engine: Engine, root: Path) -> None:
    """Replay three captures whose recordings are (answered x2) or are not (abandoned) worth transcribing."""
    for scenario in ("inbound_answered", "hold", "inbound_abandoned"):
        for wav in CAPTURES.glob(f"{scenario}.*.wav"):
            shutil.copy(wav, root / wav.name.removeprefix(f"{scenario}."))
        replay(engine, capture(scenario), recordings=RecordingLocator(root, PBX))


def test_every_recorded_call_is_transcribed_once_and_queued_for_scoring(
    engine: Engine, tmp_path: Path, korean_vosk: VoskEngine
) -> None:
    logged_calls(engine, tmp_path)
    assert job_states(engine) == {(TRANSCRIBE, jobs.QUEUED): 2}, "the empty (abandoned) recording has no job"
    handler = TranscribeHandler(
        engine, Recogniser(korean_vosk.info, new_decoder=korean_vosk.decoder), default_language="ko"
    )
    JobRunner(engine, [handler]).run(drain=True)
    assert job_states(engine) == {(TRANSCRIBE, jobs.DONE): 2, (SCORE, jobs.QUEUED): 2}
    with engine.connect() as connection:
        transcripts = connection.execute(
            select(Transcript.linkedid, Transcript.status, Transcript.engine)
        ).all()
        speakers = set(connection.execute(select(TranscriptSegment.speaker)).scalars())
    assert sorted(transcripts) == [("1795350910.0", "done", "vosk"), ("1795351141.15", "done", "vosk")]
    assert speakers == {"caller", "agent"}

    with engine.begin() as connection:  # re-running replaces the transcript, never duplicates it
        jobs.requeue(connection, TRANSCRIBE, "1795350910.0")
    JobRunner(engine, [handler]).run(drain=True)
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).where(Transcript.linkedid == "1795350910.0")).scalar()
    assert count == 1


def test_a_broken_recording_fails_its_job_with_the_reason_and_the_others_carry_on(
    engine: Engine, tmp_path: Path
) -> None:
    logged_calls(engine, tmp_path)
    (tmp_path / "1795350910.0.wav").write_bytes(b"ID3\x03\x00 this is an mp3, not what MixMonitor writes")
    (tmp_path / "1795351141.15.script.json").write_text("[]")
    runner = JobRunner(engine, [TranscribeHandler(engine, script_recogniser())])
    runner.run(drain=True)
    with engine.connect() as connection:
        failed = connection.execute(
            select(jobs.Job.subject, jobs.Job.last_error).where(jobs.Job.state == jobs.FAILED)
        ).one()
        review = connection.execute(select(Transcript.status, Transcript.review_reason)).one()
    assert failed.subject == "1795350910.0" and "not a WAV file" in failed.last_error
    assert review.status == "human_review" and "no recognisable speech" in review.review_reason
    assert runner.stats.done == 1 and runner.stats.failed == 1


def scripted_call(root: Path, linkedid: str, turns: list[tuple[str, float, float, str]]) -> Path:
    """A recording (a tone on each side) with the script the simulator would write beside it."""
    path = root / f"{linkedid}.wav"
    stereo_call_wav(path, [(0.0, tone(300, 12.0, 8000, 0.3))], [(0.0, tone(500, 12.0, 8000, 0.3))])
    entries = [{"speaker": s, "start": a, "end": b, "text": t} for s, a, b, t in turns]
    path.with_suffix(".script.json").write_text(json.dumps(entries))
    return path


def test_personal_numbers_are_redacted_in_text_and_audio_and_the_rest_is_searchable(
    engine: Engine, tmp_path: Path
) -> None:
    id_number = sa_id("800101", "5009")
    spoken = " ".join(DIGITS[int(d)] for d in id_number)
    path = scripted_call(
        tmp_path,
        "call-7",
        [
            ("agent", 0.5, 3.0, "good morning rivervale metro how can i help"),
            ("caller", 3.5, 9.5, f"my id number is {spoken} and there is a burst pipe"),
        ],
    )
    redacted = tmp_path / "redacted"
    handler = TranscribeHandler(engine, script_recogniser(), redacted_dir=redacted)
    from transcription.job import CallAudio  # the job's own input type, made by hand as the CLI does

    result = handler.transcribe(CallAudio("call-7", path, "inbound", "en"))
    with engine.begin() as connection:
        from transcription.store import save_transcript

        save_transcript(connection, result)
    with engine.connect() as connection:
        words = list(connection.execute(select(TranscriptWord.word)).scalars())
        span = connection.execute(select(Redaction.kind, Redaction.start, Redaction.end)).one()
        hits = search(connection, "burst pipe")
        nothing = search(connection, "eight zero zero one")
    assert "[ID NUMBER]" in words and not set(DIGITS) & set(words)
    assert span.kind == "id_number" and 4.0 < span.start < span.end <= 9.5
    assert [hit.linkedid for hit in hits] == ["call-7"] and nothing == []
    with wave.open(str(redacted / "call-7.wav")) as copy:
        frames = np.frombuffer(copy.readframes(copy.getnframes()), dtype="<i2").reshape(-1, 2)
    inside = frames[int((span.start + 0.2) * 8000) : int((span.end - 0.2) * 8000)]
    outside = frames[int(1.0 * 8000) : int(2.0 * 8000)]
    assert not inside.any() and outside.any(), "the span is silenced on both channels, the rest kept"
    assert not silence(1.0, 8000).any()
