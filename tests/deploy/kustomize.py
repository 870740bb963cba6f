"""A small kustomize renderer for the subset deploy/kubernetes/ uses, so the tests run offline.

No kustomize binary installs from PyPI or Debian, so this renders what the manifests use
and refuses anything else (an unknown kustomization field, a strategic-merge patch): a
manifest that needs more of kustomize fails here instead of being rendered wrongly.

Supported, with kustomize's semantics:
- `resources`: YAML files and directories holding a kustomization.yaml, rendered first;
- `patches`: inline or file JSON 6902 patches (add, remove, replace) with a `target` of
  kind and name;
- `images`: `name` matched against the image without tag or digest, set `newName`,
  `newTag` or `digest` (applied to containers and initContainers of pod templates);
- `namespace`: set on every namespaced object.
Transformers apply in that order at each level, after the levels below.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

SUPPORTED_FIELDS = {"apiVersion", "kind", "namespace", "resources", "patches", "images"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume"}


class UnsupportedKustomization(ValueError):
    """The kustomization uses a kustomize feature this renderer does not implement."""


def render(directory: Path) -> list[dict[str, Any]]:
    """The objects `kustomize build directory` would print, for the supported subset."""
    kfile = directory / "kustomization.yaml"
    spec = yaml.safe_load(kfile.read_text())
    unknown = set(spec) - SUPPORTED_FIELDS
    if unknown:
        raise UnsupportedKustomization(f"{kfile}: unsupported fields {sorted(unknown)}")
    objects: list[dict[str, Any]] = []
    for entry in spec.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            objects.extend(render(path))
        else:
            objects.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    for patch in spec.get("patches", []):
        _apply_patch(directory, patch, objects)
    for image in spec.get("images", []):
        _set_image(image, objects)
    if "namespace" in spec:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj.setdefault("metadata", {})["namespace"] = spec["namespace"]
    return objects


def _apply_patch(directory: Path, patch: dict[str, Any], objects: list[dict[str, Any]]) -> None:
    unknown = set(patch) - {"target", "patch", "path"}
    if unknown or "target" not in patch:
        raise UnsupportedKustomization(f"patch needs a target and no {sorted(unknown)}")
    text = patch["patch"] if "patch" in patch else (directory / patch["path"]).read_text()
    ops = yaml.safe_load(text)
    if not isinstance(ops, list):
        raise UnsupportedKustomization("only JSON 6902 patches (a list of operations)")
    target = patch["target"]
    if set(target) - {"kind", "name"}:
        raise UnsupportedKustomization(f"patch target by kind and name only: {target}")
    matched = [
        o
        for o in objects
        if o["kind"] == target.get("kind", o["kind"])
        and o["metadata"]["name"] == target.get("name", o["metadata"]["name"])
    ]
    if not matched:
        # kustomize accepts a patch that matches nothing; here it is always a mistake.
        raise ValueError(f"patch target {target} matches no object")
    for obj in matched:
        for op in ops:
            _json_patch(obj, op)


def _json_patch(doc: dict[str, Any], op: dict[str, Any]) -> None:
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in op["path"].split("/")[1:]]
    parent: Any = doc
    for token in tokens[:-1]:
        parent = parent[int(token)] if isinstance(parent, list) else parent[token]
    last = tokens[-1]
    kind = op["op"]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if kind == "add":
            parent.insert(index, copy.deepcopy(op["value"]))
        elif kind == "replace":
            parent[index] = copy.deepcopy(op["value"])
        elif kind == "remove":
            del parent[index]
        else:
            raise UnsupportedKustomization(f"JSON patch op {kind!r}")
    else:
        if kind in ("replace", "remove") and last not in parent:
            raise ValueError(f"{op['path']} does not exist (op {kind})")
        if kind in ("add", "replace"):
            parent[last] = copy.deepcopy(op["value"])
        elif kind == "remove":
            del parent[last]
        else:
            raise UnsupportedKustomization(f"JSON patch op {kind!r}")


def image_name(image: str) -> str:
    """The image without its tag or digest (a registry port's colon is kept)."""
    name = image.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


def _set_image(entry: dict[str, Any], objects: list[dict[str, Any]]) -> None:
    if set(entry) - {"name", "newName", "newTag", "digest"}:
        raise UnsupportedKustomization(f"images entry {entry}")
    for container in pod_containers(objects):
        image = container["image"]
        if image_name(image) != entry["name"]:
            continue
        name = entry.get("newName", entry["name"])
        rest = image[len(image_name(image)) :]
        if "digest" in entry:
            rest = "@" + entry["digest"]
        elif "newTag" in entry:
            rest = ":" + str(entry["newTag"])
        container["image"] = name + rest


def pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The pod spec of a workload object (Deployment, DaemonSet, Job ...), if it has one."""
    template = obj.get("spec", {}).get("template")
    if obj["kind"] == "CronJob":
        template = obj["spec"]["jobTemplate"]["spec"]["template"]
    return template["spec"] if template else None


def pod_containers(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every container and init container of every pod template in `objects`."""
    found = []
    for obj in objects:
        spec = pod_spec(obj)
        if spec:
            found.extend(spec.get("containers", []) + spec.get("initContainers", []))
    return found
