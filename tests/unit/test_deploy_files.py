"""The deployment files (docker-compose.yml, deploy/*.Dockerfile, deploy/k8s/) agree with the code.

Docker cannot run on the development machines, so these checks are what stands between a
renamed setting, a new endpoints.yml variable or a changed command line and a deployment that
breaks only in production: every variable a container is given is one the code reads, the
engine gets every endpoints.yml variable, the containers run the commands bot/stack.py runs,
the images install from the lock files as the Makefile does, and only the gateway is public.
"""

from __future__ import annotations

import importlib
import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import make_url

from bot.settings import ROOT, Settings
from bot.stack import ENGINE_TUNING, Stack, lock_store_environment

DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
SECRET_EXAMPLE = K8S / "secret.example.yaml"
DOCKERFILES = {"engine": DEPLOY / "engine.Dockerfile", "app": DEPLOY / "app.Dockerfile"}

SETTINGS_NAMES = {name.upper() for name in Settings.model_fields}
ENDPOINT_NAMES = set(re.findall(r"\$\{(\w+)\}", (ROOT / "endpoints.yml").read_text()))
# Read by the interpreter or the image, whichever process runs.
PROCESS_NAMES = {"PATH", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}
ALLOWED_NAMES = {
    "engine": ENDPOINT_NAMES
    | PROCESS_NAMES
    | set(ENGINE_TUNING)
    | {"TF_CPP_MIN_LOG_LEVEL", "RASA_TELEMETRY_ENABLED", "ENGINE_AUTH_TOKEN"},
    # SANIC_HOST: rasa-sdk's listening address (bot/stack.py sets it too).
    "app": SETTINGS_NAMES | PROCESS_NAMES | {"SANIC_HOST"},
    "postgres": {"POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD", "PGDATA"},
    "redis": set(),
}
# The app settings every app container needs: Settings() is built whole, and without the two
# secrets it would try to write per-checkout secrets under var/ (not writable in the image).
APP_REQUIRED = {"DATABASE_URL", "PSEUDONYM_SECRET", "SESSION_SECRET", "ENGINE_AUTH_TOKEN", "OUTBOUND_KEYS"}
# Flags whose value differs in a container (its network, its model file); all others must match.
DEPLOYMENT_VALUES = {"--interface", "--host", "--model", "--auth-token"}
INTERPOLATION = re.compile(r"\$\{(\w+)(?:(?::?[-?])([^}]*))?\}")
ENV_LINE = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=", re.MULTILINE)


# --- reading the files -----------------------------------------------------------------------
def dockerfile_stages(path: Path) -> list[list[tuple[str, str]]]:
    """Instructions per stage, continuation lines joined and comments dropped."""
    joined = re.sub(
        r"\\\n", " ", "\n".join(line for line in path.read_text().splitlines() if not line.startswith("#"))
    )
    stages: list[list[tuple[str, str]]] = []
    for line in joined.splitlines():
        if not line.strip():
            continue
        keyword, _, rest = line.strip().partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append((keyword.upper(), rest.strip()))
    return stages


def image_env(kind: str) -> dict[str, str]:
    pairs = [shlex.split(rest) for word, rest in dockerfile_stages(DOCKERFILES[kind])[-1] if word == "ENV"]
    return dict(token.split("=", 1) for tokens in pairs for token in tokens)


def image_command(kind: str) -> list[str]:
    commands = [json.loads(rest) for word, rest in dockerfile_stages(DOCKERFILES[kind])[-1] if word == "CMD"]
    assert len(commands) == 1, f"{DOCKERFILES[kind].name}: one CMD, in JSON form"
    return commands[0]


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def interpolate(value: str) -> str:
    """Compose's ${NAME}, ${NAME:?message} and ${NAME:-default}, with a stand-in value."""
    return INTERPOLATION.sub(lambda m: m.group(2) if "-" in m.group(0) else f"<{m.group(1)}>", value)


def compose_strings(node: Any = None) -> Iterator[str]:
    """Every key and value of docker-compose.yml (where compose interpolates; comments excluded)."""
    node = compose() if node is None else node
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        if isinstance(key, str):
            yield key
        if isinstance(value, str):
            yield value
        else:
            yield from compose_strings(value)


