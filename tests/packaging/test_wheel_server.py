"""The wheel with [server], installed in a venv outside the checkout, serves --code."""

from __future__ import annotations

import zipfile

import pytest
from conftest import requires_docker
from wheel_installs import CLEAN_ENV, REPO, build_wheel, make_venv, run_in

from reward_server.api import reward_pb2
from reward_server.client import RewardClient, code_group, math_group
from reward_server.launch import launch_server

pytestmark = pytest.mark.slow

IN_SANDBOX = "reward_server/verifiers/code/in_sandbox"
ADD = "```python\na, b = map(int, input().split())\nprint(a + b)\n```"


def test_the_wheel_ships_exactly_the_files_the_sandbox_images_are_built_from(
    tmp_path_factory,
):
    # The image tags hash these files: the same set means an installed server finds the
    # images a checkout built.
    with zipfile.ZipFile(build_wheel(tmp_path_factory)) as wheel:
        shipped = {n: wheel.read(n) for n in wheel.namelist() if n.startswith(IN_SANDBOX)}
    expected = {
        p.relative_to(REPO).as_posix(): p.read_bytes()
        for p in (REPO / IN_SANDBOX).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert shipped.keys() == expected.keys()
    assert shipped == expected


@pytest.fixture(scope="module")
def server_python(tmp_path_factory):
    wheel = build_wheel(tmp_path_factory)
    return make_venv(tmp_path_factory.mktemp("server-venv") / "venv", f"{wheel}[server]")


def python_image_problem() -> str | None:
    import docker

    from reward_server.verifiers.code.config import SandboxConfig
    from reward_server.verifiers.code.images import image_exists, image_tag
    from reward_server.verifiers.code.runtimes import load_runtimes

    tag = image_tag(load_runtimes(SandboxConfig().sandboxes_dir, ("python",))["python"])
    if not image_exists(docker.from_env(), tag):
        return f"sandbox image {tag} not built (python -m reward_server.verifiers.code.build)"
    return None


@pytest.mark.docker
@requires_docker
def test_the_installed_wheel_judges_code_from_outside_the_checkout(server_python, tmp_path):
    if (problem := python_image_problem()) is not None:
        pytest.skip(problem)
    where = run_in(server_python, "import reward_server; print(reward_server.__file__)", tmp_path)
    assert str(server_python.parents[1]) in where.stdout, where.stdout + where.stderr
    flags = ["--code", "--sandbox-languages", "python", "--sandbox-pool-size", "1"]
    # No image builds: the server must find the images built from this checkout.
    flags += ["--math-workers", "1", "--no-build-sandbox-images", "--no-log-json"]
    with (
        launch_server(
            *flags, python=str(server_python), cwd=tmp_path, env=CLEAN_ENV, timeout=300
        ) as server,
        RewardClient(server.address) as client,
    ):
        code, maths = client.score(
            [
                code_group("python", [ADD, ADD.replace("+", "-")], io_cases=[("2 3", "5")]),
                math_group("4", ["\\boxed{4}"]),
            ],
            timeout=120,
        )
    V = reward_pb2.Verdict
    assert [s.verdict for s in code.scores] == [V.CORRECT, V.WRONG], code
    assert [s.verdict for s in maths.scores] == [V.CORRECT], maths
    assert server.process.returncode == 0
