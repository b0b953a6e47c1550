"""Where a call's recording is on this host, confined to the recordings root."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

log = logging.getLogger(__name__)

#: A WAV header and nothing else: MixMonitor started but the call was never bridged.
EMPTY_WAV_BYTES = 44


@dataclass(frozen=True, slots=True)
class RecordingLocator:
    """Maps the path Asterisk reports onto the local recordings root, refusing anything outside it."""

    root: Path
    pbx_dir: str = "/srv/asterisk-rec"

    def resolve(self, reported: str) -> Path | None:
        """The local file for ``reported``, or ``None`` if the path points outside the root."""
        pbx_dir = PurePosixPath(self.pbx_dir)
        path = PurePosixPath(reported)
        relative = path.relative_to(pbx_dir) if path.is_relative_to(pbx_dir) else None
        if relative is None:
            if path.is_absolute():
                return None
            relative = path
        root = Path(os.path.realpath(self.root))
        candidate = Path(os.path.realpath(root / relative))
        return candidate if candidate.is_relative_to(root) and candidate != root else None

    def status(self, reported: str | None) -> str:
        """``none``, ``outside_root``, ``missing``, ``empty`` (header only) or ``present``."""
        if not reported:
            return "none"
        local = self.resolve(reported)
        if local is None:
            return "outside_root"
        try:
            size = local.stat().st_size
        except OSError:
            return "missing"
        return "empty" if size <= EMPTY_WAV_BYTES else "present"


class PendingRecordings:
    """Recordings not on disk yet when their call was stored.

    MixMonitor's post-command (sox turning the ``.raw`` into a ``.wav``) runs
    after the hang-up, so a file may appear seconds after the call record is
    written. Each is looked for again until ``wait_seconds`` have passed; only
    then does ``missing`` stand.
    """

    def __init__(
        self,
        locator: RecordingLocator,
        wait_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.locator = locator
        self.wait_seconds = wait_seconds
        self.clock = clock
        self._waiting: dict[str, tuple[str, float]] = {}

    def add(self, linkedid: str, reported_path: str) -> None:
        """Look for ``reported_path`` again later."""
        self._waiting[linkedid] = (reported_path, self.clock() + self.wait_seconds)

    def __len__(self) -> int:
        return len(self._waiting)

    def arrived(self) -> list[tuple[str, str]]:
        """``(linkedid, status)`` of the recordings that have appeared; gives up on overdue ones."""
        found, now = [], self.clock()
        for linkedid, (path, deadline) in list(self._waiting.items()):
            status = self.locator.status(path)
            if status != "missing":
                found.append((linkedid, status))
                del self._waiting[linkedid]
            elif now >= deadline:
                log.warning("call %s: recording %s never appeared; it stays flagged missing", linkedid, path)
                del self._waiting[linkedid]
        return found
