"""Image builds: steps retried on transient failures; a new build removes the older tags
of its repository nobody uses."""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import pytest

from reward_server.verifiers.code import owners
from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.images import (
    ImageBuildError,
    StepFailed,
    docker_step,
    image_exists,
    image_tag,
    remove_superseded,
    run_step,
    with_retries,
)
from reward_server.verifiers.code.runtimes import load_runtimes

REPO = "reward-sandbox-hygiene-test"

# A build step as a real process: it fails (like a mirror answering 503) until it has
# been started `fail_times` times, counting its starts in a file.
FLAKY_STEP = """
import sys
from pathlib import Path
counter, fail_times = Path(sys.argv[1]), int(sys.argv[2])
starts = int(counter.read_text() or 0) + 1 if counter.exists() else 1
counter.write_text(str(starts))
if starts <= fail_times:
    for i in range(30):
        print(f"Get:{i} http://deb.debian.org/debian bookworm/main some-package")
    print(f"E: Failed to fetch ... 503 Service Unavailable (start {starts})", file=sys.stderr)
    sys.exit(100)
print("I: Base system installed successfully.")
"""


def flaky(tmp_path: Path, fail_times: int):
    counter = tmp_path / "starts"
    cmd = [sys.executable, "-c", FLAKY_STEP, str(counter), str(fail_times)]
    return (lambda: run_step(cmd)), counter


def test_a_step_that_fails_twice_then_succeeds_is_retried(tmp_path):
    step, counter = flaky(tmp_path, fail_times=2)
    t0 = time.monotonic()
    out = with_retries(step, "reward-sandbox-test:1", "debootstrap", backoff_s=0.1)
    assert "installed successfully" in out
    assert counter.read_text() == "3"
    assert time.monotonic() - t0 >= 0.1 + 0.2  # backoff doubles between tries


def test_a_step_that_keeps_failing_names_the_image_the_step_and_its_output(tmp_path):
    step, counter = flaky(tmp_path, fail_times=99)
    with pytest.raises(ImageBuildError) as info:
        with_retries(step, "reward-sandbox-test:1", "debootstrap", attempts=3, backoff_s=0)
    message = str(info.value)
    assert counter.read_text() == "3"  # bounded
    assert "reward-sandbox-test:1" in message and "debootstrap failed 3 times" in message
    assert "exited with 100" in message
    assert "503 Service Unavailable (start 3)" in message  # the last try's output
    assert "Get:29 " in message and "Get:0 " not in message  # its last lines only
    assert isinstance(info.value.__cause__, StepFailed)


def test_other_errors_are_not_retried(tmp_path):
    calls = []

    def broken() -> None:
        calls.append(1)
        raise ValueError("a bug, not a mirror hiccup")

    with pytest.raises(ValueError):
        with_retries(broken, "reward-sandbox-test:1", "docker build", backoff_s=0)
    assert calls == [1]


@pytest.mark.docker
def test_a_failing_docker_build_carries_its_log(docker_client):
    base = image_tag(load_runtimes(SandboxConfig().sandboxes_dir, ("python",))["python"])
    dockerfile = f"FROM {base}\nRUN echo mirror-said-503 && false\n".encode()
    with pytest.raises(StepFailed) as info:
        docker_step(
            # forcerm: a failed step's container is removed too, as the product's builds do
            lambda: docker_client.images.build(
                fileobj=io.BytesIO(dockerfile), rm=True, forcerm=True
            )
        )
    assert "docker build" in info.value.why
    assert "mirror-said-503" in info.value.output


@pytest.mark.docker
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
