"""deploy/kubernetes/: the objects are wired to each other (selectors, ports, probes,
policies, engine address); test_kubernetes_schemas.py validates them against the API.

Offline: tests/deploy/kustomize.py renders the kustomize subset the manifests use.
Nothing here talks to a cluster.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from reward_server.config import ENV_PREFIX, ServerConfig, from_sources
from reward_server.server import SERVICE_NAME

from .kustomize import image_name, pod_containers, pod_spec, render
from .manifests import ROOT, SERVER_BUILDS, one


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels / matchExpressions) selects these labels."""
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _pod_labels(obj: dict[str, Any]) -> dict[str, str]:
    return obj["spec"]["template"]["metadata"]["labels"]


def _container(obj: dict[str, Any], name: str) -> dict[str, Any]:
    spec = pod_spec(obj)
    assert spec is not None
    return next(c for c in spec["containers"] if c["name"] == name)


def _port(container: dict[str, Any], name: str) -> int:
    return next(p["containerPort"] for p in container["ports"] if p["name"] == name)


def _env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}


@pytest.fixture(scope="module", params=SERVER_BUILDS)
def server_build(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render(ROOT / request.param)


@pytest.fixture(scope="module")
def trainer() -> list[dict[str, Any]]:
    return render(ROOT / "trainer")


@pytest.mark.parametrize("name", ["overlays/dev", "overlays/production", "trainer"])
def test_deployable_builds_point_every_image_at_the_registry(name: str) -> None:
    for container in pod_containers(render(ROOT / name)):
        image = container["image"]
        assert image.startswith("REGISTRY.example/"), f"{name}: {image} has no registry set"
        assert image != image_name(image), f"{name}: {image} has no tag"


def test_production_pins_its_image_tags() -> None:
    for container in pod_containers(render(ROOT / "overlays" / "production")):
        assert not container["image"].endswith(":latest"), container["image"]


# --- the server ------------------------------------------------------------------------


def _server_config(objects: list[dict[str, Any]]) -> ServerConfig:
    data = one(objects, "ConfigMap", "reward-server-config")["data"]
    options = {ENV_PREFIX + f.upper() for f in ServerConfig.__dataclass_fields__}
    unknown = set(data) - options
    assert not unknown, f"not server options: {sorted(unknown)}"
    return from_sources(environ=data)  # raises on a bad value, as the server would


def test_the_server_options_are_valid_and_govern(server_build: list[dict[str, Any]]) -> None:
    config = _server_config(server_build)
    assert config.host == "0.0.0.0"
    assert config.code
    assert config.math_workers >= 1, "0 would count the node's cores, not the pod's"
    deployment = one(server_build, "Deployment", "reward-server")
    container = _container(deployment, "reward-server")
    # Flags win over the environment: no flag may shadow the ConfigMap.
    assert container["command"] == ["reward-server", "serve"]
    assert "args" not in container
    refs = [e["configMapRef"]["name"] for e in container["envFrom"]]
    assert refs == ["reward-server-config"]
    cpu_limit = float(container["resources"]["limits"]["cpu"])
    assert config.math_workers <= cpu_limit


def test_ports_and_probes_agree(server_build: list[dict[str, Any]]) -> None:
    config = _server_config(server_build)
    deployment = one(server_build, "Deployment", "reward-server")
    container = _container(deployment, "reward-server")
    assert _port(container, "grpc") == config.port
    assert _port(container, "metrics") == config.metrics_port
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        grpc_probe = container[probe]["grpc"]
        assert grpc_probe["port"] == config.port, probe
        # grpc.health.v1: "" is the whole server; the service name turns NOT_SERVING too
        assert grpc_probe.get("service", "") in ("", SERVICE_NAME), probe
    assert container["readinessProbe"]["grpc"]["service"] == SERVICE_NAME

    service = one(server_build, "Service", "reward-server")
    assert service["spec"]["clusterIP"] == "None", "headless: one DNS record per replica"
    ports = {p["name"]: p for p in service["spec"]["ports"]}
    assert ports["grpc"]["port"] == config.port
    assert _port(container, ports["grpc"]["targetPort"]) == config.port
    assert _port(container, ports["metrics"]["targetPort"]) == config.metrics_port

    policy = one(server_build, "NetworkPolicy", "reward-server")
    ingress_ports = {p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]}
    assert ingress_ports == {config.port, config.metrics_port}


def test_the_service_pdb_and_hpa_select_the_server_pods(
    server_build: list[dict[str, Any]],
) -> None:
    deployment = one(server_build, "Deployment", "reward-server")
    labels = _pod_labels(deployment)
    assert _matches(deployment["spec"]["selector"], labels)
    engine_labels = _pod_labels(one(server_build, "DaemonSet", "sandbox-engine"))
    service = one(server_build, "Service", "reward-server")
    assert _matches({"matchLabels": service["spec"]["selector"]}, labels)
    assert not _matches({"matchLabels": service["spec"]["selector"]}, engine_labels)
    pdb = one(server_build, "PodDisruptionBudget", "reward-server")
    assert _matches(pdb["spec"]["selector"], labels)
    assert not _matches(pdb["spec"]["selector"], engine_labels)

    hpa = one(server_build, "HorizontalPodAutoscaler", "reward-server")
    ref = hpa["spec"]["scaleTargetRef"]
    assert (ref["apiVersion"], ref["kind"], ref["name"]) == (
        "apps/v1",
        "Deployment",
        "reward-server",
    )
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    # CPU utilisation is measured against the request, so every container needs one
    for container in pod_spec(deployment)["containers"]:
        assert "cpu" in container["resources"]["requests"]


