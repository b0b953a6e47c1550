"""Where a call's recording is on this host, confined to the recordings root."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

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
