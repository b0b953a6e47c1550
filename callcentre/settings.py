"""Settings: typed defaults, then a TOML file, then ``CALLCENTRE_*`` variables, then CLI flags.

Every key has one typed default here. A file or variable naming a key that does
not exist is an error naming the key, never silently ignored. Secrets are held
in :class:`Secret`, whose ``str``/``repr`` never show the value.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from callcentre.settings_dialer import DialerSettings

ENV_PREFIX = "CALLCENTRE_"


class SettingsError(ValueError):
    """A setting could not be read; the message names the source and the key."""


class Secret:
    """A string that never prints itself (AMI secret, database URL with a password)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The real value, for the one place that needs it (a login, a connect)."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('********')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/callcentre`` (``~/.local/share/callcentre``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "callcentre"


@dataclass
class AmiSettings:
    """How to reach the Asterisk Manager Interface."""

    host: str = "127.0.0.1"
    port: int = 5038
    username: str = "callcentre"
    secret: Secret = field(default_factory=lambda: Secret(""))
    connect_timeout: float = 5.0
    #: Seconds between keep-alive ``Ping`` actions; a Ping unanswered for as long means the link is dead.
    ping_interval: float = 20.0
    reconnect_initial_delay: float = 0.5
    reconnect_max_delay: float = 30.0


@dataclass
class LoggerSettings:
    """The call logger."""

    #: Seconds (of PBX time) to wait after a call's last hang-up for late ``Cdr``/``AgentComplete`` events.
    end_grace_seconds: float = 2.0
    #: Raw events are written in batches of at most this many.
    batch_size: int = 500
    #: Seconds between flushes when traffic is light.
    flush_interval: float = 0.5
    #: Seconds to keep looking for a recording that was not on disk when its call was stored.
    recording_wait_seconds: float = 60.0


@dataclass
class QueueSettings:
    """Thresholds of the queue figures (see telephony/stats.py for the formulas)."""

    service_level_seconds: float = 20.0
    service_level_target: float = 0.8
    #: Callers who abandon within this many seconds are short abandons (left out of the abandonment rate).
    short_abandon_seconds: float = 0.0


@dataclass
class TranscriptionSettings:
    """Speech recognition (Vosk) and the transcription workers."""

    #: A Vosk model name (looked up in ``models_dir``) or the path of a model folder.
    model: str = "vosk-model-small-en-us-0.15"
    #: Where downloaded models live; empty means ``<data_dir>/models``.
    models_dir: Path = Path()
    model_list_url: str = "https://alphacephei.com/vosk/models/model-list.json"
    #: Which stereo channel carries the agent (MixMonitor option D: the right one).
    agent_channel: str = "right"
    #: The language of calls that do not say (the IVR sets CC_LANGUAGE).
    default_language: str = "en"
    #: webrtcvad aggressiveness, 0 (keeps most) to 3 (drops most non-speech).
    vad_aggressiveness: int = 2
    #: Seconds a worker holds a job between heartbeats before another may take it.
    lease_seconds: float = 120.0
    #: Attempts before a job is marked failed for a person to look at.
    max_attempts: int = 5
    #: Also write a copy of each recording with the redacted spans silenced.
    redact_audio: bool = True

    def resolved_models_dir(self, data_dir: Path) -> Path:
        """``models_dir``, defaulting to ``<data_dir>/models``."""
        return self.models_dir if str(self.models_dir) not in ("", ".") else data_dir / "models"


@dataclass
class QaSettings:
    """QA scoring (see qa/ and the README's "QA scoring")."""

    #: The municipality's names, comma-separated: "{municipality}" in scorecard phrases means any of them.
    municipality: str = "Rivervale Metro, Rivervale Metropolitan Municipality, City of Rivervale"
    #: A folder of scorecard YAML files; empty means the shipped scorecards.
    scorecards_dir: Path = Path()
    #: Which queue (or IVR path step) means which call type: "queue:type, ...".
    queue_call_types: str = "faults:fault, accounts:account, revenue:revenue, enquiries:general"
    #: Fewer words than this in a transcript: too short to score (N/A with the reason).
    min_words: int = 12
    #: Where trained models are kept; empty means ``<data_dir>/qa-models``.
    models_dir: Path = Path()
    #: Calibration flags a criterion whose Cohen's kappa against reviewers is below this.
    min_kappa: float = 0.6
    #: Criteria whose verdict the learned detector gives (the phrase verdict is one of its inputs);
    #: chosen where it measured better on the held-out set (README). Empty: phrases only.
    learned_criteria: str = (
        "agent_name, empathy, further_help, greeting, hold_permission, promise_confirmed, purpose_amount, "
        "recording_disclosure, reference_given, reference_integrity, right_party, turnaround, verification"
    )

    def learned_criteria_list(self) -> list[str]:
        return [name.strip() for name in self.learned_criteria.split(",") if name.strip()]

    def municipality_names(self) -> list[str]:
        return [name.strip() for name in self.municipality.split(",") if name.strip()]

    def resolved_models_dir(self, data_dir: Path) -> Path:
        return self.models_dir if str(self.models_dir) not in ("", ".") else data_dir / "qa-models"

    def resolved_scorecards_dir(self) -> Path | None:
        return self.scorecards_dir if str(self.scorecards_dir) not in ("", ".") else None


