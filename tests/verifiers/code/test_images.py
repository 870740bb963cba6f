"""Image hygiene: a new build removes the older tags of its repository nobody uses."""

from __future__ import annotations

import io

import pytest

from reward_server.verifiers.code import owners
from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.images import image_exists, image_tag, remove_superseded
from reward_server.verifiers.code.runtimes import load_runtimes

pytestmark = pytest.mark.docker

REPO = "reward-sandbox-hygiene-test"


def test_remove_superseded_keeps_current_and_images_in_use(docker_client):
    config = SandboxConfig()
    base = image_tag(load_runtimes(config.sandboxes_dir, ("python",))["python"])
    tags = [f"{REPO}:old1", f"{REPO}:old2", f"{REPO}:current"]
    other = "reward-sandbox-hygiene-other:keep"
    made = []
    try:
        for i, tag in enumerate([*tags, other]):  # distinct image ids, built in no time
            dockerfile = f"FROM {base}\nLABEL hygiene-test={i}\n".encode()
            docker_client.images.build(fileobj=io.BytesIO(dockerfile), tag=tag, rm=True)
        docker_client.images.get(tags[2]).tag(REPO, "alias-of-current")
        made.append(docker_client.containers.create(tags[1], labels={"hygiene-test": "1"}))
        # Built seconds ago: a server of the previous version may still need them.
        assert remove_superseded(docker_client, tags[2]) == []
        removed = remove_superseded(docker_client, tags[2], min_age_s=0)
        assert removed == [tags[0]]
        assert not image_exists(docker_client, tags[0])
        assert image_exists(docker_client, tags[1])  # a container still uses it
        assert image_exists(docker_client, tags[2])
        assert image_exists(docker_client, f"{REPO}:alias-of-current")  # same image
        assert image_exists(docker_client, other)  # another repository
    finally:
        for c in made:
            owners.remove(c)
        for tag in [*tags, f"{REPO}:alias-of-current", other]:
            if image_exists(docker_client, tag):
                docker_client.images.remove(tag, force=True)
