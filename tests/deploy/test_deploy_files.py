"""The deployment files agree with the code: checked by parsing, since no Docker engine is here.

- every service of the dev runner is in docker-compose.yml and has a Kubernetes Deployment;
- every `python -m <module>` they run is importable, as the dev runner starts it;
- every environment variable they set is read by that process's settings class (names derived
  from the pydantic-settings classes themselves), and the values validate;
- every health check and probe hits the port the service listens on (its HTTP_PORT);
- the Dockerfile's final stage runs as a non-root user.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices, AliasPath
from pydantic_settings import BaseSettings

from pytake_shared import secrets
from pytake_shared.topics import DEFAULT_PARTITIONS
from pytake_tools.devsecrets import env_file
from pytake_tools.stack import DEFAULT_PORTS, SERVICES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
K8S_DIR = ROOT / "deploy" / "k8s"

# The process each `python -m` module starts, and where its settings class lives.
SETTINGS_CLASSES: dict[str, tuple[str, str]] = {
    "pytake_ingress": ("pytake_ingress.settings", "IngressSettings"),
    "pytake_router": ("pytake_router.settings", "RouterSettings"),
    "pytake_executor": ("pytake_executor.settings", "ExecutorSettings"),
    "pytake_sender": ("pytake_sender.settings", "SenderSettings"),
    "pytake_analytics": ("pytake_analytics.settings", "AnalyticsSettings"),
    "pytake_tools.metasim": ("pytake_tools.metasim.settings", "SimulatorSettings"),
}
# Read by the interpreter, not by the settings.
ALLOWED_EXTRA_ENV = {"PYTHONUNBUFFERED"}
INFRASTRUCTURE = {"kafka", "postgres", "kafka-c1", "kafka-c2", "kafka-c3"}
INTERPOLATION = re.compile(
    r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?:(?::?-(?P<default>[^}]*))|(?::\?(?P<required>[^}]*)))?\}"
)
SECRETS = {
    "PYTAKE_CONFIG_KEY",
    "META_APP_SECRET",
    "WEBHOOK_VERIFY_TOKEN",
    "JWT_SECRET",
    "PYTAKE_ADMIN_EMAIL",
    "PYTAKE_ADMIN_PASSWORD",
    "POSTGRES_PASSWORD",
}


def generated_env() -> dict[str, str]:
    """The `.env` that `pytake secrets generate` writes, with META_APP_SECRET filled in."""
    text = env_file(admin_email="ops@example.com", app_secret="the-meta-app-secret-0123")
    pairs = (line.split("=", 1) for line in text.splitlines() if line and line[0] != "#")
    return dict(pairs)


# -- helpers ---------------------------------------------------------------------------------
def settings_class(module: str) -> type[BaseSettings]:
    where, name = SETTINGS_CLASSES[module]
    cls = getattr(importlib.import_module(where), name)
    assert issubclass(cls, BaseSettings)
    return cls  # type: ignore[no-any-return]


def accepted_env_names(cls: type[BaseSettings]) -> set[str]:
    """The environment variable names a pydantic-settings class reads, upper-cased.

    Per field: its validation_alias (or each string choice of AliasChoices), else its alias,
    else env_prefix + field name.
    """
    prefix = str(cls.model_config.get("env_prefix", ""))
    names: set[str] = set()
    for field_name, info in cls.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, str):
            names.add(alias)
        elif isinstance(alias, AliasChoices):
            names.update(c for c in alias.choices if isinstance(c, str))
        elif isinstance(alias, AliasPath):
            names.add(str(alias.path[0]))
        elif info.alias:
            names.add(info.alias)
        else:
            names.add(prefix + field_name)
    return {n.upper() for n in names}


def python_module(command: list[str]) -> str:
    assert isinstance(command, list), f"command must be a list (exec form), got {command!r}"
    assert len(command) == 3 and command[0] == "python" and command[1] == "-m", command
    return command[2]


def resolve_interpolation(value: str) -> str:
    """What Compose makes of `${VAR:-default}` with VAR unset (its default) and of a required
    `${VAR:?why}` (the generated `.env`'s value)."""
    env = generated_env()
    return INTERPOLATION.sub(
        lambda m: (
            env[m.group("name")] if m.group("required") is not None else m.group("default") or ""
        ),
        value,
    )


def build_settings(
    monkeypatch: pytest.MonkeyPatch, cls: type[BaseSettings], env: dict[str, str]
) -> Any:
    """Instantiate `cls` from exactly `env` (minus whatever the test process already had)."""
    with monkeypatch.context() as m:
        for name in accepted_env_names(cls):
            m.delenv(name, raising=False)
        for name, value in env.items():
            m.setenv(name, value)
        return cls()


def url_port(text: str) -> int:
    match = re.search(r"http://(?:127\.0\.0\.1|localhost):(\d+)/", text)
    assert match, f"no http://127.0.0.1:<port>/ in {text!r}"
    return int(match.group(1))


# -- docker-compose.yml ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def app_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The compose services that run the PyTake image (everything but the infrastructure)."""
    out = {name: svc for name, svc in compose["services"].items() if name not in INFRASTRUCTURE}
    assert out
    return out


def compose_env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "use the mapping form of `environment`"
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def test_compose_is_compose_spec(compose: dict[str, Any]) -> None:
    assert "version" not in compose, "the Compose spec has no `version:` key"
    assert set(compose) <= {"name", "services", "volumes", "networks", "secrets", "configs"} | {
        k for k in compose if k.startswith("x-")
    }


def test_every_service_is_in_compose(app_services: dict[str, dict[str, Any]]) -> None:
    assert set(SERVICES) == {"ingress", "router", "executor", "sender", "analytics"}
    for name in SERVICES:
        assert name in app_services, f"{name} missing from docker-compose.yml"
        svc = app_services[name]
        assert python_module(svc["command"]) == f"pytake_{name}"
        assert "profiles" not in svc, f"{name} must start without a profile"
        assert svc.get("restart") == "unless-stopped"
    metasim = app_services["metasim"]
    assert python_module(metasim["command"]) == "pytake_tools.metasim"
    assert metasim.get("profiles") == ["dev"]


def test_compose_services_share_one_image(app_services: dict[str, dict[str, Any]]) -> None:
    images = {svc.get("image") for svc in app_services.values()}
    builds = {str(svc.get("build")) for svc in app_services.values()}
    assert images == {"pytake:local"}
    assert builds == {"."}


def test_compose_commands_are_importable(app_services: dict[str, dict[str, Any]]) -> None:
    for name, svc in app_services.items():
        module = python_module(svc["command"])
        assert importlib.util.find_spec(module) is not None, f"{name}: {module} not importable"
        assert module in SETTINGS_CLASSES, f"{name}: no settings class known for {module}"


def test_compose_env_names_are_settings_fields(app_services: dict[str, dict[str, Any]]) -> None:
    for name, svc in app_services.items():
        accepted = accepted_env_names(settings_class(python_module(svc["command"])))
        unknown = set(compose_env(svc)) - accepted - ALLOWED_EXTRA_ENV
        assert not unknown, f"{name} sets variables its settings do not read: {sorted(unknown)}"


def test_compose_env_values_validate(
    app_services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, svc in app_services.items():
        env = {k: resolve_interpolation(v) for k, v in compose_env(svc).items()}
        settings = build_settings(monkeypatch, settings_class(python_module(svc["command"])), env)
        if name == "metasim":
            assert settings.host == "0.0.0.0"
            assert settings.port == DEFAULT_PORTS["metasim"]
            assert settings.app_secret, "metasim must sign with META_APP_SECRET"
        else:
            assert settings.http_host == "0.0.0.0", f"{name} must listen on all interfaces"
            assert settings.http_port == DEFAULT_PORTS[name], name
            assert settings.kafka_bootstrap_servers == "kafka:9092"
            assert settings.kafka_enable_idempotence is True, "real Kafka supports idempotence"
            assert secrets.problems(settings.required_secrets()) == [], name


def test_compose_secrets_come_from_the_env_file_and_settings_have_defaults(
    compose: dict[str, Any],
) -> None:
    """A secret has no default (compose refuses to start without it, naming the command that
    makes the `.env`); every other setting has one, so the `.env` holds only secrets."""
    names = set()
    for match in INTERPOLATION.finditer(COMPOSE_FILE.read_text()):
        name = match.group("name")
        names.add(name)
        if name in SECRETS:
            assert match.group("required") is not None, f"${{{name}}} must be required"
            assert match.group("default") is None, f"${{{name}}} has a default"
        else:
            assert match.group("default") is not None, f"${{{name}}} has no default"
    assert names >= SECRETS
    assert set(generated_env()) >= SECRETS


def test_compose_secrets_agree(app_services: dict[str, dict[str, Any]]) -> None:
    """Shared secrets must have the same value (expression) wherever they are set."""
    seen: dict[str, str] = {}
    for svc in app_services.values():
        for key, value in compose_env(svc).items():
            if key in {"META_APP_SECRET", "PYTAKE_CONFIG_KEY", "WEBHOOK_VERIFY_TOKEN"}:
                assert seen.setdefault(key, value) == value, key


def test_compose_healthchecks_hit_the_service_port(
    app_services: dict[str, dict[str, Any]],
) -> None:
    for name, svc in app_services.items():
        env = compose_env(svc)
        port = int(env["METASIM_PORT" if name == "metasim" else "HTTP_PORT"])
        test = svc["healthcheck"]["test"]
        assert test[0] in {"CMD", "CMD-SHELL"}
        command = " ".join(test[1:])
        assert url_port(command) == port, name
        if name != "metasim":
            assert "/readyz" in command, name
        for published in svc.get("ports", []):
            assert str(published).split(":")[-1] == str(port), f"{name}: {published}"


def test_compose_published_ports(app_services: dict[str, dict[str, Any]]) -> None:
    assert app_services["analytics"]["ports"] == ["8000:8000"]
    assert app_services["ingress"]["ports"] == ["8001:8001"]
    for name in ("router", "executor", "sender"):
        assert "ports" not in app_services[name], f"{name} has nothing to publish"


def test_compose_depends_on_healthy_infrastructure(
    compose: dict[str, Any], app_services: dict[str, dict[str, Any]]
) -> None:
    services = compose["services"]
    for name in SERVICES:
        deps = app_services[name]["depends_on"]
        assert deps["kafka"] == {"condition": "service_healthy"}, name
        if name != "ingress":  # stateless
            assert deps["postgres"] == {"condition": "service_healthy"}, name
            assert "DATABASE_URL" in compose_env(app_services[name]), name
        for dep in deps:
            assert "healthcheck" in services[dep], f"{name} waits on {dep} without a healthcheck"
            assert "profiles" not in services[dep], f"{name} depends on profiled {dep}"


def test_compose_kafka_kraft(compose: dict[str, Any]) -> None:
    services = compose["services"]
    kafka = services["kafka"]
    assert kafka["image"] == "apache/kafka:3.9.0"
    env = {k: str(v) for k, v in kafka["environment"].items()}
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert "kafka-broker-api-versions.sh" in " ".join(kafka["healthcheck"]["test"])
    assert "profiles" not in kafka

    nodes = [services[f"kafka-c{i}"] for i in (1, 2, 3)]
    voters = {str(n["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"]) for n in nodes}
    assert len(voters) == 1, "the quorum voters must be identical on every node"
    voter_ids = {v.split("@")[0] for v in voters.pop().split(",")}
    node_ids = {str(n["environment"]["KAFKA_NODE_ID"]) for n in nodes}
    assert voter_ids == node_ids and len(node_ids) == 3
    assert len({str(n["environment"]["CLUSTER_ID"]) for n in nodes}) == 1
    for i, node in enumerate(nodes, start=1):
        assert node["profiles"] == ["cluster"]
        assert node["environment"]["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://kafka-c{i}:9092"
        assert "healthcheck" in node


# -- Kubernetes ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def k8s_objects() -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for path in sorted(K8S_DIR.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is None:
                continue
            assert isinstance(doc, dict) and "kind" in doc, path
            doc["__file__"] = path.name
            objects.append(doc)
    assert objects
    return objects


def of_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def container_of(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]  # type: ignore[no-any-return]


def container_env(container: dict[str, Any], objects: list[dict[str, Any]]) -> dict[str, str]:
    """Every variable the container gets, with the value it would have (placeholders for
    secrets come from secret.example.yaml)."""
    config_maps = of_kind(objects, "ConfigMap")
    secrets = of_kind(objects, "Secret")
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(config_maps[source["configMapRef"]["name"]]["data"])
        elif "secretRef" in source:
            env.update(secrets[source["secretRef"]["name"]]["stringData"])
        else:
            raise AssertionError(f"unknown envFrom {source}")
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = str(var["value"])
        elif "secretKeyRef" in var["valueFrom"]:
            ref = var["valueFrom"]["secretKeyRef"]
            data = secrets[ref["name"]]["stringData"]
            assert ref["key"] in data, f"secret {ref['name']} has no key {ref['key']}"
            env[var["name"]] = data[ref["key"]]
        elif "configMapKeyRef" in var["valueFrom"]:
            ref = var["valueFrom"]["configMapKeyRef"]
            data = config_maps[ref["name"]]["data"]
            assert ref["key"] in data, f"config map {ref['name']} has no key {ref['key']}"
            env[var["name"]] = data[ref["key"]]
        elif "fieldRef" in var["valueFrom"]:
            path = var["valueFrom"]["fieldRef"]["fieldPath"]
            assert path == "metadata.name", f"{var['name']}: only the pod's name is used"
            env[var["name"]] = f"{container['name']}-7d9f-x2k4"  # what Kubernetes would give
        else:
            raise AssertionError(f"unknown env source {var}")
    return {k: str(v) for k, v in env.items()}


def test_kustomization_lists_every_manifest(k8s_objects: list[dict[str, Any]]) -> None:
    kustomization = next(o for o in k8s_objects if o["kind"] == "Kustomization")
    listed = set(kustomization["resources"])
    files = {p.name for p in K8S_DIR.glob("*.yaml")}
    assert listed <= files, f"missing: {sorted(listed - files)}"
    unlisted = files - listed - {"kustomization.yaml"}
    assert unlisted == {"secret.example.yaml"}, "only the secret template stays out"


def test_every_service_has_a_deployment(k8s_objects: list[dict[str, Any]]) -> None:
    deployments = of_kind(k8s_objects, "Deployment")
    assert set(deployments) == set(SERVICES)
    images = {container_of(d)["image"] for d in deployments.values()}
    assert len(images) == 1, f"one image for all services, got {images}"
    for name, deployment in deployments.items():
        module = python_module(container_of(deployment)["command"])
        assert module == f"pytake_{name}"
        assert importlib.util.find_spec(module) is not None, module


def test_k8s_env_names_are_settings_fields(
    k8s_objects: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, deployment in of_kind(k8s_objects, "Deployment").items():
        container = container_of(deployment)
        cls = settings_class(python_module(container["command"]))
        env = container_env(container, k8s_objects)
        unknown = set(env) - accepted_env_names(cls) - ALLOWED_EXTRA_ENV
        assert not unknown, f"{name} gets variables its settings do not read: {sorted(unknown)}"
        settings = build_settings(monkeypatch, cls, env)
        assert settings.http_host == "0.0.0.0", name
        assert settings.http_port == DEFAULT_PORTS[name], name
        assert settings.kafka_enable_idempotence is True
        assert settings.pytake_topic_partitions == DEFAULT_PARTITIONS
        if name != "ingress":
            assert "DATABASE_URL" in env, name


def test_k8s_probes_and_ports(k8s_objects: list[dict[str, Any]]) -> None:
    for name, deployment in of_kind(k8s_objects, "Deployment").items():
        container = container_of(deployment)
        http_port = int(container_env(container, k8s_objects)["HTTP_PORT"])
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports == {"http": http_port}, name
        probes = {
            kind: container[kind] for kind in ("startupProbe", "readinessProbe", "livenessProbe")
        }
        assert probes["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert probes["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        for kind, probe in probes.items():
            port = probe["httpGet"]["port"]
            assert ports.get(port, port) == http_port, f"{name} {kind} port {port}"
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == str(http_port)


def test_k8s_pods_are_hardened(k8s_objects: list[dict[str, Any]]) -> None:
    for name, deployment in of_kind(k8s_objects, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["terminationGracePeriodSeconds"] == 30, name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] != 0, name
        container = container_of(deployment)
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]), name
        assert {"cpu", "memory"} <= set(resources["limits"]), name
        selector = deployment["spec"]["selector"]["matchLabels"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items(), name


def test_k8s_services(k8s_objects: list[dict[str, Any]]) -> None:
    services = of_kind(k8s_objects, "Service")
    deployments = of_kind(k8s_objects, "Deployment")
    assert set(services) == {"analytics", "ingress"}
    for name, service in services.items():
        container = container_of(deployments[name])
        port = service["spec"]["ports"][0]
        assert port["port"] == DEFAULT_PORTS[name]
        target = port["targetPort"]
        assert {p["name"]: p["containerPort"] for p in container["ports"]}.get(
            target, target
        ) == DEFAULT_PORTS[name]
        pod_labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= pod_labels.items(), name


def test_k8s_autoscalers(k8s_objects: list[dict[str, Any]]) -> None:
    hpas = of_kind(k8s_objects, "HorizontalPodAutoscaler")
    deployments = of_kind(k8s_objects, "Deployment")
    assert set(hpas) == {"ingress", "router", "executor", "sender"}
    for name, hpa in hpas.items():
        assert hpa["apiVersion"] == "autoscaling/v2"
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", name)
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        # A consumer group cannot use more members than the topic has partitions.
        assert hpa["spec"]["maxReplicas"] <= DEFAULT_PARTITIONS, name
        metric = hpa["spec"]["metrics"][0]
        assert metric["type"] == "Resource" and metric["resource"]["name"] == "cpu"
        # An HPA-owned Deployment must not pin replicas (every apply would reset the count).
        assert "replicas" not in deployments[name]["spec"], name


# -- Dockerfile ------------------------------------------------------------------------------
def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, args = line.partition(" ")
            out.append((instruction.upper(), args.strip()))
    return out


def test_dockerfile_final_stage_runs_as_non_root() -> None:
    instructions = dockerfile_instructions()
    args = {}
    stages: list[list[tuple[str, str]]] = []
    for instruction, rest in instructions:
        if instruction == "ARG" and not stages and "=" in rest:
            key, _, value = rest.partition("=")
            args[key] = value
        if instruction == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction, rest))
    assert len(stages) >= 2, "multi-stage build expected"
    bases = [
        re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], stage[0][1].split()[0])
        for stage in stages
    ]
    assert bases == ["node:20-slim", "python:3.11-slim", "python:3.11-slim"]
    final = stages[-1]
    # The console is built in its own stage and only its files reach the image.
    assert ("COPY", "--from=console /console/dist /opt/pytake/console") in final
    users = [rest for instruction, rest in final if instruction == "USER"]
    assert users, "the final stage must set USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, f"final stage runs as {users[-1]}"
    assert ("COPY", "--from=builder /opt/venv /opt/venv") in final
    env = " ".join(rest for instruction, rest in final if instruction == "ENV")
    assert "PYTHONUNBUFFERED=1" in env


