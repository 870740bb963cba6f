"""Code tasks through the real server with --code: a real Docker engine, real sandboxes."""

from __future__ import annotations

import grpc
from conftest import requires_docker

from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.client import RewardClient, code_group

V = reward_pb2.Verdict


pytestmark = requires_docker


def test_server_info_lists_languages_and_limits(code_server):
    info = RewardClient(code_server.address).info()
    assert list(info.verifiers) == ["math", "code"]
    assert {"python", "cpp"} <= set(info.languages)
    assert info.limits.default_time_limit_s > 0 and info.limits.max_memory_mb > 0
    assert all(li.image for li in info.language_info)


def test_python_function_and_io_tasks(code_server):
    good = "```python\ndef add(a, b):\n    return a + b\n```"
    bad = "```python\ndef add(a, b):\n    return a - b\n```"
    cheat = "```python\nimport sys\nsys.exit(0)\n```"
    fn = code_group(
        "python",
        [good, bad, cheat, "no code here"],
        function=("add", [([1, 2], 3), ([5, 5], 10)]),
        group_id="fn",
    )
    io = code_group(
        "cpp",
        [
            "```cpp\n#include <iostream>\nint main(){int a,b;std::cin>>a>>b;"
            "std::cout<<a*b<<std::endl;}\n```"
        ],
        io_cases=[("3 4\n", "12\n"), ("5 6\n", "30\n")],
        group_id="io",
    )
    with RewardClient(code_server.address) as client:
        results = {r.group_id: r for r in client.score_stream([fn, io])}
    verdicts = [s.verdict for s in results["fn"].scores]
    assert verdicts[0] == V.CORRECT and results["fn"].scores[0].tests_passed == 2
    assert verdicts[1] == V.WRONG
    assert verdicts[2] != V.CORRECT
    assert verdicts[3] == V.NO_ANSWER
    assert results["io"].scores[0].verdict == V.CORRECT
    assert results["io"].scores[0].tests_total == 2


def test_bad_code_task_is_a_group_error(code_server):
    stub = reward_pb2_grpc.RewardServiceStub(grpc.insecure_channel(code_server.address))
    group = code_group("cobol", ["x"], io_cases=[("", "")], group_id="x")
    [result] = stub.Score(reward_pb2.ScoreRequest(groups=[group]), timeout=30).results
    assert result.error.code == "INVALID_ARGUMENT" and not result.scores
    assert "cobol" in result.error.message and "python" in result.error.message


def test_results_show_at_most_200_characters_of_the_program(code_server):
    program = "x = 1\n" * 2000 + "print(1)\n"
    group = code_group("python", [f"```python\n{program}```"], io_cases=[("", "1\n")])
    [result] = RewardClient(code_server.address).score([group])
    shown = result.scores[0].extracted_answer
    assert result.scores[0].verdict == V.CORRECT
    assert len(shown) <= 200 and shown.startswith("x = 1\n")
    assert shown.endswith(f"... [{len(program)} characters]")