def interpolated_names() -> set[str]:
    return {m.group(1) for text in compose_strings() for m in INTERPOLATION.finditer(text)}


def env_example_names() -> set[str]:
    return set(ENV_LINE.findall(ENV_EXAMPLE.read_text()))


def k8s_documents() -> list[dict[str, Any]]:
    return [doc for path in sorted(K8S.glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc]


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [doc for doc in k8s_documents() if doc["kind"] == kind]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return workload["spec"]["template"]["spec"]


WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job", "CronJob")


@dataclass
class Container:
    """One container of the deployment, wherever it is defined, with what it is given."""

    where: str
    kind: str  # which image: engine, app, postgres or redis
    env: dict[str, str | None]  # None: the value comes from a Secret
    command: list[str]


def image_kind(image: str) -> str:
    for kind in ("engine", "app", "postgres", "redis"):
        if re.match(rf"(getonline-)?{kind}[:@]", image.rsplit("/", 1)[-1]):
            return kind
    raise AssertionError(f"unknown image {image}")


def compose_containers() -> Iterator[Container]:
    example = env_example_names()
    for name, service in compose()["services"].items():
        kind = image_kind(service["image"])
        env = dict(service.get("environment") or {})
        env.update({variable: None for variable in (example if service.get("env_file") else ())})
        if kind in DOCKERFILES:
            env = {**image_env(kind), **env}
        command = service.get("command") or (image_command(kind) if kind in DOCKERFILES else [])
        yield Container(f"docker-compose.yml: {name}", kind, env, command)


def k8s_containers() -> Iterator[Container]:
    maps = {doc["metadata"]["name"]: doc["data"] for doc in of_kind("ConfigMap")}
    for workload in (doc for doc in k8s_documents() if doc["kind"] in WORKLOAD_KINDS):
        spec = pod_spec(workload)
        for container in spec.get("initContainers", []) + spec["containers"]:
            kind = image_kind(container["image"])
            env: dict[str, str | None] = dict(image_env(kind)) if kind in DOCKERFILES else {}
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    env.update(maps[source["configMapRef"]["name"]])
                else:
                    env.update(dict.fromkeys(yaml.safe_load(SECRET_EXAMPLE.read_text())["stringData"]))
            env.update({item["name"]: item.get("value") for item in container.get("env", [])})
            # Kubernetes: `command` replaces the image's command; `args` alone replaces its CMD.
            command = container.get("command", []) + container.get("args", [])
            if not command and kind in DOCKERFILES:
                command = image_command(kind)
            yield Container(
                f"{workload['kind']} {workload['metadata']['name']}: {container['name']}", kind, env, command
            )


def all_containers() -> list[Container]:
    return [*compose_containers(), *k8s_containers()]


def by_name(containers: list[Container], name: str) -> Container:
    (found,) = [c for c in containers if c.where.endswith(f": {name}")]
    return found


def unwrap(argv: list[str]) -> list[str]:
    """The program a `sh -c "exec ..."` wrapper runs."""
    if argv[:2] == ["sh", "-c"]:
        argv = shlex.split(argv[2])
        return argv[1:] if argv[0] == "exec" else argv
    return argv


def shape(argv: list[str]) -> list[str]:
    """The command with its interpreter dropped and deployment-specific values blanked."""
    assert Path(argv[0]).name.startswith("python"), argv
    out, blank = [], False
    for token in argv[1:]:
        out.append("<value>" if blank else token)
        blank = token in DEPLOYMENT_VALUES and not blank
    return out


def flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


# --- what containers are given ---------------------------------------------------------------
@pytest.mark.parametrize("container", all_containers(), ids=lambda c: c.where)
def test_every_variable_a_container_gets_is_read_by_its_code(container: Container) -> None:
    unknown = set(container.env) - ALLOWED_NAMES[container.kind]
    if container.where.startswith("docker-compose") and container.kind == "app":
        unknown -= interpolated_names()
    assert not unknown, (
        f"{container.where} sets {sorted(unknown)}: not in bot/settings.py, endpoints.yml or Rasa"
    )


def test_the_engine_gets_every_endpoints_variable() -> None:
    engines = [c for c in all_containers() if c.kind == "engine"]
    assert len(engines) == 2  # compose and Kubernetes
    for engine in engines:
        missing = ENDPOINT_NAMES - set(engine.env)
        assert not missing, f"{engine.where} lacks {sorted(missing)}: Rasa refuses to start without them"


def test_every_app_container_has_the_database_and_both_secrets() -> None:
    apps = [c for c in all_containers() if c.kind == "app"]
    assert len(apps) >= 3, "the gateway, the engine and the action server, in compose and k8s"
    for container in apps:
        assert not APP_REQUIRED - set(container.env), container.where


def test_env_example_lists_every_variable_compose_uses_and_nothing_else() -> None:
    interpolated = interpolated_names()
    example = env_example_names()
    assert interpolated <= example, f"missing from .env.example: {sorted(interpolated - example)}"
    stray = example - interpolated - SETTINGS_NAMES
    assert not stray, f".env.example names {sorted(stray)}: neither compose nor bot/settings.py reads them"


def test_kubernetes_references_only_keys_that_exist() -> None:
    secret = yaml.safe_load(SECRET_EXAMPLE.read_text())["stringData"]
    maps = {doc["metadata"]["name"] for doc in of_kind("ConfigMap")}
    documents = k8s_documents()
    assert list(_walk(documents, "secretKeyRef")) and list(_walk(documents, "configMapRef"))
    for item in _walk(documents, "secretKeyRef"):
        assert item["name"] == "getonline-secrets" and item["key"] in secret, item
    for item in _walk(documents, "configMapRef"):
        assert item["name"] in maps, item


def _walk(node: Any, key: str) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        for name, value in node.items():
            if name == key:
                yield value
            yield from _walk(value, key)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value, key)