def test_dockerfile_installs_every_package() -> None:
    install = " ".join(
        rest
        for instruction, rest in dockerfile_instructions()
        if instruction == "RUN" and "pip install" in rest
    )
    assert "-c constraints.txt" in install
    assert "-e " not in install, "production installs are not editable"
    for package in ["./shared", "./tools"] + [f"./services/{s}" for s in SERVICES]:
        assert re.search(rf"{re.escape(package)}(\s|$)", install), package
        assert (ROOT / package / "pyproject.toml").is_file(), package


def test_dockerignore_keeps_local_state_out() -> None:
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", ".pytake"} <= patterns
    for copied in ("shared", "services", "tools", "constraints.txt"):
        assert copied not in patterns, f"{copied} is needed by the build"


def test_k8s_topics_are_replicated_on_the_three_broker_cluster() -> None:
    objects = [
        d for f in sorted(K8S_DIR.glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d
    ]
    common = next(
        o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "pytake-common"
    )
    brokers = common["data"]["KAFKA_BOOTSTRAP_SERVERS"].split(",")
    assert int(common["data"]["PYTAKE_TOPIC_REPLICATION"]) == len(brokers) == 3


def test_the_production_image_leaves_the_dev_extras_out() -> None:
    """The embedded broker and database and coverage are for `make dev` and the tests only."""
    install = " ".join(
        rest for instruction, rest in dockerfile_instructions() if "pip install" in rest
    )
    assert "[" not in install, "no extras in the image"
    tools = (ROOT / "tools" / "pyproject.toml").read_text()
    required = tools.split("dependencies = [", 1)[1].split("]", 1)[0]
    assert "embedded" not in required and "coverage" not in required
