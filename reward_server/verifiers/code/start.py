"""Starts the code verifier for the registry: only with --code, and only then does the
server import the Docker SDK."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reward_server.config import ServerConfig
from reward_server.metrics import Metrics

if TYPE_CHECKING:
    from reward_server.verifiers.code.verifier import CodeVerifier

ENABLE = "start it with --code (needs a Docker engine and the sandbox images)"


async def start_code(config: ServerConfig, metrics: Metrics) -> CodeVerifier | None:
    """None without --code: code tasks then get UNIMPLEMENTED, with ENABLE as the fix."""
    if not config.code:
        return None
    from reward_server.verifiers.code.config import DEFAULT_SANDBOXES_DIR, SandboxConfig
    from reward_server.verifiers.code.runtimes import available_languages
    from reward_server.verifiers.code.verifier import CodeVerifier

    languages = config.languages  # "all": every language folder there is
    if languages == ("all",):
        languages = tuple(available_languages(DEFAULT_SANDBOXES_DIR))
    return await CodeVerifier.start(
        SandboxConfig(
            pool_size=config.sandbox_pool_size,
            runtime=config.sandbox_runtime,
            languages=languages,
            infra_retries=config.sandbox_infra_retries,
            reap_interval_s=config.sandbox_reap_interval_s,
            partial_credit=config.partial_credit,
            docker_host=config.docker_host or None,
            build_missing_images=config.build_sandbox_images,
        ),
        on_event=metrics.count_sandbox_event,
    )