def test_database_urls_name_the_driver_each_side_has() -> None:
    """The app speaks psycopg 3 (SQLAlchemy 2); the engine's SQLAlchemy 1.4 has psycopg2."""
    services = compose()["services"]
    secret = yaml.safe_load(SECRET_EXAMPLE.read_text())["stringData"]
    app_urls = [services["gateway"]["environment"]["DATABASE_URL"], secret["DATABASE_URL"]]
    tracker_urls = [services["engine"]["environment"]["TRACKER_STORE_URL"], secret["TRACKER_STORE_URL"]]
    assert {make_url(interpolate(url)).drivername for url in app_urls} == {"postgresql+psycopg"}
    assert {make_url(interpolate(url)).drivername for url in tracker_urls} == {"postgresql"}


def test_several_engines_share_a_redis_lock_store() -> None:
    services = compose()["services"]
    engine = {k: str(v) for k, v in services["engine"]["environment"].items() if k.startswith("LOCK_STORE")}
    assert engine == lock_store_environment(services["gateway"]["environment"]["REDIS_URL"])
    (deployment,) = [d for d in of_kind("Deployment") if d["metadata"]["name"] == "engine"]
    assert deployment["spec"]["replicas"] >= 2
    assert by_name(list(k8s_containers()), "engine").env["LOCK_STORE_TYPE"] == "redis"


def test_several_gateways_use_the_telegram_webhook_and_redis() -> None:
    (deployment,) = [d for d in of_kind("Deployment") if d["metadata"]["name"] == "gateway"]
    assert deployment["spec"]["replicas"] >= 2
    gateway = by_name(list(k8s_containers()), "gateway")
    assert {"TELEGRAM_WEBHOOK_URL", "REDIS_URL"} <= set(gateway.env), (
        "long polling works with one gateway only"
    )


