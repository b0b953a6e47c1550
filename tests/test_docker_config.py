"""Checks of the Docker deployment in docker/: the Asterisk configuration, compose.yaml and the entrypoint.

No Docker engine is needed. The dialplan is linted with asterisklint, the .conf files and compose.yaml are
parsed and cross-checked (what the logger needs from Asterisk, what compose passes where: secrets, networks,
volumes), the app services' environment and commands go through callcentre's own settings loader and CLI
parser, and the entrypoint's template rendering is run for real with sh and awk. The readers are in
tests/docker_helpers.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest

from tests.docker_helpers import (
    ASTERISK,
    DOCKER,
    ETC,
    EXTENSIONS,
    RECORDINGS_DIR,
    ROOT,
    Mount,
    Step,
    env_reference,
    interpolate,
    load_compose,
    merge_compose,
    mounts,
    parse_callcentre,
    read_conf,
    read_dialplan,
    section,
    set_variables,
)

# The AMI classes the logger reads, taken from the "Privilege:" headers of the captures it is built
# against (shared/asterisk/*.ami): dialplan = VarSet/Newexten (every CC_* variable), call = channels,
# bridges, MixMonitorStart and CEL, agent = queue events, cdr = Cdr, dtmf = DTMFBegin/End,
# system = FullyBooted, reporting = RTCPSent, user = UserEvent.
LOGGER_READ_CLASSES = {"system", "call", "cdr", "agent", "user", "dtmf", "dialplan", "reporting"}
LOGGER_WRITE_CLASSES = {"originate", "call", "system", "reporting", "agent", "command"}
# Channel variables the logger expects the dialplan to set (shared/asterisk/README.md).
LOGGER_VARIABLES = {
    "__CC_DID",
    "__CC_DIRECTION",
    "CC_QUEUE",
    "CC_MAXWAIT",
    "CC_RECORDING",
    "CC_IVR_PATH",
    "__CC_ACCOUNT",
    "__CC_REFERENCE",
    "__CC_CAMPAIGN",
    "CC_QUEUESTATUS",
}
EXPECTED_CONTEXTS = {"from-pstn", "cc-queue", "cc-ivr", "cc-outbound", "cc-outbound-answered", "cc-record"}
SERVICES = {"asterisk", "postgres", "migrate", "models", "logger", "dialer", "worker", "ivr", "dashboard"}
# Built from app.Dockerfile:
APP_SERVICES = ("migrate", "models", "logger", "dialer", "worker", "ivr", "dashboard")
# Long-running app services that use the database (everything but the one-shot model download).
DATABASE_SERVICES = ("migrate", "logger", "dialer", "worker", "ivr", "dashboard")
DATA_DIR = "/var/lib/callcentre"


# ---------------------------------------------------------------- asterisklint

# Findings asterisklint may report on extensions.conf without failing the test, by message class.
# None: the only ones it used to raise (W_WSH_VARSET, for blanks around "=" in [general]/[globals], which
# Asterisk strips anyway) were removed from the file rather than allowed here.
ALLOWED_LINT_CLASSES: frozenset[str] = frozenset()


def run_asterisklint(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ALINT_IGNORE"}  # a local setting must not hide errors
    code = "import os, sys; from asterisklint.main import main; sys.exit(main(sys.argv[1:], os.environ))"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def asterisklint() -> None:
    pytest.importorskip("asterisklint", reason="asterisklint is a dev dependency (pip install -e '.[dev]')")


@pytest.mark.usefixtures("asterisklint")
def test_dialplan_passes_asterisklint() -> None:
    result = run_asterisklint("dialplan-check", str(EXTENSIONS))
    findings = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    unexpected = [
        line
        for line in findings
        if not (m := re.match(r"\S+:\d+ ([A-Z]_[A-Z0-9_]+):", line)) or m.group(1) not in ALLOWED_LINT_CLASSES
    ]
    assert not unexpected, "asterisklint:\n" + "\n".join(unexpected)
    assert result.returncode == 0 or findings


@pytest.mark.usefixtures("asterisklint")
def test_asterisklint_parsed_every_context() -> None:
    shown = run_asterisklint("dialplan-show", str(EXTENSIONS))
    assert shown.returncode == 0, shown.stderr
    assert set(re.findall(r"^\[ Context '([^']+)'", shown.stdout, re.M)) == EXPECTED_CONTEXTS


@pytest.mark.usefixtures("asterisklint")
def test_modules_conf_requires_every_module_the_dialplan_uses() -> None:
    shown = run_asterisklint("modules-show", str(EXTENSIONS))
    used = set(re.findall(r"^load => (\S+)$", shown.stdout, re.M))
    required = set(section(ETC / "modules.conf", "modules").all("require"))
    assert used, shown.stdout + shown.stderr
    assert used <= required, f"not required in modules.conf: {sorted(used - required)}"


# ---------------------------------------------------------------- manager.conf


def test_manager_timestamps_every_event() -> None:
    assert section(ETC / "manager.conf", "general").get("timestampevents") == "yes"


def test_manager_user_reads_what_the_logger_needs_and_writes_only_its_actions() -> None:
    user = section(ETC / "manager.conf", "callcentre")
    read = {c.strip() for c in (user.get("read") or "").split(",")}
    assert read == {"all"} or read >= LOGGER_READ_CLASSES, f"read = {read}"
    assert {c.strip() for c in (user.get("write") or "").split(",")} == LOGGER_WRITE_CLASSES


def test_manager_listens_in_the_container_but_admits_only_the_backend_network() -> None:
    general = section(ETC / "manager.conf", "general")
    user = section(ETC / "manager.conf", "callcentre")
    assert (general.get("bindaddr"), general.get("port")) == ("0.0.0.0", "5038")
    acl = [(k, v) for k, v in user.options if k in ("deny", "permit")]
    assert acl == [("deny", "0.0.0.0/0.0.0.0"), ("permit", "${AMI_PERMIT}")]
    assert user.get("secret") == "${AMI_SECRET}"


# ---------------------------------------------------------------- extensions.conf


@pytest.fixture(scope="module")
def dialplan() -> dict[str, dict[str, list[Step]]]:
    return read_dialplan(EXTENSIONS)


def test_every_queue_call_starts_the_recording_first(dialplan: dict[str, dict[str, list[Step]]]) -> None:
    queued = [
        (ctx, ext, steps)
        for ctx, exts in dialplan.items()
        for ext, steps in exts.items()
        if any(s.app == "Queue" for s in steps)
    ]
    assert queued, "no Queue() in the dialplan"
    for context, exten, steps in queued:
        apps = [s.app for s in steps]
        queue_at = apps.index("Queue")
        gosubs = [i for i, s in enumerate(steps[:queue_at]) if s.app == "Gosub" and s.args[0] == "cc-record"]
        assert gosubs, f"{context},{exten}: Queue() without the cc-record Gosub before it"
        # The only way around the Gosub is a jump straight to Queue() when the call is already recorded
        # (a transfer back into a queue keeps its recording).
        for skip in steps[: gosubs[0]]:
            if skip.app == "GotoIf" and skip.args[0].endswith("?" + steps[queue_at].label):
                assert '"${CC_RECORDING}" != ""' in skip.args[0], f"{context},{exten}: {skip}"


def test_outbound_calls_are_recorded_when_the_customer_answers(
    dialplan: dict[str, dict[str, list[Step]]],
) -> None:
    dials = [s for steps in dialplan["cc-outbound"].values() for s in steps if s.app == "Dial"]
    assert dials and all(re.search(r"\bU\(cc-outbound-answered\^", d.args[2]) for d in dials), dials
    answered = dialplan["cc-outbound-answered"]["s"]
    assert any(s.app == "Gosub" and s.args[0] == "cc-record" for s in answered)


def test_recording_is_stereo_raw_converted_to_the_wav_the_logger_is_told_about(
    dialplan: dict[str, dict[str, list[Step]]],
) -> None:
    steps = dialplan["cc-record"]["s"]
    apps = [s.app for s in steps]
    recdir = section(EXTENSIONS, "globals").get("RECDIR")
    assert recdir == RECORDINGS_DIR

    variables = set_variables(steps)
    assert variables["CC_RECORDING"] == "${RECDIR}/${ARG1}.wav"
    assert variables["CDR(userfield)"] == "${CC_RECORDING}"
    mixmonitor = steps[apps.index("MixMonitor")]
    assert apps.index("MixMonitor") > max(i for i, s in enumerate(steps) if s.app == "Set")

    raw, options, command = mixmonitor.args
    assert raw == "${RECDIR}/${ARG1}.raw", "option D writes interleaved samples: the file must be .raw"
    assert {"b", "D"} <= set(options), f"MixMonitor options {options!r}: need b (bridged only) and D (stereo)"
    sox = command.split()
    assert sox[0] == "/usr/bin/sox"
    assert " ".join(sox[1:-2]) == "-q -t raw -r 8000 -e signed-integer -b 16 -c 2"
    assert sox[-2:] == [raw, variables["CC_RECORDING"]]


def test_dialplan_sets_every_variable_the_logger_reads(dialplan: dict[str, dict[str, list[Step]]]) -> None:
    names = {n for exts in dialplan.values() for steps in exts.values() for n in set_variables(steps)}
    assert names >= LOGGER_VARIABLES, f"never set: {sorted(LOGGER_VARIABLES - names)}"


def test_queues_and_agents_the_dialplan_uses_exist(dialplan: dict[str, dict[str, list[Step]]]) -> None:
    queues = {s.name: s for s in read_conf(ETC / "queues.conf") if s.name != "general" and s.templates != "!"}
    targets = {
        s.args[1]
        for exts in dialplan.values()
        for steps in exts.values()
        for s in steps
        if s.app == "Goto" and len(s.args) == 3 and s.args[0] == "cc-queue"
    }
    assert targets and targets <= set(queues), f"unknown queues: {sorted(targets - set(queues))}"

    endpoints = {s.name for s in read_conf(ETC / "pjsip.conf") if "endpoint-tpl" in s.templates}
    members = {m.split(",")[0].removeprefix("PJSIP/") for q in queues.values() for m in q.all("member")}
    assert members <= endpoints, f"queue members without a PJSIP endpoint: {sorted(members - endpoints)}"
    assert section(EXTENSIONS, "globals").get("CC_TRUNK") in endpoints


# ---------------------------------------------------------------- pjsip.conf


def _pjsip_object(name: str, kind: str) -> list[tuple[str, str]]:
    """pjsip.conf's [name] of ``type = kind``: its templates' options first, as Asterisk applies them."""
    conf = read_conf(ETC / "pjsip.conf")
    templates = {s.name: s for s in conf if s.templates == "!"}

    def options(sec: Any) -> list[tuple[str, str]]:
        parents = [t.strip() for t in sec.templates.split(",") if t.strip() and t.strip() != "!"]
        return [option for parent in parents for option in options(templates[parent])] + list(sec.options)

    found = [options(s) for s in conf if s.name == name and s.templates != "!"]
    matching = [o for o in found if dict(o).get("type") == kind]
    assert len(matching) == 1, f"pjsip.conf: expected one [{name}] of type {kind}, found {len(matching)}"
    return matching[0]


def _codecs(options: list[tuple[str, str]]) -> list[str]:
    """The codecs an endpoint ends up with after its disallow/allow lines, in order."""
    codecs: list[str] = []
    for key, value in options:
        for codec in (c.strip() for c in value.split(",")) if key in ("allow", "disallow") else ():
            if key == "disallow":
                codecs = [] if codec == "all" else [c for c in codecs if c != codec]
            elif codec not in codecs:
                codecs.append(codec)
    return codecs


def test_pjsip_has_the_ivr_endpoint_the_ivr_service_registers_as(
    compose: dict[str, Any], dialplan: dict[str, dict[str, list[Step]]]
) -> None:
    endpoint = _pjsip_object("ivr", "endpoint")
    auth = dict(_pjsip_object("ivr", "auth"))
    aor = dict(_pjsip_object("ivr", "aor"))
    settings = dict(endpoint)
    assert settings["dtmf_mode"] == "rfc4733"  # pyVoIP reads DTMF as RTP events only
    assert _codecs(endpoint) == ["ulaw", "alaw"]
    assert (settings["auth"], settings["aors"]) == ("ivr", "ivr")
    assert (auth["auth_type"], auth["username"], auth["password"]) == ("digest", "ivr", "${IVR_SIP_PASSWORD}")
    assert aor["max_contacts"] == "1"  # one ivr container
    # What the dialplan dials and what the ivr service registers as.
    dials = [s.args[0] for steps in dialplan["cc-ivr"].values() for s in steps if s.app == "Dial"]
    assert dials == ["PJSIP/ivr"]
    from callcentre.settings import IvrSettings

    assert "CALLCENTRE_IVR_SIP_USERNAME" not in compose["services"]["ivr"]["environment"]
    assert IvrSettings().sip_username == "ivr"


# ---------------------------------------------------------------- compose.yaml


COMPOSE_FILES = ("compose.yaml", "compose.external-asterisk.yaml")
EXTERNAL = "compose.external-asterisk.yaml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose("compose.yaml")


@pytest.fixture(scope="module", params=[None, EXTERNAL], ids=["bundled-asterisk", "external-asterisk"])
def stack(request: pytest.FixtureRequest, compose: dict[str, Any]) -> dict[str, Any]:
    """compose.yaml alone, and merged with the override as `docker compose -f ... -f ...` would."""
    override: str | None = request.param
    merged: dict[str, Any] = merge_compose(compose, load_compose(override)) if override else compose
    return merged


def test_compose_runs_exactly_the_stack(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == SERVICES


def test_every_service_image_or_build_exists(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        assert "build" in service or "image" in service, name
        if "build" in service:
            context = (DOCKER / service["build"]["context"]).resolve()
            dockerfile = context / service["build"].get("dockerfile", "Dockerfile")
            assert dockerfile.is_file(), f"{name}: no {dockerfile}"
        else:
            assert re.fullmatch(r"[\w./-]+:[\w.-]+", service["image"]), f"{name}: unpinned {service['image']}"
    assert compose["services"]["postgres"]["image"] == "postgres:16"
    app = [compose["services"][name] for name in APP_SERVICES]
    assert all(s["build"] == app[0]["build"] and s["image"] == app[0]["image"] for s in app)
    assert app[0]["build"]["dockerfile"] == "docker/app.Dockerfile"


def test_logger_takes_the_ami_secret_from_the_environment(compose: dict[str, Any]) -> None:
    logger = compose["services"]["logger"]["environment"]
    asterisk = compose["services"]["asterisk"]["environment"]
    assert env_reference(logger["CALLCENTRE_AMI_SECRET"]) == "AMI_SECRET"
    assert env_reference(asterisk["AMI_SECRET"]) == "AMI_SECRET"
    assert logger["CALLCENTRE_AMI_HOST"] == "asterisk"
    assert str(logger["CALLCENTRE_AMI_PORT"]) == section(ETC / "manager.conf", "general").get("port")
    assert section(ETC / "manager.conf", logger["CALLCENTRE_AMI_USERNAME"])
    assert logger["DATABASE_URL"].startswith("postgresql+psycopg://callcentre:${POSTGRES_PASSWORD")


def _given(services: dict[str, Any], secret: str) -> set[str]:
    """The services whose environment mentions ``secret`` (as a variable name or in a value)."""
    return {
        name
        for name, service in services.items()
        for key, value in service.get("environment", {}).items()
        if secret in key or secret in str(value)
    }


def test_only_asterisk_the_logger_the_dialer_and_the_ivr_get_the_ami_secret(stack: dict[str, Any]) -> None:
    # The IVR sends AMI Setvar + Redirect to hand SIP callers to a queue; the dialer sends Originate.
    assert _given(stack["services"], "AMI_SECRET") == {"asterisk", "logger", "dialer", "ivr"}
    for name in ("worker", "models", "dashboard"):
        assert not [k for k in stack["services"][name]["environment"] if k.startswith("CALLCENTRE_AMI")]


def test_ivr_sip_password_comes_from_the_environment_only(stack: dict[str, Any]) -> None:
    services = stack["services"]
    assert _given(services, "IVR_SIP_PASSWORD") == {"asterisk", "ivr"}
    assert env_reference(services["ivr"]["environment"]["CALLCENTRE_IVR_SIP_PASSWORD"]) == "IVR_SIP_PASSWORD"
    assert env_reference(services["asterisk"]["environment"]["IVR_SIP_PASSWORD"]) == "IVR_SIP_PASSWORD"
    # Required: compose stops with a message rather than starting the IVR with an empty password.
    assert services["ivr"]["environment"]["CALLCENTRE_IVR_SIP_PASSWORD"].startswith("${IVR_SIP_PASSWORD:?")


def _settings(service: dict[str, Any]) -> Any:
    from callcentre.settings import load_settings

    # An unknown CALLCENTRE_* variable is an error there, so a misspelt name can't be silently ignored.
    return load_settings(env={key: interpolate(value) for key, value in service["environment"].items()})


def test_app_environment_is_accepted_by_callcentre_settings(stack: dict[str, Any]) -> None:
    services = stack["services"]
    settings = {name: _settings(services[name]) for name in APP_SERVICES}
    for name in DATABASE_SERVICES:
        assert settings[name].sqlalchemy_url() == interpolate(services[name]["environment"]["DATABASE_URL"])
    assert settings["logger"].ami.secret.reveal() == "ami_secret-value"
    assert settings["logger"].ami.port == 5038
    assert settings["worker"].ami.secret.reveal() == ""

    worker, models = settings["worker"], settings["models"]
    worker_mounts = mounts(services["worker"])
    # The worker finds its recordings where the logger stored their paths, and its model where the
    # models service put it; it writes redacted copies to <data_dir>/redacted (callcentre/bootstrap.py).
    assert worker.recordings_root == settings["logger"].recordings_root
    assert worker.pbx_recordings_dir == settings["logger"].pbx_recordings_dir
    assert str(worker.recordings_root) in worker_mounts
    for each in (worker, models):
        assert str(each.data_dir) == DATA_DIR
        assert str(each.transcription.resolved_models_dir(each.data_dir)) == f"{DATA_DIR}/models"
    assert str(worker.data_dir / "redacted") in worker_mounts
    assert f"{DATA_DIR}/models" in mounts(services["models"])

    # The dashboard plays recordings and redacted copies from where the logger and the workers put them.
    dashboard, dashboard_mounts = settings["dashboard"], mounts(services["dashboard"])
    assert dashboard.recordings_root == settings["logger"].recordings_root
    assert dashboard.data_dir == worker.data_dir
    assert dashboard_mounts[str(dashboard.recordings_root)].read_only
    assert dashboard_mounts[str(dashboard.data_dir / "redacted")] == Mount("redacted", True)
    assert dashboard.ami.secret.reveal() == ""

    # The IVR: AMI as the logger, SIP to the bundled Asterisk as the pjsip.conf endpoint, its prompts.
    ivr, ivr_mounts = settings["ivr"], mounts(services["ivr"])
    assert ivr.ami.host == "asterisk"  # the bundled one, also with the external-asterisk override
    assert (ivr.ami.port, ivr.ami.username, ivr.ami.secret) == (
        settings["logger"].ami.port,
        settings["logger"].ami.username,
        settings["logger"].ami.secret,
    )
    assert ivr.ivr.sip_server == "asterisk" and ivr.ivr.sip_port == 5060
    assert ivr.ivr.sip_username == "ivr" and ivr.ivr.sip_password.reveal() == "ivr_sip_password-value"
    assert ivr.pbx_recordings_dir == settings["logger"].pbx_recordings_dir
    assert ivr.recordings_root == settings["logger"].recordings_root
    prompts_dir = ivr.ivr.resolved_prompts_dir()
    assert prompts_dir is not None and ivr_mounts[str(prompts_dir)].read_only
    cache = ivr.ivr.resolved_prompt_cache_dir(ivr.data_dir)
    assert cache.is_relative_to(ivr.data_dir) and str(ivr.data_dir) in ivr_mounts  # a volume: it persists
    assert not ivr_mounts[str(ivr.data_dir)].read_only


def test_workers_use_the_model_the_models_service_downloads(compose: dict[str, Any]) -> None:
    from callcentre.settings import TranscriptionSettings

    worker, models = (compose["services"][name]["environment"] for name in ("worker", "models"))
    assert worker["CALLCENTRE_TRANSCRIPTION_MODEL"] == models["CALLCENTRE_TRANSCRIPTION_MODEL"]
    assert env_reference(worker["CALLCENTRE_TRANSCRIPTION_MODEL"]) == "TRANSCRIPTION_MODEL"
    # Unset, it is callcentre's own default.
    assert interpolate(worker["CALLCENTRE_TRANSCRIPTION_MODEL"]) == TranscriptionSettings().model


def _parse_ivr(argv: list[str]) -> dict[str, Any]:
    """`callcentre ivr [options]`: a group run without a sub-command (parse_callcentre expects one)."""
    from callcentre.cli_ivr import ivr

    assert argv[:2] == ["callcentre", "ivr"], argv
    context = click.Context(ivr, info_name="ivr")
    # The plain command's parser: what is left over would be a sub-command; there must be none.
    rest = click.Command.parse_args(ivr, context, list(argv[2:]))
    assert rest == [], argv
    return context.params


def test_app_commands_are_callcentre_command_lines(compose: dict[str, Any]) -> None:
    from callcentre import cli_dashboard, cli_dialer  # noqa: F401  (register `dashboard`, `dialer`)

    expected = {
        "migrate": "db upgrade",
        "models": "models download",
        "logger": "logger",
        "dialer": "dialer",
        "worker": "worker",
        "dashboard": "dashboard",
    }
    parsed = {"ivr": _parse_ivr([interpolate(arg) for arg in compose["services"]["ivr"]["command"]])}
    for name in APP_SERVICES:
        if name == "ivr":
            continue
        command = compose["services"][name]["command"]
        # Parsed by callcentre's click CLI: an unknown option or a refused value fails here.
        path, params = parse_callcentre([interpolate(arg) for arg in command])
        assert path == expected[name], command
        parsed[name] = params
    assert parsed["models"] == {"name": None}  # the configured model
    assert parsed["worker"] == {"processes": 2}
    assert parsed["ivr"] == {"agi_host": "0.0.0.0", "agi_port": 4573, "sip": True}
    assert parsed["dashboard"] == {"host": "0.0.0.0", "port": 8501}
    assert "${WORKER_PROCESSES:-2}" in compose["services"]["worker"]["command"]


def test_recordings_are_shared_by_asterisk_the_logger_and_the_workers(stack: dict[str, Any]) -> None:
    services = stack["services"]
    logger, worker = mounts(services["logger"])[RECORDINGS_DIR], mounts(services["worker"])[RECORDINGS_DIR]
    assert logger == worker and worker.read_only
    if "asterisk" in services and env_reference(worker.source) is None:
        asterisk = mounts(services["asterisk"])[RECORDINGS_DIR]
        assert asterisk.source == worker.source and not asterisk.read_only
        assert worker.source in stack["volumes"]
    else:
        assert env_reference(worker.source) == "EXTERNAL_RECORDINGS_DIR"
    dashboard = mounts(services["dashboard"])[RECORDINGS_DIR]
    assert dashboard == worker  # read-only, the same volume or host directory
    for name in ("logger", "worker", "dashboard"):
        environment = services[name]["environment"]
        assert environment["CALLCENTRE_RECORDINGS_ROOT"] == RECORDINGS_DIR
    # The directory Asterisk names in CC_RECORDING is the dialplan's RECDIR.
    assert services["logger"]["environment"]["CALLCENTRE_PBX_RECORDINGS_DIR"] in (
        RECORDINGS_DIR,
        "${EXTERNAL_PBX_RECORDINGS_DIR:-/srv/asterisk-rec}",
    )


def test_workers_only_read_recordings_and_models_and_write_redacted_copies(stack: dict[str, Any]) -> None:
    worker = mounts(stack["services"]["worker"])
    assert set(worker) == {RECORDINGS_DIR, f"{DATA_DIR}/models", f"{DATA_DIR}/redacted"}
    assert (worker[f"{DATA_DIR}/models"].source, worker[f"{DATA_DIR}/models"].read_only) == ("models", True)
    assert (worker[f"{DATA_DIR}/redacted"].source, worker[f"{DATA_DIR}/redacted"].read_only) == (
        "redacted",
        False,
    )
    models = mounts(stack["services"]["models"])
    assert {target: (m.source, m.read_only) for target, m in models.items()} == {
        f"{DATA_DIR}/models": ("models", False)
    }
    assert {"models", "redacted"} <= set(stack["volumes"])


def test_ami_is_reachable_only_from_the_internal_backend_network(compose: dict[str, Any]) -> None:
    services = compose["services"]
    ports = [str(p) for p in services["asterisk"].get("ports", [])]
    assert not any("5038" in p for p in ports), ports
    assert any(p.endswith(":5060:5060/udp") for p in ports) and any("RTP_PORT_START" in p for p in ports)
    backend = compose["networks"]["backend"]
    assert backend["internal"] is True
    assert services["asterisk"]["environment"]["AMI_PERMIT"] == backend["ipam"]["config"][0]["subnet"]
    for name in ("asterisk", "logger", "postgres", "migrate", "worker", "ivr", "dashboard"):
        assert "backend" in services[name]["networks"], name


def test_only_the_one_shot_models_service_has_internet_access(stack: dict[str, Any]) -> None:
    networks, services = stack["networks"], stack["services"]
    for name, service in services.items():
        assert set(service["networks"]) <= set(networks), name
    outside = {
        name: sorted(n for n in service["networks"] if not networks[n].get("internal"))
        for name, service in services.items()
    }
    # sip: published SIP/RTP ports only; web: the dashboard's published port, no masquerading (no way out).
    expected = {"asterisk": ["sip"], "models": ["egress"], "dashboard": ["web"]}
    if "EXTERNAL_AMI_HOST" in str(services["logger"]):
        expected["logger"] = expected["dialer"] = ["egress"]  # to reach the external PBX
    assert {name: nets for name, nets in outside.items() if nets} == expected
    assert services["models"]["networks"] == ["egress"]  # needs no database
    assert services["worker"]["networks"] == ["backend"]
    assert services["ivr"]["networks"] == ["backend"]  # FastAGI and SIP with Asterisk, AMI, PostgreSQL
    assert networks["web"]["driver_opts"]["com.docker.network.bridge.enable_ip_masquerade"] == "false"
    assert services["models"]["restart"] == "no"
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"asterisk", "dashboard"}


def test_dashboard_is_published_on_localhost_only(stack: dict[str, Any]) -> None:
    dashboard = stack["services"]["dashboard"]
    (port,) = dashboard["ports"]
    # Unset in docker/.env, compose publishes it on 127.0.0.1 (a reverse proxy with TLS goes in front).
    assert interpolate(port) == "127.0.0.1:8501:8501"
    assert "0.0.0.0" not in str(port)
    assert port.startswith("${DASHBOARD_BIND_ADDRESS:-127.0.0.1}:")
    command = dashboard["command"]
    assert port.endswith(":" + command[command.index("--port") + 1])


def test_ivr_is_reachable_by_asterisk_where_the_dialplan_looks(
    compose: dict[str, Any], dialplan: dict[str, dict[str, list[Step]]]
) -> None:
    services = compose["services"]
    agi = [s for s in dialplan["cc-ivr"]["agi"] if s.app == "AGI"]
    assert [s.args[0] for s in agi] == ["agi://ivr:4573"]  # the service name and the --agi-port below
    command = services["ivr"]["command"]
    assert command[command.index("--agi-port") + 1] == "4573" and "--sip" in command
    assert "4573" in services["ivr"]["expose"] and "ports" not in services["ivr"]
    assert services["ivr"]["environment"]["CALLCENTRE_IVR_SIP_SERVER"] == "asterisk"
    # FastAGI plays prompts from Asterisk's file system: the same recorded prompts, read-only in both.
    pbx_prompts = services["ivr"]["environment"]["CALLCENTRE_IVR_PBX_PROMPTS_DIR"]
    prompts = services["ivr"]["environment"]["CALLCENTRE_IVR_PROMPTS_DIR"]
    in_asterisk, in_ivr = mounts(services["asterisk"])[pbx_prompts], mounts(services["ivr"])[prompts]
    assert in_asterisk == in_ivr and in_ivr.read_only


def test_rtp_ports_published_are_the_ones_asterisk_uses(compose: dict[str, Any]) -> None:
    asterisk = compose["services"]["asterisk"]
    rtp = next(str(p) for p in asterisk["ports"] if "RTP_PORT_START" in str(p))
    start, end = asterisk["environment"]["RTP_PORT_START"], asterisk["environment"]["RTP_PORT_END"]
    assert rtp.endswith(f":{start}-{end}:{start}-{end}/udp")
    assert section(ETC / "rtp.conf", "general").options == (
        ("rtpstart", "${RTP_PORT_START}"),
        ("rtpend", "${RTP_PORT_END}"),
    )


def _seconds(duration: str) -> int:
    assert re.fullmatch(r"(\d+[hms])+", duration), duration
    return sum(
        int(n) * {"h": 3600, "m": 60, "s": 1}[unit] for n, unit in re.findall(r"(\d+)([hms])", duration)
    )


def test_services_start_in_order_and_workers_stop_gracefully(stack: dict[str, Any]) -> None:
    services = stack["services"]
    done = {"condition": "service_completed_successfully"}
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["postgres"]["healthcheck"]["test"]
    assert services["logger"]["depends_on"]["migrate"] == done
    assert services["worker"]["depends_on"] == {"migrate": done, "models": done}
    assert "depends_on" not in services["models"]
    assert services["ivr"]["depends_on"] == {"migrate": done, "asterisk": {"condition": "service_healthy"}}
    assert services["dashboard"]["depends_on"] == {"migrate": done}
    assert {services[name]["restart"] for name in ("logger", "worker", "ivr", "dashboard")} == {
        "unless-stopped"
    }
    assert {services[name]["restart"] for name in ("migrate", "models")} == {"no"}
    # SIGTERM lets each worker process finish the job in hand before Docker's SIGKILL.
    assert _seconds(services["worker"]["stop_grace_period"]) >= 60
    database_urls = {services[name]["environment"]["DATABASE_URL"] for name in DATABASE_SERVICES}
    assert len(database_urls) == 1, database_urls


def test_env_example_lists_exactly_the_variables_compose_uses() -> None:
    used = {
        name
        for compose_file in COMPOSE_FILES
        for line in (DOCKER / compose_file).read_text().splitlines()
        if not line.lstrip().startswith("#")
        for name in re.findall(r"\$\{([A-Z][A-Z0-9_]*)", line)
    }
    lines = (DOCKER / ".env.example").read_text().splitlines()
    listed = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert set(listed) == used, f"missing: {sorted(used - set(listed))}, unused: {sorted(set(listed) - used)}"
    assert not any(listed.values()), "the example must not carry values: secrets go in docker/.env only"
    for name in ("TRANSCRIPTION_MODEL", "WORKER_PROCESSES"):  # explained, not just listed
        assert lines[lines.index(f"{name}=") - 1].startswith("# "), name


def test_external_asterisk_override_replaces_only_the_bundled_pbx(compose: dict[str, Any]) -> None:
    override = load_compose(EXTERNAL)
    assert set(override["services"]) == {"logger", "dialer", "worker", "dashboard"}
    dialer = override["services"]["dialer"]
    assert set(dialer["depends_on"]) == {"migrate"} and dialer["networks"] == ["backend", "egress"]
    assert env_reference(dialer["environment"]["CALLCENTRE_AMI_HOST"]) == "EXTERNAL_AMI_HOST"
    logger = override["services"]["logger"]
    assert set(logger["depends_on"]) == {"migrate"}
    assert env_reference(logger["environment"]["CALLCENTRE_AMI_HOST"]) == "EXTERNAL_AMI_HOST"
    assert "CALLCENTRE_AMI_SECRET" not in logger["environment"]  # still AMI_SECRET, from compose.yaml
    for name in ("logger", "worker", "dashboard"):
        (source,) = [v.removesuffix(f":{RECORDINGS_DIR}:ro") for v in override["services"][name]["volumes"]]
        assert env_reference(source) == "EXTERNAL_RECORDINGS_DIR", name
    # Everything else of the worker (model, redacted copies, network, start order) is compose.yaml's.
    assert set(override["services"]["worker"]) == {"environment", "volumes"}
    assert set(override["services"]["worker"]["environment"]) == {"CALLCENTRE_PBX_RECORDINGS_DIR"}
    merged = merge_compose(compose, override)
    assert "backend" in merged["services"]["logger"]["networks"]
    assert merged["services"]["worker"]["depends_on"] == compose["services"]["worker"]["depends_on"]
    assert set(override["services"]["dashboard"]) == {"volumes"}
    assert mounts(merged["services"]["dashboard"])[f"{DATA_DIR}/redacted"] == Mount("redacted", True)


def test_compose_provides_every_variable_the_asterisk_templates_need(compose: dict[str, Any]) -> None:
    provided = set(compose["services"]["asterisk"]["environment"])
    for name in ("manager.conf", "pjsip.conf", "rtp.conf"):
        for line in (ETC / name).read_text().splitlines():
            if not line.lstrip().startswith(";"):
                needed = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-)?\}", line))
                assert needed <= provided, f"{name}: {line!r} needs {sorted(needed - provided)}"


# ---------------------------------------------------------------- images


def test_images_share_the_recordings_group_and_the_logger_runs_unprivileged() -> None:
    asterisk = (ASTERISK / "Dockerfile").read_text()
    app = (DOCKER / "app.Dockerfile").read_text()
    gids = [re.findall(r"^ARG RECORDINGS_GID=(\d+)$", text, re.M) for text in (asterisk, app)]
    assert gids[0] == gids[1] and len(gids[0]) == 1, gids
    assert re.search(r"^USER callcentre$", app, re.M)
    assert "pip install ." in app


def test_app_image_prepares_the_data_volumes_for_its_unprivileged_user(compose: dict[str, Any]) -> None:
    app = re.sub(r"\\\n\s*", " ", (DOCKER / "app.Dockerfile").read_text())  # join continued lines
    owned = {
        path
        for found in re.findall(r"install -d -o callcentre -g callcentre(?: -m 0?7[0-7]0)?((?: +/\S+)+)", app)
        for path in found.split()
    }
    assert app.index("install -d -o callcentre") < app.index("USER callcentre")
    # An empty named volume copies the image's directory, owner included: without it, it would be root's.
    mounted = {
        target
        for name in APP_SERVICES
        for target, mount in mounts(compose["services"][name]).items()
        if mount.source in compose["volumes"] and target != RECORDINGS_DIR  # recordings: Asterisk's, ccrec
    }
    # DATA_DIR itself: the ivr's data volume (its prompt cache).
    assert mounted == {DATA_DIR, f"{DATA_DIR}/models", f"{DATA_DIR}/redacted"}
    assert {DATA_DIR, *mounted} <= owned, owned


def test_asterisk_image_is_a_pinned_distribution_package_with_sox() -> None:
    text = (ASTERISK / "Dockerfile").read_text()
    assert re.search(r"^ARG ALPINE_VERSION=3\.\d+$", text, re.M)
    assert re.search(r"apk add --no-cache 'asterisk>=22\.1' asterisk-sounds-en sox", text)
    assert re.search(r'^ENTRYPOINT \["/usr/local/lib/callcentre/entrypoint.sh"\]$', text, re.M)


# ---------------------------------------------------------------- secrets


def _docker_files() -> Iterator[Path]:
    for path in sorted(DOCKER.rglob("*")):
        # docker/.env is the one place real secrets belong; docker/.gitignore keeps it out of git.
        if path.is_file() and path.relative_to(DOCKER) != Path(".env"):
            yield path


def _is_reference(value: str) -> bool:
    """Empty, an environment reference (${NAME}, ${NAME:?msg}, $NAME) or a placeholder such as <secret>."""
    value = value.strip().strip("'\"")
    return (
        value == "" or env_reference(value) is not None or re.fullmatch(r"\$\w+|<[^<>]+>", value) is not None
    )


def test_no_file_under_docker_holds_a_literal_secret() -> None:
    assignment = re.compile(
        r"^\s*(?:-\s+|export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)\s*(?:=>|=|:)(?!//)\s*(?P<value>.*?)\s*$"
    )
    secretish = re.compile(r"secret|passw|passwd|token|api_?key", re.I)
    credentials = re.compile(r"://[^:/@\s]+:(?P<value>[^@\s]+)@")
    leaks = []
    for path in _docker_files():
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            found = assignment.match(line)
            values = [found.group("value")] if found and secretish.search(found.group("key")) else []
            values += [m.group("value") for m in credentials.finditer(line)]
            if not all(_is_reference(value) for value in values):
                leaks.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not leaks, "literal secrets:\n" + "\n".join(leaks)


def test_local_env_file_is_ignored_by_git() -> None:
    assert ".env" in (DOCKER / ".gitignore").read_text().splitlines()


# ---------------------------------------------------------------- entrypoint rendering


VALID_ENV = {
    "AMI_SECRET": "ami;secret-0123456789",
    "AMI_PERMIT": "172.28.57.0/24",
    "AGENT_PASSWORD": "shared-agent-password",
    "AGENT_1003_PASSWORD": "revenue-agent-password",
    "IVR_SIP_PASSWORD": "ivr-endpoint-password",
    "SIP_BACKEND_NET": "172.28.57.0/24",
    "PSTN_TRUNK_CONTACT": "sip:198.51.100.7:5060",
    "PSTN_TRUNK_MATCH": "198.51.100.7",
    "RTP_PORT_START": "10000",
    "RTP_PORT_END": "10099",
}


def render(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    sh = shutil.which("sh")
    assert sh, "a POSIX sh is needed to run docker/asterisk/entrypoint.sh"
    return subprocess.run(
        [sh, str(ASTERISK / "entrypoint.sh"), "--render-only"],
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "CC_ASTERISK_TEMPLATE_DIR": str(ETC),
            "CC_ASTERISK_CONFIG_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_entrypoint_renders_secrets_from_the_environment(tmp_path: Path) -> None:
    result = render(tmp_path, VALID_ENV)
    assert result.returncode == 0, result.stderr
    user = section(tmp_path / "manager.conf", "callcentre")
    assert user.get("secret") == r"ami\;secret-0123456789"  # ';' would start a comment unescaped
    assert user.get("permit") == "172.28.57.0/24"
    passwords = {s.name: s.get("password") for s in read_conf(tmp_path / "pjsip.conf") if s.get("password")}
    assert passwords == {
        "1001": "shared-agent-password",
        "1002": "shared-agent-password",
        "1003": "revenue-agent-password",
        "1004": "shared-agent-password",
        "ivr": "ivr-endpoint-password",  # no fallback to AGENT_PASSWORD
    }
    assert (tmp_path / "manager.conf").stat().st_mode & 0o777 == 0o640
    # Optional NAT lines are left out rather than set to "".
    assert "external_media_address" not in (tmp_path / "pjsip.conf").read_text()
    # The dialplan's ${...} are Asterisk's, not the entrypoint's: copied byte for byte.
    assert (tmp_path / "extensions.conf").read_bytes() == EXTENSIONS.read_bytes()


def test_entrypoint_sets_nat_options_only_when_given(tmp_path: Path) -> None:
    env = {**VALID_ENV, "SIP_EXTERNAL_ADDRESS": "203.0.113.5", "SIP_LOCAL_NET": "10.0.0.0/8,192.168.0.0/16"}
    assert render(tmp_path, env).returncode == 0
    transport = section(tmp_path / "pjsip.conf", "transport-udp")
    assert transport.get("external_media_address") == "203.0.113.5"
    assert transport.get("external_signaling_address") == "203.0.113.5"
    assert transport.all("local_net") == ["10.0.0.0/8,192.168.0.0/16", "172.28.57.0/24"]


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"AMI_SECRET": ""}, "AMI_SECRET is not set"),
        ({"AGENT_PASSWORD": ""}, "AGENT_1001_PASSWORD is not set"),
        ({"IVR_SIP_PASSWORD": ""}, "IVR_SIP_PASSWORD is not set"),
        ({"IVR_SIP_PASSWORD": "short"}, "IVR_SIP_PASSWORD is shorter than 12 characters"),
        ({"AMI_SECRET": "short"}, "AMI_SECRET is shorter than 12 characters"),
        ({"AMI_SECRET": "long-enough-secret\nwrite = all"}, "AMI_SECRET contains a line break"),
    ],
)
def test_entrypoint_refuses_a_missing_or_unsafe_secret(
    tmp_path: Path, change: dict[str, str], complaint: str
) -> None:
    result = render(tmp_path, {**VALID_ENV, **change})
    assert result.returncode != 0
    assert complaint in result.stderr
    assert "docker/.env" in result.stderr
    assert not (tmp_path / "manager.conf.tmp").exists()
