"""Model downloads against a real local HTTP server: resume, integrity, unsafe archives, errors, the CLI."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import re
import socket
import stat
import threading
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from callcentre import cli_models  # noqa: F401  (registers ``callcentre models``)
from callcentre.cli import cli
from transcription.model_download import (
    CorruptDownload,
    DownloadError,
    UnknownModel,
    download_model,
    fetch_model_list,
    parse_model_list,
)
from transcription.model_store import ModelError, looks_like_model, resolve_model
from transcription.model_unpack import UnsafeArchive, unpack_zip

NAME = "vosk-model-small-xx-0.1"
OTHER = "vosk-model-small-yy-0.2"


# --- the peer: a small HTTP server with the misbehaviours real mirrors and proxies have ---


@dataclass
class Peer:
    """What the server serves and how it misbehaves; it records every request it gets."""

    files: dict[str, bytes] = field(default_factory=dict)
    #: Close the connection after this many body bytes, once (the next request is served in full).
    drop_once_after: int | None = None
    ignore_range: bool = False
    requests: list[dict[str, str]] = field(default_factory=list)
    base: str = ""

    def url(self, path: str) -> str:
        return self.base + path

    def ranges(self, path: str) -> list[str | None]:
        """The Range header of each request for ``path``, in order (``None``: no Range)."""
        return [request.get("Range") for request in self.requests if request["path"] == path]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    peer: Peer


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        peer = self.server.peer
        peer.requests.append({"path": self.path, **dict(self.headers.items())})
        body = peer.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        start = self._range_start(peer, len(body))
        if start is None:
            return
        payload = body[start:]
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if peer.drop_once_after is not None and self.path.endswith(".zip"):
            cut, peer.drop_once_after = peer.drop_once_after, None
            self.wfile.write(payload[:cut])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(payload)

    def _range_start(self, peer: Peer, size: int) -> int | None:
        match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
        if match is None or peer.ignore_range:
            self.send_response(200)
            return 0
        start = int(match.group(1))
        if start >= size:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        return start

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def peer() -> Iterator[Peer]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.peer = Peer(base=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server.peer
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def free_port() -> int:
    """A port nothing listens on (so connecting is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# --- archives ---


def model_files(name: str) -> dict[str, bytes]:
    """A tiny stand-in for a Vosk model's layout (random bytes, so the zip stays ~300 kB)."""
    noise = random.Random(name)
    return {
        f"{name}/am/final.mdl": noise.randbytes(200_000),
        f"{name}/conf/model.conf": b"--min-active=200\n--max-active=3000\n--beam=10.0\n",
        f"{name}/graph/HCLr.fst": noise.randbytes(100_000),
        f"{name}/graph/phones/word_boundary.int": b"1 nonword\n2 begin\n",
        f"{name}/README": b"A test model\n",
    }


def make_zip(files: dict[str, bytes], extra: Sequence[tuple[zipfile.ZipInfo, bytes]] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        folders = sorted({str(Path(path).parent) + "/" for path in files})
        for folder in folders:
            bundle.writestr(folder, b"")
        for path, data in files.items():
            bundle.writestr(path, data)
        for info, data in extra:
            bundle.writestr(info, data)
    return buffer.getvalue()


def entry(peer: Peer, name: str, payload: bytes, **changes: Any) -> dict[str, Any]:
    """A model-list entry as the official list writes it (strings for obsolete, int size)."""
    document: dict[str, Any] = {
        "lang": name.split("-")[3],
        "lang_text": "Test",
        "md5": hashlib.md5(payload).hexdigest(),
        "name": name,
        "obsolete": "false",
        "size": len(payload),
        "size_text": f"{len(payload) / 1024:.1f}KiB",
        "type": "small",
        "url": peer.url(f"/{name}.zip"),
        "version": name.rsplit("-", 1)[1],
    }
    document.update(changes)
    return document


def publish(peer: Peer, payload: bytes, **changes: Any) -> str:
    """Serve ``payload`` as model NAME (plus a second model) and the list; return the list URL."""
    other = make_zip(model_files(OTHER))
    peer.files[f"/{NAME}.zip"] = payload
    peer.files[f"/{OTHER}.zip"] = other
    listing = [entry(peer, NAME, payload, **changes), entry(peer, OTHER, other, obsolete="true")]
    peer.files["/model-list.json"] = json.dumps(listing).encode()
    return peer.url("/model-list.json")


@pytest.fixture
def payload() -> bytes:
    return make_zip(model_files(NAME))


def leftovers(models_dir: Path) -> list[str]:
    """Files a finished or failed download must not leave behind (scratch folders, part files)."""
    return sorted(path.name for path in models_dir.iterdir() if path.name.endswith((".part", ".unpacking")))


# --- downloads ---


def test_download_fetches_verifies_and_unpacks_with_progress(
    tmp_path: Path, peer: Peer, payload: bytes
) -> None:
    calls: list[tuple[int, int]] = []
    models_dir = tmp_path / "models"
    path = download_model(
        NAME,
        models_dir=models_dir,
        list_url=publish(peer, payload),
        progress=lambda done, total: calls.append((done, total)),
    )
    assert path == models_dir / NAME
    assert looks_like_model(path)
    assert (path / "am" / "final.mdl").read_bytes() == model_files(NAME)[f"{NAME}/am/final.mdl"]
    assert resolve_model(NAME, models_dir) == path
    assert leftovers(models_dir) == []
    assert calls[0] == (0, len(payload)) and calls[-1] == (len(payload), len(payload))
    assert len(calls) > 3 and [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert all(request["User-Agent"].startswith("callcentre") for request in peer.requests)


def test_an_installed_model_is_returned_without_asking_the_network(tmp_path: Path, payload: bytes) -> None:
    models_dir = tmp_path / "models"
    with zipfile.ZipFile(io.BytesIO(payload)) as bundle:
        bundle.extractall(models_dir)
    refused = f"http://127.0.0.1:{free_port()}/model-list.json"
    assert download_model(NAME, models_dir=models_dir, list_url=refused) == models_dir / NAME


def test_a_connection_dropped_half_way_is_resumed_with_a_range_request(
    tmp_path: Path, peer: Peer, payload: bytes
) -> None:
    half = len(payload) // 2
    peer.drop_once_after = half
    path = download_model(NAME, models_dir=tmp_path / "models", list_url=publish(peer, payload))
    assert peer.ranges(f"/{NAME}.zip") == [None, f"bytes={half}-"]
    assert (path / "graph" / "HCLr.fst").read_bytes() == model_files(NAME)[f"{NAME}/graph/HCLr.fst"]


def test_a_part_file_left_by_an_interrupted_run_is_resumed_by_the_next(
    tmp_path: Path, peer: Peer, payload: bytes
) -> None:
    models_dir, half = tmp_path / "models", len(payload) // 3
    list_url = publish(peer, payload)
    peer.drop_once_after = half
    with pytest.raises(DownloadError, match=re.escape(peer.url(f"/{NAME}.zip"))):
        download_model(NAME, models_dir=models_dir, list_url=list_url, attempts=1)
    assert (models_dir / f"{NAME}.zip.part").stat().st_size == half
    calls: list[tuple[int, int]] = []
    download_model(NAME, models_dir=models_dir, list_url=list_url, progress=lambda *a: calls.append(a))
    assert peer.ranges(f"/{NAME}.zip") == [None, f"bytes={half}-"]
    assert calls[0] == (half, len(payload))
    assert looks_like_model(models_dir / NAME) and leftovers(models_dir) == []


def test_a_server_that_ignores_range_is_read_from_the_start(
    tmp_path: Path, peer: Peer, payload: bytes
) -> None:
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    # Garbage that would corrupt the file if the 200 answer were appended to it.
    (models_dir / f"{NAME}.zip.part").write_bytes(b"\xff" * 1000)
    peer.ignore_range = True
    path = download_model(NAME, models_dir=models_dir, list_url=publish(peer, payload))
    assert peer.ranges(f"/{NAME}.zip") == ["bytes=1000-"]
    assert looks_like_model(path)


def test_a_part_longer_than_the_file_is_discarded(tmp_path: Path, peer: Peer, payload: bytes) -> None:
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    (models_dir / f"{NAME}.zip.part").write_bytes(b"\0" * (len(payload) + 5))
    assert looks_like_model(download_model(NAME, models_dir=models_dir, list_url=publish(peer, payload)))
    assert peer.ranges(f"/{NAME}.zip") == [None]


def test_an_md5_mismatch_deletes_the_part_and_says_so(tmp_path: Path, peer: Peer, payload: bytes) -> None:
    models_dir = tmp_path / "models"
    with pytest.raises(CorruptDownload, match=r"corrupt: MD5 [0-9a-f]{32} differs .* 0{32}"):
        download_model(NAME, models_dir=models_dir, list_url=publish(peer, payload, md5="0" * 32))
    assert not (models_dir / f"{NAME}.zip.part").exists()
    assert not (models_dir / NAME).exists()


def test_a_size_mismatch_deletes_the_part_and_says_so(tmp_path: Path, peer: Peer, payload: bytes) -> None:
    models_dir = tmp_path / "models"
    with pytest.raises(CorruptDownload, match=f"received {len(payload)} bytes, the model list says"):
        download_model(NAME, models_dir=models_dir, list_url=publish(peer, payload, size=len(payload) + 10))
    assert not (models_dir / f"{NAME}.zip.part").exists()


def test_a_download_that_is_not_a_zip_is_refused(tmp_path: Path, peer: Peer) -> None:
    models_dir = tmp_path / "models"
    with pytest.raises(UnsafeArchive, match="not a valid zip"):
        download_model(NAME, models_dir=models_dir, list_url=publish(peer, b"<html>mirror error</html>"))
    assert sorted(path.name for path in models_dir.iterdir()) == [f".{NAME}.lock"]


def test_a_zip_without_a_model_is_refused(tmp_path: Path, peer: Peer) -> None:
    models_dir = tmp_path / "models"
    archive = make_zip({f"{NAME}/notes.txt": b"nothing here"})
    with pytest.raises(UnsafeArchive, match="holds no Vosk model"):
        download_model(NAME, models_dir=models_dir, list_url=publish(peer, archive))
    assert not (models_dir / NAME).exists() and leftovers(models_dir) == []


def _link(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def _device(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFCHR | 0o666) << 16
    return info


@pytest.mark.parametrize(
    ("make_entry", "reason"),
    [
        (lambda root: zipfile.ZipInfo("../evil"), "'..' in the path"),
        (lambda root: zipfile.ZipInfo(f"{NAME}/../../evil"), "'..' in the path"),
        (lambda root: zipfile.ZipInfo(str(root / "evil")), "absolute path"),
        (lambda root: _link(f"{NAME}/am/link"), "symbolic link"),
        (lambda root: _device(f"{NAME}/null"), "not a plain file or folder"),
        (lambda root: zipfile.ZipInfo("C:/evil"), "absolute path"),
        (lambda root: zipfile.ZipInfo("..\\evil"), "backslash"),
    ],
    ids=["dotdot", "nested-dotdot", "absolute", "symlink", "device", "drive", "backslash"],
)
def test_unsafe_archive_entries_are_refused_and_nothing_is_written(
    tmp_path: Path, peer: Peer, make_entry: Any, reason: str
) -> None:
    models_dir = tmp_path / "area" / "models"
    before = sorted(tmp_path.rglob("*"))
    # The bad entry comes last: every entry is checked before the first byte is written.
    archive = make_zip(model_files(NAME), [(make_entry(tmp_path), b"/etc/passwd")])
    with pytest.raises(UnsafeArchive, match=re.escape(reason)):
        download_model(NAME, models_dir=models_dir, list_url=publish(peer, archive))
    after = sorted(path for path in tmp_path.rglob("*") if path != models_dir / f".{NAME}.lock")
    assert after == sorted({*before, tmp_path / "area", models_dir})
    assert not (tmp_path / "evil").exists() and not (tmp_path / "area" / "evil").exists()


def test_a_zip_bomb_beyond_the_size_cap_is_refused(tmp_path: Path, peer: Peer) -> None:
    files = {**model_files(NAME), f"{NAME}/graph/HCLG.fst": bytes(20_000_000)}
    archive = make_zip(files)
    assert len(archive) < 1_000_000  # 20 MB of zeros deflate to almost nothing
    models_dir = tmp_path / "models"
    with pytest.raises(UnsafeArchive, match="zip bomb"):
        download_model(
            NAME, models_dir=models_dir, list_url=publish(peer, archive), max_unpacked_bytes=5_000_000
        )
    assert not (models_dir / NAME).exists() and leftovers(models_dir) == []


def test_an_entry_that_lies_about_its_size_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "lying.zip"
    archive.write_bytes(make_zip({"m/conf/model.conf": bytes(3_000_000)}))
    # Shrink the declared size in the central directory: the up-front check passes, the data does not.
    raw = bytearray(archive.read_bytes())
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 24 : central + 28] = (1000).to_bytes(4, "little")
    archive.write_bytes(bytes(raw))
    with pytest.raises(UnsafeArchive):
        unpack_zip(archive, tmp_path / "out", max_bytes=1_000_000)
    assert sum(path.stat().st_size for path in (tmp_path / "out").rglob("*") if path.is_file()) <= 1000


# --- the model list and errors ---


def test_the_model_list_is_read_leniently() -> None:
    entries = parse_model_list(
        [
            {
                "name": "a",
                "url": "http://x/a.zip",
                "md5": "ABC",
                "size": "12",
                "obsolete": "true",
                "lang": "en-us",
            },
            {"name": "b", "url": "http://x/b.zip", "obsolete": False, "size": True},
            {"name": "no-url"},
            "not an object",
        ],
        "test",
    )
    assert [(item.name, item.md5, item.size, item.obsolete, item.lang) for item in entries] == [
        ("a", "abc", 12, True, "en-us"),
        ("b", None, None, False, ""),
    ]
    with pytest.raises(DownloadError, match="not a JSON list"):
        parse_model_list({"models": []}, "http://x/list")


def test_fetch_model_list_reads_the_served_list(peer: Peer, payload: bytes) -> None:
    entries = fetch_model_list(publish(peer, payload))
    assert [(item.name, item.obsolete, item.size) for item in entries] == [
        (NAME, False, len(payload)),
        (OTHER, True, len(peer.files[f"/{OTHER}.zip"])),
    ]


def test_an_unknown_model_name_suggests_close_names(tmp_path: Path, peer: Peer, payload: bytes) -> None:
    list_url = publish(peer, payload)
    with pytest.raises(UnknownModel, match="callcentre models list --available") as caught:
        download_model("vosk-model-small-xx-0.2", models_dir=tmp_path, list_url=list_url)
    assert caught.value.suggestions[0] == NAME
    assert f"Did you mean: {NAME}" in str(caught.value)
    with pytest.raises(UnknownModel) as caught:
        download_model("small-yy", models_dir=tmp_path, list_url=list_url)
    assert caught.value.suggestions == [OTHER]


def test_http_404_is_a_download_error_naming_the_url(tmp_path: Path, peer: Peer, payload: bytes) -> None:
    list_url = publish(peer, payload)
    del peer.files[f"/{NAME}.zip"]
    with pytest.raises(
        DownloadError, match=re.escape(f"Could not download {peer.url(f'/{NAME}.zip')}: HTTP 404")
    ):
        download_model(NAME, models_dir=tmp_path, list_url=list_url)
    missing = peer.url("/nowhere.json")
    with pytest.raises(DownloadError, match=re.escape(missing) + ".*Check the model name") as caught:
        fetch_model_list(missing)
    assert caught.value.status == 404


def test_a_refused_connection_is_a_download_error_naming_the_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/model-list.json"
    with pytest.raises(DownloadError, match=re.escape(url) + ": connection refused. Check the network"):
        download_model(NAME, models_dir=tmp_path, list_url=url)


def test_a_silent_server_times_out_with_a_download_error(tmp_path: Path) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/model-list.json"
        with pytest.raises(DownloadError, match=re.escape(url) + ": no answer within 0.3 seconds"):
            fetch_model_list(url, timeout=0.3)


def test_a_foreign_folder_in_the_way_is_reported_before_downloading(tmp_path: Path, peer: Peer) -> None:
    (tmp_path / NAME).mkdir()
    (tmp_path / NAME / "notes.txt").write_text("mine")
    with pytest.raises(ModelError, match="exists but is not a Vosk model; move it away"):
        download_model(NAME, models_dir=tmp_path, list_url=peer.url("/model-list.json"))
    assert peer.requests == []


def test_a_name_that_is_a_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="is a path, not a model name"):
        download_model("../escape", models_dir=tmp_path, list_url="http://127.0.0.1:1/")


# --- the CLI (configured through the ``[transcription]`` settings) ---


def run_cli(tmp_path: Path, list_url: str, *args: str, models_dir: str | None = "models") -> Result:
    """``callcentre ARGS`` configured by environment only (nothing inherited from the caller's)."""
    env: dict[str, str | None] = {name: None for name in os.environ if name.startswith("CALLCENTRE_")}
    env.update(
        {
            "DATABASE_URL": None,
            "CALLCENTRE_DATA_DIR": str(tmp_path / "data"),
            "CALLCENTRE_TRANSCRIPTION_MODEL": NAME,
            "CALLCENTRE_TRANSCRIPTION_MODEL_LIST_URL": list_url,
        }
    )
    if models_dir is not None:
        env["CALLCENTRE_TRANSCRIPTION_MODELS_DIR"] = str(tmp_path / models_dir)
    return CliRunner().invoke(cli, list(args), env=env)


def test_cli_downloads_the_configured_model_and_lists_it(tmp_path: Path, peer: Peer, payload: bytes) -> None:
    list_url = publish(peer, payload)
    result = run_cli(tmp_path, list_url, "models", "list")
    assert result.exit_code == 0, result.output
    assert f"Run: callcentre models download {NAME}" in result.output
    result = run_cli(tmp_path, list_url, "models", "download")
    assert result.exit_code == 0, result.output
    assert f"installed {NAME} at {tmp_path / 'models' / NAME}" in result.output
    listed = run_cli(tmp_path, list_url, "models", "list")
    assert listed.exit_code == 0 and NAME in listed.output and "configured:" in listed.output
    available = run_cli(tmp_path, list_url, "models", "list", "--available", "--obsolete")
    assert available.exit_code == 0, available.output
    assert re.search(rf"\*.*{NAME}.*yes", available.output) and OTHER in available.output
    again = run_cli(tmp_path, list_url, "models", "download")
    assert again.exit_code == 0 and "already installed" in again.output


def test_cli_download_failure_exits_non_zero_with_the_message(
    tmp_path: Path, peer: Peer, payload: bytes
) -> None:
    result = run_cli(tmp_path, publish(peer, payload), "models", "download", "vosk-model-small-xx-0.3")
    assert result.exit_code == 1
    assert "Did you mean: vosk-model-small-xx-0.1" in result.output


def test_cli_models_go_to_the_data_directory_by_default(tmp_path: Path, peer: Peer, payload: bytes) -> None:
    result = run_cli(tmp_path, publish(peer, payload), "models", "download", models_dir=None)
    assert result.exit_code == 0, result.output
    assert looks_like_model(tmp_path / "data" / "models" / NAME)


def test_cli_refuses_to_download_a_path(tmp_path: Path, peer: Peer, payload: bytes) -> None:
    result = run_cli(tmp_path, publish(peer, payload), "models", "download", str(tmp_path / "x"))
    assert result.exit_code == 1 and "not a model name" in result.output
