"""Real Vosk decoding of generated speech, through the whole pipeline (split, resample, VAD, decode)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.transcription.audio_fixtures import espeak_wav, silence, stereo_call_wav
from transcription.audio import resample_all
from transcription.engine import VoskEngine
from transcription.job import CallAudio, Recogniser, TranscribeHandler
from transcription.pipeline import transcribe_audio
from transcription.result import DONE, HUMAN_REVIEW

CALLER_SAYS = "안녕하세요 수도관이 터졌어요"
AGENT_SAYS = "네 주소를 알려 주세요 감사합니다"


def korean_call(tmp_path: Path) -> tuple[Path, float, float]:
    """A MixMonitor-style 8 kHz stereo call: the agent speaks at 0.5 s, the caller after."""
    agent = espeak_wav(AGENT_SAYS, tmp_path / "agent.wav", 8000, voice="ko")
    caller = espeak_wav(CALLER_SAYS, tmp_path / "caller.wav", 8000, voice="ko")
    caller_at = 0.5 + len(agent) / 8000 + 1.0
    path = tmp_path / "call.wav"
    stereo_call_wav(
        path,
        [(caller_at, caller), (caller_at + len(caller) / 8000 + 2.0, silence(0.1, 8000))],
        [(0.5, agent)],
    )
    return path, caller_at, caller_at + len(caller) / 8000


def test_each_party_is_transcribed_on_its_own_channel_with_times_inside_its_speech(
    tmp_path: Path, korean_vosk: VoskEngine
) -> None:
    path, caller_from, caller_to = korean_call(tmp_path)
    audio = transcribe_audio(path, korean_vosk.decoder)
    speakers = {segment.speaker for segment in audio.segments}
    assert speakers == {"caller", "agent"}
    for segment in audio.segments:
        assert segment.words, "a stored segment has words"
        for word in segment.words:
            assert 0.0 <= word.start <= word.end <= audio.audio_seconds + 0.01
            if segment.speaker == "caller":
                assert caller_from - 0.35 <= word.start and word.end <= caller_to + 0.35
    assert audio.speech_seconds < 2 * audio.audio_seconds * 0.75, "silence must not be decoded"


def test_skipping_silence_loses_no_words_raw_decoding_would_find(
    tmp_path: Path, korean_vosk: VoskEngine
) -> None:
    path, caller_from, caller_to = korean_call(tmp_path)
    audio = transcribe_audio(path, korean_vosk.decoder)
    left = resample_all(
        np.frombuffer(path.read_bytes()[44:], dtype="<i2")[0::2].astype(np.int16), 8000, 16000
    )
    # What the pipeline skipped on the caller's channel: raw Vosk finds nothing in it either.
    skipped = np.concatenate(
        [left[: int((caller_from - 0.4) * 16000)], left[int((caller_to + 0.4) * 16000) :]]
    )
    assert korean_vosk.decode(skipped, 0.0) == []
    # And the speech itself was decoded. (How closely the words match raw decoding is measured in
    # bench/bench_transcription.py: Vosk's output on this synthetic Korean shifts with the silence
    # around a segment, too much for a fixed threshold here.)
    caller_words = [w for s in audio.segments if s.speaker == "caller" for w in s.words]
    assert caller_words and korean_vosk.decode(left, 0.0)


def test_silence_goes_to_human_review_not_an_empty_transcript(
    tmp_path: Path, korean_vosk: VoskEngine
) -> None:
    path = tmp_path / "silent.wav"
    stereo_call_wav(path, [(0.0, silence(8.0, 8000))], [(0.0, silence(8.0, 8000))])
    handler = TranscribeHandler(None, Recogniser(korean_vosk.info, new_decoder=korean_vosk.decoder))  # type: ignore[arg-type]
    result = handler.transcribe(CallAudio("call-1", path, "inbound", "ko"))
    assert result.status == HUMAN_REVIEW and result.segments == []
    assert result.review_reason is not None and "no recognisable speech in 8.0 s" in result.review_reason


def test_a_language_the_model_does_not_cover_goes_to_human_review_undecoded(
    tmp_path: Path, korean_vosk: VoskEngine
) -> None:
    path, _, _ = korean_call(tmp_path)
    handler = TranscribeHandler(None, Recogniser(korean_vosk.info, new_decoder=korean_vosk.decoder))  # type: ignore[arg-type]
    zulu = handler.transcribe(CallAudio("call-2", path, "inbound", "zu"))
    assert zulu.status == HUMAN_REVIEW and zulu.review_reason is not None
    assert "no speech model for language 'zu'" in zulu.review_reason and zulu.audio_seconds == 0.0
    korean = handler.transcribe(CallAudio("call-2", path, "inbound", "ko"))
    assert korean.status == DONE and korean.word_count > 0 and korean.engine == "vosk"