# --- what containers run ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["engine", "actions", "gateway"])
def test_containers_run_what_bot_stack_runs(name: str) -> None:
    expected = Stack(model=Path("models/x.tar.gz")).commands()[name]
    for container in (by_name(list(compose_containers()), name), by_name(list(k8s_containers()), name)):
        argv = unwrap(container.command)
        assert shape(argv) == shape(expected), container.where
        # Containers listen on their own network (kept private by compose and the NetworkPolicy).
        for option in {"--interface", "--host"} & set(argv):
            assert flag(argv, option) == "0.0.0.0", container.where
        if name == "engine":
            assert flag(argv, "--model") == "models/$(cat models/current)", container.where
            assert flag(argv, "--auth-token") == "$ENGINE_AUTH_TOKEN", container.where
            assert "ENGINE_AUTH_TOKEN" in container.env, container.where


def test_one_off_commands_exist() -> None:
    from bot.cli import _COMMAND_MODULES, cli

    for module in _COMMAND_MODULES:
        importlib.import_module(module)
    used = set()
    for container in all_containers():
        used |= set(re.findall(r"python -m bot ([\w-]+)", " ".join(container.command)))
    assert {"setup-db", "purge"} <= used
    assert used <= set(cli.commands), f"no such command: {sorted(used - set(cli.commands))}"


# --- images ----------------------------------------------------------------------------------
def makefile_python(venv: str) -> str:
    match = re.search(
        rf"\$\({venv}\)/\.installed:.*?find-python (\d+\.\d+)", (ROOT / "Makefile").read_text(), re.S
    )
    assert match, venv
    return match.group(1)


@pytest.mark.parametrize(("kind", "venv"), [("engine", "VENV_RASA"), ("app", "VENV")])
def test_images_are_pinned_and_run_as_a_user(kind: str, venv: str) -> None:
    stages = dockerfile_stages(DOCKERFILES[kind])
    python = makefile_python(venv)
    for stage in stages:
        base = stage[0][1].split()[0]
        assert re.fullmatch(rf"python:{re.escape(python)}\.\d+-slim-\w+", base), base
    users = [rest for word, rest in stages[-1] if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root"), "the final stage must run as a user"


def test_app_image_installs_as_the_makefile_does() -> None:
    makefile = (ROOT / "Makefile").read_text()
    pip_pin = re.search(r"\$\(PY\) -m pip install .*?(pip==[\d.]+)", makefile).group(1)
    requirements = re.search(r"\$\(PY\) -m pip install .*?(-r \S+ -c \S+)", makefile).group(1)
    flags = re.search(r"PIP_FLAGS\s*:=\s*(.+)", makefile).group(1).split()
    runs = " ".join(rest for word, rest in dockerfile_stages(DOCKERFILES["app"])[-1] if word == "RUN")
    installs = [part for part in runs.split("&&") if "-m pip install" in part]
    assert [pip_pin in part for part in installs] == [True, False]
    assert requirements in " ".join(installs[1].split())
    assert all(set(flags) <= set(part.split()) for part in installs)


def test_engine_image_trains_with_the_makefile() -> None:
    builder = dockerfile_stages(DOCKERFILES["engine"])[0]
    runs = [rest for word, rest in builder if word == "RUN"]
    assert any(re.search(r"\bmake model\b", run) for run in runs)
    assert re.search(r"^model:", (ROOT / "Makefile").read_text(), re.M)


def test_third_party_images_are_pinned() -> None:
    images = [s["image"] for s in compose()["services"].values()] + [
        c["image"] for w in k8s_documents() if w["kind"] in WORKLOAD_KINDS for c in pod_spec(w)["containers"]
    ]
    assert any(image.startswith("postgres") for image in images), images
    for image in images:
        name, _, tag = image.rpartition(":")
        if name.startswith("postgres") or name.startswith("redis"):
            major = "15" if name.startswith("postgres") else "7"
            assert re.fullmatch(rf"{major}\.\d+(\.\d+)?(-\w+)?", tag), image
        else:
            assert tag and tag != "latest", image
    for entry in yaml.safe_load((K8S / "kustomization.yaml").read_text())["images"]:
        assert re.fullmatch(r"\d+\.\d+\.\d+", entry["newTag"]), entry


# --- what is public --------------------------------------------------------------------------
def test_only_the_gateway_is_published_by_compose() -> None:
    services = compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"gateway"}
    assert not any("network_mode" in service for service in services.values())
    engine = services["engine"]
    assert "container_name" not in engine and "expose" not in engine, "the engine must stay scalable"