@dataclass
class IvrSettings:
    """The IVR (issue #6): menu, prompts, the FastAGI server and the pyVoIP SIP endpoint."""

    #: The menu YAML; empty means the shipped ``ivr/menus/municipal.yaml``.
    menu: Path = Path()
    #: Recorded prompts, ``<prompts_dir>/<language>/<prompt>.wav``; empty means none recorded.
    prompts_dir: Path = Path()
    #: Where generated (espeak-ng) prompts are cached; empty means ``<data_dir>/prompt-cache``.
    prompt_cache_dir: Path = Path()
    #: The prompts folder as Asterisk sees it (FastAGI ``STREAM FILE`` paths; no extension).
    pbx_prompts_dir: str = "/var/lib/asterisk/sounds/callcentre"
    agi_host: str = "0.0.0.0"
    agi_port: int = 4573
    #: Seconds the FastAGI server waits for Asterisk's reply to one command.
    agi_timeout: float = 120.0
    sip_server: str = "127.0.0.1"
    sip_port: int = 5060
    sip_username: str = "ivr"
    sip_password: Secret = field(default_factory=lambda: Secret(""))
    #: The address the SIP endpoint binds and announces (SDP); empty means the one facing ``sip_server``.
    sip_local_ip: str = ""
    sip_rtp_port_low: int = 10000
    sip_rtp_port_high: int = 20000
    #: The SIP port the endpoint binds on this host.
    sip_local_port: int = 5062
    #: Serve the pyVoIP SIP endpoint too when ``callcentre ivr`` runs (or pass ``--sip``).
    sip_enabled: bool = False
    #: The queue call-backs are placed on (the menu may name another).
    callback_queue: str = "callbacks"
    #: Failed account verifications (across calls) before self-service for the account is locked.
    lockout_failures: int = 3
    #: Minutes an account stays locked after ``lockout_failures`` failures.
    lockout_minutes: int = 30
    #: Per-install salt of the ID-number hashes in ``billing_accounts`` (set it once, keep it secret).
    id_hash_salt: Secret = field(default_factory=lambda: Secret("callcentre-default-salt"))

    def resolved_prompt_cache_dir(self, data_dir: Path) -> Path:
        """``prompt_cache_dir``, defaulting to ``<data_dir>/prompt-cache``."""
        return (
            self.prompt_cache_dir
            if str(self.prompt_cache_dir) not in ("", ".")
            else data_dir / "prompt-cache"
        )

    def resolved_prompts_dir(self) -> Path | None:
        """``prompts_dir``, or ``None`` when no recorded prompts are configured."""
        return self.prompts_dir if str(self.prompts_dir) not in ("", ".") else None

    def resolved_menu(self) -> Path | None:
        """``menu``, or ``None`` for the shipped municipal menu."""
        return self.menu if str(self.menu) not in ("", ".") else None


@dataclass
class Settings:
    """All settings of the suite."""

    data_dir: Path = field(default_factory=default_data_dir)
    #: SQLAlchemy URL; empty means a SQLite file in ``data_dir``. ``DATABASE_URL`` is honoured too.
    database_url: Secret = field(default_factory=lambda: Secret(""))
    #: Where recordings are on this host; paths reported by Asterisk must resolve inside it.
    recordings_root: Path = Path("/srv/asterisk-rec")
    #: The folder Asterisk writes recordings to, as Asterisk names it (mapped onto ``recordings_root``).
    pbx_recordings_dir: str = "/srv/asterisk-rec"
    #: Region for reading national phone numbers (ISO 3166 code).
    phone_region: str = "ZA"
    timezone: str = "Africa/Johannesburg"
    ami: AmiSettings = field(default_factory=AmiSettings)
    logger: LoggerSettings = field(default_factory=LoggerSettings)
    queues: QueueSettings = field(default_factory=QueueSettings)
    transcription: TranscriptionSettings = field(default_factory=TranscriptionSettings)
    qa: QaSettings = field(default_factory=QaSettings)
    ivr: IvrSettings = field(default_factory=IvrSettings)
    dialer: DialerSettings = field(default_factory=DialerSettings)

    def sqlalchemy_url(self) -> str:
        """The database URL to connect to (a secret: never log it)."""
        return self.database_url.reveal() or f"sqlite:///{self.data_dir / 'callcentre.db'}"