def test_termination_grace_covers_the_drain(server_build: list[dict[str, Any]]) -> None:
    config = _server_config(server_build)
    grace = pod_spec(one(server_build, "Deployment", "reward-server"))[
        "terminationGracePeriodSeconds"
    ]
    # the drain, then removing the pod's sandbox containers on the engine
    assert grace >= config.shutdown_grace_s + 15
    liveness = _container(one(server_build, "Deployment", "reward-server"), "reward-server")[
        "livenessProbe"
    ]
    # health is NOT_SERVING during the drain: liveness must not restart a draining server
    assert liveness["periodSeconds"] * liveness["failureThreshold"] > config.shutdown_grace_s
    # pid 1 is the pause container, which reaps orphaned processes (compose: init: true)
    assert pod_spec(one(server_build, "Deployment", "reward-server"))["shareProcessNamespace"]


# --- the engine ------------------------------------------------------------------------


def _daemon_json(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return json.loads(one(objects, "ConfigMap", "sandbox-engine-config")["data"]["daemon.json"])


def test_the_server_reaches_its_nodes_engine_over_tls(server_build: list[dict[str, Any]]) -> None:
    deployment = one(server_build, "Deployment", "reward-server")
    container = _container(deployment, "reward-server")
    env = _env(container)
    namespace = deployment["metadata"]["namespace"]
    engine_service = one(server_build, "Service", "sandbox-engine")
    (engine_port,) = engine_service["spec"]["ports"]
    assert env["DOCKER_HOST"] == f"tcp://sandbox-engine.{namespace}.svc:{engine_port['port']}"
    assert env["DOCKER_TLS_VERIFY"] == "1"
    # requests would verify the engine against these instead of DOCKER_CERT_PATH's ca.pem
    assert not {"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"} & set(env)
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod_spec(deployment)["volumes"]}
    assert "secret" in volumes[mounts[env["DOCKER_CERT_PATH"]]]
    assert not _config_docker_host(server_build), "the flag would bypass DOCKER_TLS_*"

    # The Docker API is stateful: a server must always reach the same engine, its node's.
    assert engine_service["spec"]["internalTrafficPolicy"] == "Local"
    daemonset = one(server_build, "DaemonSet", "sandbox-engine")
    assert _matches({"matchLabels": engine_service["spec"]["selector"]}, _pod_labels(daemonset))
    assert not _matches(
        {"matchLabels": engine_service["spec"]["selector"]}, _pod_labels(deployment)
    )
    # ... so servers run only where the DaemonSet runs an engine.
    node_labels = pod_spec(daemonset)["nodeSelector"]
    terms = pod_spec(deployment)["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]["nodeSelectorTerms"]
    assert all(_matches(term, node_labels) for term in terms)
    assert not any(_matches(term, {}) for term in terms)

    dockerd = _container(daemonset, "dockerd")
    assert _port(dockerd, engine_port["targetPort"]) == engine_port["port"]
    assert f"tcp://0.0.0.0:{engine_port['port']}" in _daemon_json(server_build)["hosts"]


def _config_docker_host(objects: list[dict[str, Any]]) -> str:
    return _server_config(objects).docker_host


def test_the_engine_is_its_own_dockerd(server_build: list[dict[str, Any]]) -> None:
    daemonset = one(server_build, "DaemonSet", "sandbox-engine")
    spec = pod_spec(daemonset)
    dockerd = _container(daemonset, "dockerd")
    assert dockerd["securityContext"]["privileged"] is True
    # through the image's entrypoint (its dind wrapper sets up cgroup nesting)
    assert "command" not in dockerd
    assert dockerd["args"][:3] == ["dockerd", "--config-file", "/etc/docker/daemon.json"]
    daemon = _daemon_json(server_build)
    assert daemon["tlsverify"] is True
    assert daemon["runtimes"]["runsc"]["path"]
    # the sandboxes have no network; runsc refuses to start them without this
    assert "--network=none" in daemon["runtimes"]["runsc"]["runtimeArgs"]
    mounts = {m["mountPath"]: m for m in dockerd["volumeMounts"]}
    for key in ("tlscacert", "tlscert", "tlskey"):
        directory = str(Path(daemon[key]).parent)
        volume = next(v for v in spec["volumes"] if v["name"] == mounts[directory]["name"])
        assert "secret" in volume
    assert mounts["/etc/docker/daemon.json"]["subPath"] == "daemon.json"
    # never the node's own container runtime: no host socket, no host runtime state
    forbidden = ("docker.sock", "containerd", "crio", "/var/lib/docker", "/run/docker")
    for volume in spec["volumes"]:
        path = volume.get("hostPath", {}).get("path", "")
        assert not any(f in path for f in forbidden), path
    assert not spec.get("hostNetwork") and not spec.get("hostPID")
    # the socket shared with the image builder lives in the pod, not on the node
    socket_dir = next(h for h in daemon["hosts"] if h.startswith("unix://"))[len("unix://") :]
    socket_volume = mounts[str(Path(socket_dir).parent)]["name"]
    assert "emptyDir" in next(v for v in spec["volumes"] if v["name"] == socket_volume)
    builder = _container(daemonset, "sandbox-images")
    assert _env(builder)["DOCKER_HOST"] == f"unix://{socket_dir}"


def test_the_sandbox_runtime_is_registered(server_build: list[dict[str, Any]]) -> None:
    runtime = _server_config(server_build).sandbox_runtime
    assert runtime == "runc" or runtime in _daemon_json(server_build)["runtimes"]


def test_production_runs_gvisor() -> None:
    assert _server_config(render(ROOT / "overlays" / "production")).sandbox_runtime == "runsc"


# --- network policies ------------------------------------------------------------------


def test_engines_are_reachable_only_from_servers(
    server_build: list[dict[str, Any]], trainer: list[dict[str, Any]]
) -> None:
    server = _pod_labels(one(server_build, "Deployment", "reward-server"))
    engine = _pod_labels(one(server_build, "DaemonSet", "sandbox-engine"))
    trainer_pod = _pod_labels(one(trainer, "Job", "grpo-train"))
    policy = one(server_build, "NetworkPolicy", "sandbox-engine")["spec"]
    assert _matches(policy["podSelector"], engine)
    assert not _matches(policy["podSelector"], server)
    assert "Ingress" in policy["policyTypes"]
    (rule,) = policy["ingress"]
    (peer,) = rule["from"]
    assert set(peer) == {"podSelector"}, "same namespace only"
    assert _matches(peer["podSelector"], server)
    assert not _matches(peer["podSelector"], trainer_pod)
    assert not _matches(peer["podSelector"], engine)
    engine_port = one(server_build, "Service", "sandbox-engine")["spec"]["ports"][0]["port"]
    assert [p["port"] for p in rule["ports"]] == [engine_port]


def test_servers_are_reachable_only_from_trainers(
    server_build: list[dict[str, Any]], trainer: list[dict[str, Any]]
) -> None:
    config = _server_config(server_build)
    server = _pod_labels(one(server_build, "Deployment", "reward-server"))
    engine = _pod_labels(one(server_build, "DaemonSet", "sandbox-engine"))
    trainer_pod = _pod_labels(one(trainer, "Job", "grpo-train"))
    policy = one(server_build, "NetworkPolicy", "reward-server")["spec"]
    assert _matches(policy["podSelector"], server)
    assert not _matches(policy["podSelector"], engine)
    grpc_rules = [r for r in policy["ingress"] if [p["port"] for p in r["ports"]] == [config.port]]
    (rule,) = grpc_rules
    for peer in rule["from"]:
        assert "podSelector" in peer and "ipBlock" not in peer
        assert _matches(peer["podSelector"], trainer_pod)
        assert not _matches(peer["podSelector"], engine)
        assert not _matches(peer["podSelector"], server)
    # egress: the engine's port and DNS, nothing else
    egress_ports = {p["port"] for r in policy["egress"] for p in r["ports"]}
    assert egress_ports == {
        53,
        one(server_build, "Service", "sandbox-engine")["spec"]["ports"][0]["port"],
    }


# --- the trainer -----------------------------------------------------------------------


def test_the_trainer_job_targets_the_headless_service(trainer: list[dict[str, Any]]) -> None:
    base = render(ROOT / "base")
    config = _server_config(base)
    job = one(trainer, "Job", "grpo-train")
    command = _container(job, "trainer")["command"]
    assert command[:2] == ["grpo-train", "train"]
    namespace = one(base, "Service", "reward-server")["metadata"]["namespace"]
    assert job["metadata"]["namespace"] == namespace
    server = command[command.index("--server") + 1]
    assert server == f"dns:///reward-server.{namespace}.svc:{config.port}"
    assert pod_spec(job)["restartPolicy"] in ("Never", "OnFailure")


# --- the files -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["base", "trainer"])
def test_every_manifest_file_is_listed_in_its_kustomization(name: str) -> None:
    directory = ROOT / name
    listed = set(yaml.safe_load((directory / "kustomization.yaml").read_text())["resources"])
    present = {p.name for p in directory.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present


def test_the_engine_image_installs_runsc_where_daemon_json_looks() -> None:
    dockerfile = (ROOT / "engine" / "Dockerfile").read_text()
    runsc = _daemon_json(render(ROOT / "base"))["runtimes"]["runsc"]["path"]
    assert f"install -m 0755 runsc {runsc}" in dockerfile
    assert "-dind" in dockerfile  # the entrypoint the DaemonSet relies on