def test_only_the_gateway_is_reachable_from_outside_the_cluster() -> None:
    for service in of_kind("Service"):
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP", service["metadata"]["name"]
    backends = {path["backend"]["service"]["name"] for ingress in of_kind("Ingress")
                for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]}  # fmt: skip
    assert backends == {"gateway"}
    for workload in (doc for doc in k8s_documents() if doc["kind"] in WORKLOAD_KINDS):
        spec = pod_spec(workload)
        assert not spec.get("hostNetwork"), workload["metadata"]["name"]
        assert not [p for c in spec["containers"] for p in c.get("ports", []) if "hostPort" in p]
    (policy,) = [p for p in of_kind("NetworkPolicy") if p["metadata"]["name"] == "engine"]
    sources = [source for rule in policy["spec"]["ingress"] for source in rule["from"]]
    assert sources == [{"podSelector": {"matchLabels": {"app.kubernetes.io/component": "gateway"}}}]


# --- compose ---------------------------------------------------------------------------------
def test_compose_starts_things_in_order_and_knows_when_they_are_up() -> None:
    services = compose()["services"]
    for name in ("postgres", "redis", "engine", "actions", "gateway"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for name, service in services.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert rule["condition"] in ("service_healthy", "service_completed_successfully"), (
                name,
                dependency,
            )
    for name in ("actions", "gateway", "purge"):
        assert services[name]["depends_on"]["setup"]["condition"] == "service_completed_successfully"
    assert services["gateway"]["depends_on"]["engine"]["condition"] == "service_healthy"


# --- Kubernetes ------------------------------------------------------------------------------
def test_every_pod_is_probed_and_asks_for_resources() -> None:
    for workload in (doc for doc in k8s_documents() if doc["kind"] in WORKLOAD_KINDS):
        spec = pod_spec(workload)
        for container in spec.get("initContainers", []) + spec["containers"]:
            where = f"{workload['metadata']['name']}/{container['name']}"
            assert {"cpu", "memory"} <= set(container.get("resources", {}).get("requests", {})), where
        if workload["kind"] in ("Deployment", "StatefulSet"):
            assert all("readinessProbe" in c for c in spec["containers"]), workload["metadata"]["name"]
    (engine,) = [d for d in of_kind("Deployment") if d["metadata"]["name"] == "engine"]
    # /status needs the engine's token, which a probe cannot carry; /version answers once loaded.
    assert pod_spec(engine)["containers"][0]["readinessProbe"]["httpGet"]["path"] == "/version"


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    template = workload["spec"]["jobTemplate"]["spec"] if workload["kind"] == "CronJob" else workload["spec"]
    return template["template"]["metadata"]["labels"]


def test_selectors_match_pods() -> None:
    workloads = [doc for doc in k8s_documents() if doc["kind"] in WORKLOAD_KINDS]
    assert any(w["kind"] == "Deployment" for w in workloads) and of_kind("Service")
    for workload in (w for w in workloads if w["kind"] in ("Deployment", "StatefulSet")):
        assert workload["spec"]["selector"]["matchLabels"].items() <= pod_labels(workload).items()
    selectors = [s["spec"]["selector"] for s in of_kind("Service")]
    selectors += [p["spec"]["selector"]["matchLabels"] for p in of_kind("PodDisruptionBudget")]
    for selector in selectors:
        assert any(selector.items() <= pod_labels(w).items() for w in workloads), selector


def test_autoscalers_target_deployments_that_request_cpu() -> None:
    deployments = {d["metadata"]["name"]: d for d in of_kind("Deployment")}
    targets = {h["spec"]["scaleTargetRef"]["name"] for h in of_kind("HorizontalPodAutoscaler")}
    assert targets == {"engine", "actions"}
    for name in targets:
        assert all("cpu" in c["resources"]["requests"] for c in pod_spec(deployments[name])["containers"])


def test_kustomization_lists_every_manifest_but_the_example_secret() -> None:
    resources = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    manifests = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", SECRET_EXAMPLE.name}
    assert resources == manifests
