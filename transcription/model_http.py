"""HTTP for model downloads: one resumable transfer into a part file, and errors a user can act on.

Only the standard library (``urllib.request``), so proxies from ``HTTPS_PROXY`` work as
everywhere else. The part file is the state: a later call continues where it stopped.
"""

from __future__ import annotations

import logging
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from http.client import HTTPException, HTTPResponse
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from transcription.model_store import ModelError

logger = logging.getLogger(__name__)

USER_AGENT = "callcentre-model-store/0.1 (Vosk model downloader; Python urllib)"
_CHUNK = 64 * 1024
_SCHEMES = {"http", "https", "file"}
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-")
_NETWORK = "the network connection, proxy settings (HTTPS_PROXY) and that the host is reachable"

#: ``progress(bytes_done, bytes_total)``; ``bytes_total`` is 0 when the size is unknown.
Progress = Callable[[int, int], None]


class DownloadError(ModelError):
    """Fetching a URL failed; the message names the URL and what to check."""

    def __init__(self, url: str, problem: str, check: str, status: int | None = None) -> None:
        self.url = url
        #: The HTTP status, when the server answered with an error.
        self.status = status
        super().__init__(f"Could not download {url}: {problem}. Check {check}.")


def download_resuming(
    url: str, part: Path, expected: int | None, progress: Progress | None, timeout: float, attempts: int
) -> None:
    """Fetch ``url`` into ``part``, continuing an existing part with a Range request.

    A transfer that breaks off after making progress is resumed, up to ``attempts`` tries in all.
    """
    for attempt in range(1, max(attempts, 1) + 1):
        before = file_size(part)
        try:
            _download_once(url, part, expected, progress, timeout)
            return
        except DownloadError:
            # Retry only a transfer that moved forward; a refused or missing URL fails at once.
            if attempt >= attempts or file_size(part) <= before:
                raise
            logger.warning("download of %s broke off at %d bytes; resuming", url, file_size(part))


def _download_once(
    url: str, part: Path, expected: int | None, progress: Progress | None, timeout: float
) -> None:
    offset = file_size(part)
    if expected is not None and offset >= expected:
        if offset == expected:  # complete from an earlier run that stopped before unpacking
            _report(progress, offset, expected)
            return
        part.unlink()
        offset = 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    try:
        response = open_url(url, timeout, headers)
    except DownloadError as exc:
        if offset and exc.status == 416:  # our part does not fit the file: start over
            part.unlink()
            return _download_once(url, part, expected, progress, timeout)
        raise
    with response:
        offset = _resume_offset(response, offset, url, part)
        length = response.headers.get("Content-Length", "")
        body = int(length) if length.isdigit() else None
        total = expected or (offset + body if body is not None else 0)
        with part.open("ab" if offset else "wb") as sink:
            received = _copy(response, sink, offset, total, progress, url, timeout)
    # http.client returns a short body at EOF without complaint; the length says whether it is whole.
    if body is not None and received < body:
        raise DownloadError(url, f"the connection broke off after {offset + received} bytes", _NETWORK)


def _resume_offset(response: HTTPResponse, offset: int, url: str, part: Path) -> int:
    """Where the body starts: ``offset`` if the server honoured our Range, else 0 (it sent everything)."""
    if not offset:
        return 0
    if response.status != 206:
        logger.info("%s ignored the byte range; downloading it from the start", url)
        return 0
    match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
    if match is None or int(match.group(1)) != offset:
        part.unlink()
        raise DownloadError(
            url,
            "the server answered with another byte range than asked",
            "proxies; running again starts over",
        )
    return offset


def _copy(
    response: HTTPResponse,
    sink: BinaryIO,
    done: int,
    total: int,
    progress: Progress | None,
    url: str,
    timeout: float,
) -> int:
    """Copy the body to ``sink``, reporting progress from ``done``; return the body bytes received."""
    start = done
    _report(progress, done, total)
    while True:
        try:
            chunk = response.read(_CHUNK)
        except (OSError, HTTPException) as exc:
            raise transport_error(url, exc, timeout) from None
        if not chunk:
            return done - start
        sink.write(chunk)
        done += len(chunk)
        _report(progress, done, total)


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def open_url(url: str, timeout: float, headers: dict[str, str] | None = None) -> HTTPResponse:
    """GET ``url`` with our User-Agent; any failure becomes a :class:`DownloadError`."""
    if urlsplit(url).scheme not in _SCHEMES:
        raise DownloadError(url, "not an http, https or file URL", "transcription.model_list_url")
    request = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **(headers or {})}
    )
    try:
        response: HTTPResponse = urllib.request.urlopen(request, timeout=timeout)
    except (OSError, HTTPException) as exc:  # URLError and HTTPError are OSErrors
        raise transport_error(url, exc, timeout) from None
    return response


def transport_error(url: str, exc: BaseException, timeout: float) -> DownloadError:
    """The :class:`DownloadError` for a urllib, socket or http.client failure on ``url``."""
    if isinstance(exc, urllib.error.HTTPError):
        if exc.code in {404, 410}:
            check = "the model name and transcription.model_list_url (the server has no such file)"
        elif exc.code in {401, 403, 407}:
            check = "proxy and firewall rules (access was refused)"
        else:
            check = "again later (the server had a problem)" if exc.code >= 500 else _NETWORK
        return DownloadError(url, f"HTTP {exc.code} {exc.reason}", check, exc.code)
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return DownloadError(url, f"no answer within {timeout:g} seconds", _NETWORK)
    if isinstance(reason, ConnectionRefusedError):
        return DownloadError(url, "connection refused", _NETWORK)
    if isinstance(reason, HTTPException):
        return DownloadError(url, f"the connection broke off ({type(reason).__name__})", _NETWORK)
    return DownloadError(url, str(reason) or type(reason).__name__, _NETWORK)


def file_size(path: Path) -> int:
    """Bytes in ``path``; 0 if it does not exist."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
