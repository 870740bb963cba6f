"""The committed stubs match the proto, and the shared Verdict mirrors the proto enum."""

import importlib.util
from pathlib import Path

from reward_server.api import reward_pb2
from reward_server.outcome import Verdict

GENERATOR = Path(__file__).resolve().parents[1] / "scripts" / "generate_proto.py"


def _generator():
    spec = importlib.util.spec_from_file_location("generate_proto", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_stubs_match_the_proto():
    generate = _generator()
    for name, text in generate.generate().items():
        committed = (generate.OUT_DIR / name).read_text()
        assert committed == text, (
            f"{name} is out of date with proto/reward/v1/reward.proto; "
            "run `make proto` (scripts/generate_proto.py)"
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
