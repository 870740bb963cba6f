"""The committed stubs match the proto, and the shared Verdict mirrors the proto enum."""

from pathlib import Path

from reward_server.api import generate, reward_pb2
from reward_server.outcome import Verdict


def test_committed_stubs_match_the_proto():
    committed_dir = Path(generate.__file__).parent
    for name, text in generate.generate().items():
        committed = (committed_dir / name).read_text()
        assert committed == text, (
            f"{name} is out of date with proto/reward/v1/reward.proto; "
            "run `python -m reward_server.api.generate`"
        )


def test_verdict_enum_mirrors_the_proto():
    proto = {v.name: v.number for v in reward_pb2.DESCRIPTOR.enum_types_by_name["Verdict"].values}
    assert proto == {v.name: int(v) for v in Verdict}


def test_fixed_names_are_present():
    service = reward_pb2.DESCRIPTOR.services_by_name["RewardService"]
    assert service.full_name == "reward.v1.RewardService"
    assert {m.name for m in service.methods} >= {"Score", "ScoreStream", "GetServerInfo"}
    stream = service.methods_by_name["ScoreStream"]
    assert stream.client_streaming and stream.server_streaming
    fields = {
        "Group": ["group_id", "task", "completions", "reward"],
        "CompletionScore": [
            "reward",
            "verdict",
            "components",
            "extracted_answer",
            "tests_passed",
            "tests_total",
            "detail",
        ],
        "GroupResult": ["group_id", "scores", "reward_mean", "reward_std"],
        "RewardSpec": ["format_weight", "max_length", "overlong_buffer"],
    }
    for message, names in fields.items():
        descriptor = reward_pb2.DESCRIPTOR.message_types_by_name[message]
        numbers = [descriptor.fields_by_name[n].number for n in names]
        assert numbers == list(range(1, len(names) + 1)), message
