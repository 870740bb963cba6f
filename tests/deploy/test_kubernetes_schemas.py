"""deploy/kubernetes/: every rendered manifest is valid against the Kubernetes API schemas,
offline (kubernetes-validate ships them), and the renderer the tests use does what it
claims and refuses what it does not implement."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from .kustomize import UnsupportedKustomization, image_name, render
from .manifests import API_VERSIONS, BUILDS, ROOT, one


@pytest.fixture(scope="module", params=BUILDS)
def build(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, render(ROOT / request.param)


# --- schemas ---------------------------------------------------------------------------


@pytest.mark.parametrize("version", API_VERSIONS)
def test_every_rendered_object_is_valid_against_the_api_schema(
    build: tuple[str, list[dict[str, Any]]], version: str
) -> None:
    name, objects = build
    assert objects, f"{name} renders nothing"
    for obj in objects:
        # strict: an unknown field (a typo) is an error, as `kubectl apply` would report
        kubernetes_validate.validate(obj, version, strict=True)


def test_the_validator_rejects_what_it_should() -> None:
    deployment = one(render(ROOT / "base"), "Deployment", "reward-server")
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["grpc"]["prot"] = 1
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, API_VERSIONS[0], strict=True)
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, API_VERSIONS[0], strict=True)


def test_the_validator_needs_no_network() -> None:
    # In a fresh interpreter whose sockets all fail: the schemas come from the package.
    script = textwrap.dedent(
        f"""
        import socket
        def refuse(*args, **kwargs):
            raise OSError("network disabled")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        import sys, yaml, kubernetes_validate
        sys.path.insert(0, {str(ROOT.parents[1])!r})
        from tests.deploy.kustomize import render
        from pathlib import Path
        for obj in render(Path({str(ROOT / "overlays" / "production")!r})):
            kubernetes_validate.validate(obj, {API_VERSIONS[0]!r}, strict=True)
        print("ok")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# --- the renderer ----------------------------------------------------------------------


def test_the_renderer_refuses_what_it_does_not_implement(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: []\ncommonLabels: {a: b}\n")
    with pytest.raises(UnsupportedKustomization):
        render(tmp_path)
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [cm.yaml]\npatches:\n- target: {kind: ConfigMap, name: x}\n"
        "  patch: '{data: {a: b}}'\n"
    )
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    with pytest.raises(UnsupportedKustomization):  # strategic merge
        render(tmp_path)


def test_the_renderer_applies_images_patches_and_namespace(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    (base / "kustomization.yaml").write_text("namespace: one\nresources: [pod.yaml]\n")
    (base / "pod.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "d"},
                "spec": {
                    "template": {
                        "spec": {
                            "containers": [
                                {"name": "a", "image": "app"},
                                {"name": "b", "image": "localhost:5000/app:1"},
                            ]
                        }
                    }
                },
            }
        )
    )
    (tmp_path / "kustomization.yaml").write_text(
        textwrap.dedent(
            """
            resources: [base]
            namespace: two
            images:
              - {name: app, newName: reg.example/app, newTag: "2"}
              - {name: localhost:5000/app, digest: "sha256:abc"}
            patches:
              - target: {kind: Deployment, name: d}
                patch: |-
                  - {op: add, path: /spec/replicas, value: 3}
                  - {op: add, path: /spec/template/spec/containers/-, value: {name: c, image: x}}
            """
        )
    )
    (obj,) = render(tmp_path)
    assert obj["metadata"]["namespace"] == "two"
    assert obj["spec"]["replicas"] == 3
    images = [c["image"] for c in obj["spec"]["template"]["spec"]["containers"]]
    assert images == ["reg.example/app:2", "localhost:5000/app@sha256:abc", "x"]
    assert image_name("localhost:5000/app:1") == "localhost:5000/app"


# --- images ----------------------------------------------------------------------------
