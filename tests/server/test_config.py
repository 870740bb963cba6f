import argparse

import pytest

from reward_server.config import ServerConfig, add_arguments, from_sources


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def test_flags_override_environment_override_defaults():
    env = {
        "REWARD_SERVER_PORT": "6000",
        "REWARD_SERVER_MATH_TIMEOUT_S": "2.5",
        "REWARD_SERVER_CODE": "false",
    }
    cfg = from_sources(parse("--port", "7000"), env)
    assert cfg.port == 7000
    assert cfg.math_timeout_s == 2.5
    assert cfg.code is False
    assert from_sources(parse(), {}) == ServerConfig()


def test_bad_values_say_what_to_change():
    with pytest.raises(ValueError, match=r"port must be in 0\.\.65535"):
        from_sources(parse("--port", "70000"), {})
    with pytest.raises(ValueError, match="REWARD_SERVER_MATH_WORKERS"):
        from_sources(parse(), {"REWARD_SERVER_MATH_WORKERS": "many"})
    with pytest.raises(ValueError, match="max_queued_completions must be >="):
        ServerConfig(max_queued_completions=10, max_completions_per_group=20)
    with pytest.raises(ValueError, match="stream_max_undelivered must be >="):
        ServerConfig(stream_max_undelivered=10, max_completions_per_group=20)
    with pytest.raises(ValueError, match="true/false"):
        from_sources(parse(), {"REWARD_SERVER_LOG_JSON": "maybe"})
