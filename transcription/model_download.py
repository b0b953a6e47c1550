"""Downloading Vosk models from the official model list (or a mirror of it), resumably and verified.

The list (``model-list.json``) is a JSON array of objects such as::

    {"lang": "en-us", "lang_text": "US English", "md5": "...", "name": "vosk-model-small-en-us-0.15",
     "obsolete": "false", "size": 41205931, "size_text": "39.3MiB", "type": "small",
     "url": "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip", "version": "0.15"}

Only ``name`` and ``url`` are required here; ``size`` and ``md5`` are checked when
present; ``obsolete`` is the *string* ``"true"``/``"false"`` upstream (a JSON
boolean is accepted too). Entries without a name or url are skipped with a warning
rather than failing the whole list.
"""

from __future__ import annotations

import difflib
import fcntl
import hashlib
import json
import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from typing import Any

from transcription.model_http import (
    DownloadError,
    Progress,
    download_resuming,
    file_size,
    open_url,
    transport_error,
)
from transcription.model_store import LIST_COMMAND, ModelError, is_path_setting, model_root
from transcription.model_unpack import UnsafeArchive, unpack_zip

__all__ = [
    "MODEL_LIST_URL",
    "CorruptDownload",
    "DownloadError",
    "ModelEntry",
    "Progress",
    "UnknownModel",
    "download_model",
    "fetch_model_list",
    "find_entry",
    "parse_model_list",
]

logger = logging.getLogger(__name__)

MODEL_LIST_URL = "https://alphacephei.com/vosk/models/model-list.json"
_MAX_LIST_BYTES = 16 << 20


class CorruptDownload(DownloadError):
    """The downloaded file is not the one the model list describes (size or MD5); it was deleted."""

    def __init__(self, url: str, problem: str) -> None:
        self.url = url
        self.status = None
        ModelError.__init__(
            self,
            f"Download of {url} is corrupt: {problem}. The partial file was deleted; run the command again. "
            "If it keeps failing, the model list or a proxy is serving a different file.",
        )


class UnknownModel(ModelError):
    """The model list has no model of that name; the message suggests close names."""

    def __init__(self, name: str, list_url: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(
            f"No model named {name!r} in the model list at {list_url}.{hint} See: {LIST_COMMAND}"
        )


@dataclass(frozen=True)
class ModelEntry:
    """One model of the model list."""

    name: str
    url: str
    md5: str | None = None
    size: int | None = None
    #: Vosk's language tag (``en-us``, ``cn``, ``ko``), not always ISO 639-1.
    lang: str = ""
    #: ``small``, ``big``, ``big-lgraph``, ...
    type: str = ""
    obsolete: bool = False
    lang_text: str = ""
    size_text: str = ""
    version: str = ""


def parse_model_list(document: Any, source: str) -> list[ModelEntry]:
    """The entries of a decoded model list (pure). Raises :class:`DownloadError` if it is not a list."""
    if not isinstance(document, list):
        raise DownloadError(
            source, "the answer is not a JSON list of models", "that the URL is Vosk's model-list.json"
        )
    entries: list[ModelEntry] = []
    for item in document:
        entry = _entry(item)
        if entry is None:
            logger.warning("%s: skipping a model-list entry without a name and url: %.200r", source, item)
        else:
            entries.append(entry)
    return entries


def _entry(item: Any) -> ModelEntry | None:
    if not isinstance(item, dict) or not _text(item.get("name")) or not _text(item.get("url")):
        return None
    size = item.get("size")
    if isinstance(size, str) and size.strip().isdigit():
        size = int(size)
    return ModelEntry(
        name=item["name"].strip(),
        url=item["url"].strip(),
        md5=_text(item.get("md5")).lower() or None,
        size=size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
        lang=_text(item.get("lang")),
        type=_text(item.get("type")),
        obsolete=item.get("obsolete") is True or _text(item.get("obsolete")).lower() in {"true", "yes", "1"},
        lang_text=_text(item.get("lang_text")),
        size_text=_text(item.get("size_text")),
        version=_text(item.get("version")),
    )


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def fetch_model_list(url: str = MODEL_LIST_URL, timeout: float = 30.0) -> list[ModelEntry]:
    """Download and parse the model list."""
    with open_url(url, timeout) as response:
        try:
            body = response.read(_MAX_LIST_BYTES + 1)
        except (OSError, HTTPException) as exc:
            raise transport_error(url, exc, timeout) from None
    if len(body) > _MAX_LIST_BYTES:
        raise DownloadError(
            url, "the model list is implausibly large", "that the URL is Vosk's model-list.json"
        )
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DownloadError(url, "the answer is not JSON", "that the URL is Vosk's model-list.json") from None
    return parse_model_list(document, url)


def find_entry(entries: list[ModelEntry], name: str, list_url: str) -> ModelEntry:
    """The entry called ``name``; :class:`UnknownModel` with close names otherwise."""
    for entry in entries:
        if entry.name == name:
            return entry
    names = [entry.name for entry in entries]
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.6)
    close += [other for other in names if name and name in other and other not in close]
    raise UnknownModel(name, list_url, close[:5])


