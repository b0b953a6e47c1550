"""Unpacking a downloaded model zip without trusting it.

Every entry is checked before anything is written: no absolute paths, no ``..``,
no links or device files, nothing that would land outside the target, and no more
than a (generous) total size, so a crafted or corrupted archive cannot write
elsewhere on the host or fill its disk. The zip format has no hard links; any
entry that is not a plain file or folder is refused.
"""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path, PurePosixPath

from transcription.model_store import ModelError

#: Unpacked bytes allowed per archive byte. Vosk models compress about 1.1-3x; zip bombs 1000x.
EXPANSION_LIMIT = 20
MIN_UNPACKED_LIMIT = 1 << 30
MAX_ENTRIES = 100_000
_CHUNK = 1 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")


class UnsafeArchive(ModelError):
    """The archive is not a zip, or one of its entries could write outside its folder."""


def default_unpacked_limit(archive_size: int) -> int:
    """The total unpacked size allowed for an archive of ``archive_size`` bytes."""
    return max(EXPANSION_LIMIT * archive_size, MIN_UNPACKED_LIMIT)


def check_entries(entries: list[zipfile.ZipInfo], target: Path, max_bytes: int) -> None:
    """Refuse the archive if any entry is unsafe or the total is too large (pure: reads no data)."""
    if len(entries) > MAX_ENTRIES:
        raise UnsafeArchive(f"archive has {len(entries)} entries (more than {MAX_ENTRIES}); refusing it")
    total = 0
    for info in entries:
        _check_entry(info, target)
        total += info.file_size
        if total > max_bytes:
            raise UnsafeArchive(f"archive unpacks to more than {max_bytes} bytes; refusing it (a zip bomb?)")


def _check_entry(info: zipfile.ZipInfo, target: Path) -> None:
    name = info.filename
    where = f"archive entry {name!r}"
    if "\\" in name or "\0" in name:
        raise UnsafeArchive(f"{where}: backslash or NUL in the name")
    pure = PurePosixPath(name)
    if pure.is_absolute() or _DRIVE.match(name):
        raise UnsafeArchive(f"{where}: absolute path")
    if ".." in pure.parts:
        raise UnsafeArchive(f"{where}: '..' in the path")
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        raise UnsafeArchive(f"{where}: symbolic link")
    if kind not in {0, stat.S_IFREG, stat.S_IFDIR}:
        raise UnsafeArchive(f"{where}: not a plain file or folder")
    if not (target / name).resolve().is_relative_to(target.resolve()):
        raise UnsafeArchive(f"{where}: would be written outside {target}")


def unpack_zip(archive: Path, target: Path, max_bytes: int | None = None) -> None:
    """Unpack ``archive`` into the empty folder ``target`` after checking every entry.

    ``max_bytes`` defaults to :func:`default_unpacked_limit` of the archive's size.
    """
    limit = default_unpacked_limit(archive.stat().st_size) if max_bytes is None else max_bytes
    try:
        with zipfile.ZipFile(archive) as bundle:
            entries = bundle.infolist()
            check_entries(entries, target, limit)
            written = 0
            for info in entries:
                written += _extract(bundle, info, target, limit - written)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise UnsafeArchive(f"{archive} is not a valid zip archive: {exc}") from None


def _extract(bundle: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, allowance: int) -> int:
    destination = target / info.filename
    if info.is_dir():
        destination.mkdir(parents=True, exist_ok=True)
        return 0
    destination.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    # Count real bytes too: a declared size is only what the archive claims.
    with bundle.open(info) as source, destination.open("wb") as sink:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > allowance:
                raise UnsafeArchive(
                    f"archive entry {info.filename!r} unpacks beyond the size limit; refusing it"
                )
            sink.write(chunk)
    return written
