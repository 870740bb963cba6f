"""What the Kubernetes manifest tests share: where the kustomizations are, which builds
exist, the API versions validated against, and finding one object by kind and name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate

ROOT = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
BUILDS = ["base", "overlays/dev", "overlays/production", "trainer"]
SERVER_BUILDS = ["base", "overlays/dev", "overlays/production"]
# 1.27: grpc probes are GA there; internalTrafficPolicy since 1.26.
API_VERSIONS = ["1.27.0", kubernetes_validate.latest_version()]


def one(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]
