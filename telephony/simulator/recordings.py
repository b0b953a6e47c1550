"""Writing the MixMonitor WAV of a finished call (server and offline player share this)."""

from __future__ import annotations

from collections.abc import Callable

from telephony.simulator import audio
from telephony.simulator.call import PlayedCall
from telephony.simulator.dialogue import write_script
from telephony.simulator.model import SimConfig


def recording_job(cfg: SimConfig, rec: PlayedCall) -> Callable[[], None] | None:
    """A function that writes ``<recordings_dir>/<Linkedid>.wav`` for ``rec``, or None if not recorded.

    The data are copied now so the job can run later in a worker thread.
    """
    directory = cfg.recordings_dir
    if directory is None or rec.recording is None:
        return None
    path = directory / f"{rec.linkedid}.wav"
    bridged, holds, seed = list(rec.bridged), list(rec.holds), f"{cfg.seed}:{rec.linkedid}"
    direction = rec.direction
    queue = rec.queues[-1] if rec.queues else None
    names = {a.extension: a.member_name for a in cfg.agents}
    agent = names.get(rec.agents[-1], rec.agents[-1]) if rec.agents else None

    def write() -> None:
        utterances: list[tuple[str, float, float]] = []
        pcm = audio.render_call(bridged, holds, seed, utterances=utterances)
        if utterances:  # the script first: the WAV appearing is what tells a watcher the call is ready
            path.parent.mkdir(parents=True, exist_ok=True)
            script = path.with_suffix(".script.json")
            write_script(script, utterances, direction, seed, dialogue=cfg.dialogue, queue=queue, agent=agent)
        audio.write_wav(path, pcm)

    return write
