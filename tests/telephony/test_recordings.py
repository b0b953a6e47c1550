"""Recordings: Asterisk's paths mapped onto a local root, never outside it; statuses of real WAVs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine

from telephony.recordings import EMPTY_WAV_BYTES, RecordingLocator
from tests.conftest import CAPTURES, capture
from tests.telephony.helpers import replay, stored_calls

PBX = "/srv/asterisk-rec"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "recordings"
    folder.mkdir()
    return folder


def wav(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF" + b"\0" * (size - 4))
    return path


def test_a_pbx_path_maps_onto_the_local_root(root: Path) -> None:
    locator = RecordingLocator(root, PBX)
    assert locator.resolve(f"{PBX}/1795350910.0.wav") == root.resolve() / "1795350910.0.wav"
    assert locator.resolve(f"{PBX}/2026/11/x.wav") == root.resolve() / "2026" / "11" / "x.wav"
    assert locator.resolve("x.wav") == root.resolve() / "x.wav"  # relative: taken as inside the root


def test_the_pbx_folder_may_differ_from_the_local_one(root: Path) -> None:
    locator = RecordingLocator(root, "/var/spool/asterisk/monitor")
    wav(root / "a.wav", 1000)
    assert locator.status("/var/spool/asterisk/monitor/a.wav") == "present"
    assert locator.status(f"{PBX}/a.wav") == "outside_root"


@pytest.mark.parametrize(
    "reported",
    [
        f"{PBX}/../../etc/passwd",
        f"{PBX}/sub/../../secret.wav",
        "../secret.wav",
        "/etc/passwd",
        "/srv/asterisk-recordings/x.wav",  # shares a prefix with the PBX folder, but is another folder
        PBX,  # the folder itself is not a recording
        f"{PBX}/..",
    ],
)
def test_paths_leading_outside_the_root_are_refused(root: Path, reported: str) -> None:
    wav(root.parent / "secret.wav", 1000)  # exists, so "missing" would also be wrong
    locator = RecordingLocator(root, PBX)
    assert locator.resolve(reported) is None
    assert locator.status(reported) == "outside_root"


def test_a_symlink_escaping_the_root_is_refused(root: Path, tmp_path: Path) -> None:
    outside = wav(tmp_path / "elsewhere" / "other.wav", 5000)
    (root / "link.wav").symlink_to(outside)
    (root / "linked-dir").symlink_to(outside.parent, target_is_directory=True)
    locator = RecordingLocator(root, PBX)
    assert locator.status(f"{PBX}/link.wav") == "outside_root"
    assert locator.status(f"{PBX}/linked-dir/other.wav") == "outside_root"


def test_a_symlink_inside_the_root_and_a_symlinked_root_are_fine(root: Path, tmp_path: Path) -> None:
    wav(root / "real.wav", 5000)
    (root / "alias.wav").symlink_to(root / "real.wav")
    assert RecordingLocator(root, PBX).status(f"{PBX}/alias.wav") == "present"
    mounted = tmp_path / "mnt-rec"
    mounted.symlink_to(root, target_is_directory=True)  # e.g. /mnt/rec -> /data/rec
    assert RecordingLocator(mounted, PBX).status(f"{PBX}/real.wav") == "present"


def test_statuses_none_missing_empty_and_present(root: Path) -> None:
    locator = RecordingLocator(root, PBX)
    wav(root / "header-only.wav", EMPTY_WAV_BYTES)
    wav(root / "one-sample.wav", EMPTY_WAV_BYTES + 4)
    assert locator.status(None) == "none" and locator.status("") == "none"
    assert locator.status(f"{PBX}/absent.wav") == "missing"
    assert locator.status(f"{PBX}/header-only.wav") == "empty"
    assert locator.status(f"{PBX}/one-sample.wav") == "present"


def test_real_fixture_wavs_are_present_and_empty(root: Path) -> None:
    shutil.copy(CAPTURES / "inbound_answered.1795350910.0.wav", root / "1795350910.0.wav")
    shutil.copy(CAPTURES / "inbound_abandoned.1795350939.2.wav", root / "1795350939.2.wav")
    locator = RecordingLocator(root, PBX)
    assert locator.status(f"{PBX}/1795350910.0.wav") == "present"
    assert locator.status(f"{PBX}/1795350939.2.wav") == "empty"  # README: 44-byte header-only WAV


def copy_fixture_wavs(root: Path, *scenarios: str) -> None:
    """The captures' WAVs, renamed from ``<scenario>.<Linkedid>.wav`` to Asterisk's ``<Linkedid>.wav``."""
    for scenario in scenarios:
        for path in CAPTURES.glob(f"{scenario}.*.wav"):
            shutil.copy(path, root / path.name.removeprefix(f"{scenario}."))


def test_logged_calls_carry_the_status_and_local_path_of_their_recording(engine: Engine, root: Path) -> None:
    copy_fixture_wavs(root, "inbound_answered", "inbound_abandoned")
    locator = RecordingLocator(root, PBX)
    for scenario in ("inbound_answered", "inbound_abandoned", "ivr_to_queue", "ivr_self_service"):
        replay(engine, capture(scenario), recordings=locator)  # ivr_to_queue's WAV was not copied

    calls = {call.linkedid: call for call in stored_calls(engine)}
    local = Path(os.path.realpath(root))
    assert {linkedid: call.recording_status for linkedid, call in calls.items()} == {
        "1795350910.0": "present",
        "1795350939.2": "empty",
        "1795350961.3": "missing",
        "1795351001.5": "none",  # self-service in the IVR: nothing recorded
    }
    assert calls["1795350910.0"].recording_path == str(local / "1795350910.0.wav")
    assert calls["1795350961.3"].recording_path == str(local / "1795350961.3.wav")


def test_a_missing_recording_stays_missing_until_it_turns_up(engine: Engine, root: Path) -> None:
    """MixMonitor's sox post-command writes the WAV after the hang-up: it may turn up later."""
    logger = replay(engine, capture("inbound_answered"), recordings=RecordingLocator(root, PBX))
    logger.flush()  # looked for again: still not there
    ((status, path),) = [(call.recording_status, call.recording_path) for call in stored_calls(engine)]
    assert status == "missing"
    copy_fixture_wavs(root, "inbound_answered")
    logger.flush()
    (call,) = stored_calls(engine)
    assert (call.recording_status, call.recording_path) == ("present", path)


def test_a_path_outside_the_root_is_kept_as_reported_and_flagged(engine: Engine, root: Path) -> None:
    copy_fixture_wavs(root, "inbound_answered")
    elsewhere = RecordingLocator(root, "/var/spool/asterisk/monitor")
    replay(engine, capture("inbound_answered"), recordings=elsewhere)
    (call,) = stored_calls(engine)
    assert call.recording_status == "outside_root"
    assert call.recording_path == f"{PBX}/1795350910.0.wav"  # never a guessed local path
    assert call.disposition == "answered"  # the call itself is logged as usual


def test_without_a_locator_the_reported_path_is_stored_unchecked(engine: Engine) -> None:
    replay(engine, capture("inbound_answered"))
    (call,) = stored_calls(engine)
    assert (call.recording_path, call.recording_status) == (f"{PBX}/1795350910.0.wav", "none")