def download_model(
    name: str,
    *,
    models_dir: Path,
    list_url: str = MODEL_LIST_URL,
    progress: Progress | None = None,
    timeout: float = 30.0,
    attempts: int = 3,
    max_unpacked_bytes: int | None = None,
) -> Path:
    """Install the model ``name`` into ``models_dir/<name>`` and return its folder.

    An installed model is returned as is. The zip goes to ``<name>.zip.part``, which a
    later run resumes (HTTP Range); a transfer that breaks after making progress is
    resumed up to ``attempts`` times. Size and MD5 are checked against the list, the
    zip is checked entry by entry and unpacked beside the target, then renamed into place.
    """
    if is_path_setting(name) or name.strip(". ") == "":
        raise ModelError(f"{name!r} is a path, not a model name; see: {LIST_COMMAND}")
    installed = model_root(models_dir / name)
    if installed is not None:
        return installed
    _clear_target(models_dir / name)  # before a long download, not after
    entry = find_entry(fetch_model_list(list_url, timeout), name, list_url)
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        with _exclusive(models_dir / f".{name}.lock"):
            installed = model_root(models_dir / name)  # another process may have finished meanwhile
            if installed is not None:
                return installed
            part = models_dir / f"{name}.zip.part"
            download_resuming(entry.url, part, entry.size, progress, timeout, attempts)
            _verify(part, entry)
            target = _install(part, models_dir, name, max_unpacked_bytes)
            part.unlink(missing_ok=True)
            return target
    except OSError as exc:
        raise ModelError(
            f"Could not write the model into {models_dir}: {exc.strerror or exc}. "
            "Check free disk space and permissions, or set transcription.models_dir."
        ) from None


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """One download per model at a time, so two processes never append to the same part file."""
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _verify(part: Path, entry: ModelEntry) -> None:
    size = file_size(part)
    if entry.size is not None and size != entry.size:
        part.unlink()
        raise CorruptDownload(entry.url, f"received {size} bytes, the model list says {entry.size}")
    if entry.md5:
        digest = hashlib.md5(usedforsecurity=False)
        with part.open("rb") as source:
            while block := source.read(1 << 20):
                digest.update(block)
        if digest.hexdigest() != entry.md5:
            part.unlink()
            raise CorruptDownload(
                entry.url, f"MD5 {digest.hexdigest()} differs from the model list's {entry.md5}"
            )


def _install(part: Path, models_dir: Path, name: str, max_unpacked_bytes: int | None) -> Path:
    scratch = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".unpacking", dir=models_dir))
    try:
        try:
            unpack_zip(part, scratch, max_unpacked_bytes)
            root = model_root(scratch)
            if root is None:
                raise UnsafeArchive(f"{part.name} holds no Vosk model (no am/final.mdl or conf/model.conf)")
        except UnsafeArchive:
            part.unlink(missing_ok=True)  # it would fail the same way again
            raise
        target = models_dir / name
        _clear_target(target)
        root.rename(target)  # same filesystem as the scratch folder: atomic
        return target
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _clear_target(target: Path) -> None:
    """Make room for the model at ``target``: an empty folder goes; anything else is the user's."""
    if target.is_dir() and not any(target.iterdir()):
        target.rmdir()
    if target.exists():
        raise ModelError(f"{target} exists but is not a Vosk model; move it away and run the command again")