def load_settings(
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build settings from defaults, a TOML file, the environment and CLI overrides, in that order.

    ``overrides`` uses dotted keys (``"ami.host"``); ``None`` values are ignored so
    unset CLI flags fall through.
    """
    env = os.environ if env is None else env
    settings = Settings()
    data_dir = (overrides or {}).get("data_dir")
    path = config_file or _config_path_from(env, data_dir)
    if path is not None:
        _apply_file(settings, path)
    _apply_env(settings, env)
    for dotted, value in (overrides or {}).items():
        if value is not None:
            _assign(settings, dotted.split("."), value, "command line")
    return settings


def _config_path_from(env: Mapping[str, str], data_dir: Path | None) -> Path | None:
    if env.get(ENV_PREFIX + "CONFIG"):
        return Path(env[ENV_PREFIX + "CONFIG"])
    folder = data_dir or env.get(ENV_PREFIX + "DATA_DIR") or default_data_dir()
    default = Path(folder) / "callcentre.toml"
    return default if default.exists() else None


def _apply_file(settings: Settings, path: Path) -> None:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"{path}: configuration file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    for dotted, value in _flatten(document):
        _assign(settings, dotted, value, str(path))


def _flatten(document: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[list[str], Any]]:
    items: list[tuple[list[str], Any]] = []
    for key, value in document.items():
        if isinstance(value, Mapping):
            items += _flatten(value, (*prefix, key))
        else:
            items.append(([*prefix, key], value))
    return items


def _apply_env(settings: Settings, env: Mapping[str, str]) -> None:
    if env.get("DATABASE_URL"):
        settings.database_url = Secret(env["DATABASE_URL"])
    known = _env_names(settings)
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        if name.startswith(ENV_PREFIX + "TEST_") or name == ENV_PREFIX + "REQUIRE_ALL":
            continue  # test-harness switches, not settings
        if name not in known:
            raise SettingsError(f"environment variable {name}: no such setting")
        _assign(settings, known[name], value, f"environment variable {name}")


def _env_names(settings: Settings) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for item in fields(settings):
        value = getattr(settings, item.name)
        if dataclasses.is_dataclass(value):
            for sub in fields(value):
                names[f"{ENV_PREFIX}{item.name}_{sub.name}".upper()] = [item.name, sub.name]
        else:
            names[f"{ENV_PREFIX}{item.name}".upper()] = [item.name]
    return names


def _assign(target: Any, path: list[str], value: Any, source: str) -> None:
    dotted = ".".join(path)
    for part in path[:-1]:
        if not hasattr(target, part) or not dataclasses.is_dataclass(getattr(target, part)):
            raise SettingsError(f"{source}: no such setting section {dotted!r}")
        target = getattr(target, part)
    name = path[-1]
    known = {item.name: item for item in fields(target)}
    if name not in known:
        raise SettingsError(f"{source}: no such setting {dotted!r}")
    current = getattr(target, name)
    setattr(target, name, _coerce(current, value, f"{source}: setting {dotted!r}"))


def _coerce(current: Any, value: Any, where: str) -> Any:
    try:
        if isinstance(current, Secret):
            return value if isinstance(value, Secret) else Secret(str(value))
        if isinstance(current, bool):
            return _to_bool(value)
        if isinstance(current, int | float | str):
            return _to_scalar(type(current), value)
        if isinstance(current, Path):
            return Path(value).expanduser()
    except (TypeError, ValueError):
        raise SettingsError(f"{where}: expected {type(current).__name__}, got {value!r}") from None
    raise SettingsError(f"{where}: is a section, not a value")


def _to_scalar(kind: type, value: Any) -> Any:
    """Text converts (environment variables are text); other types must already be right.

    A TOML ``port = true`` or ``port = 5038.9`` is a mistake to report, not to round.
    """
    if isinstance(value, str) or (kind is float and isinstance(value, int) and not isinstance(value, bool)):
        return kind(value)
    if isinstance(value, kind) and not isinstance(value, bool):
        return value
    raise ValueError(value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError(value)


def describe(settings: Settings) -> dict[str, Any]:
    """Settings as a nested dict for display; secrets stay masked."""
    out: dict[str, Any] = {}
    for item in fields(settings):
        value = getattr(settings, item.name)
        out[item.name] = (
            {sub.name: _show(getattr(value, sub.name)) for sub in fields(value)}
            if dataclasses.is_dataclass(value)
            else _show(value)
        )
    return out


def _show(value: Any) -> Any:
    return str(value) if isinstance(value, Secret | Path) else value
