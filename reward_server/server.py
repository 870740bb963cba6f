"""Builds, starts and stops the gRPC server (grpc.aio), its health and reflection services."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.config import ServerConfig
from reward_server.metrics import Metrics
from reward_server.ready import ReadyInfo, remove_ready, write_ready
from reward_server.service import RewardService
from reward_server.verifiers.registry import REGISTRY, Registry, start_verifiers

log = logging.getLogger(__name__)

SERVICE_NAME = reward_pb2.DESCRIPTOR.services_by_name["RewardService"].full_name


@dataclass
class RunningServer:
    server: grpc.aio.Server
    port: int
    metrics_port: int | None
    service: RewardService
    health: health.aio.HealthServicer

    @property
    def address(self) -> str:
        return f"{self.service.config.host}:{self.port}"

    async def stop(self, grace: float | None = None) -> None:
        """Stops taking work, lets in-flight groups finish within `grace`, frees workers."""
        grace = self.service.config.shutdown_grace_s if grace is None else grace
        self.service.begin_drain()
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)
        await self.service.verifiers.close()


async def create_server(config: ServerConfig, registry: Registry = REGISTRY) -> RunningServer:
    """Starts the verifiers `registry` names (each kind the config switches on), then the
    gRPC server; `config.port` 0 binds a free port."""
    metrics = Metrics()
    # Before gRPC starts its threads: worker processes fork from a clean process.
    verifiers = await start_verifiers(registry, config, metrics)
    service = RewardService(config, verifiers, metrics)

    options = [
        ("grpc.max_receive_message_length", config.max_message_bytes),
        ("grpc.max_send_message_length", config.max_message_bytes),
        ("grpc.so_reuseport", 0),
    ]
    server = grpc.aio.server(options=options)
    reward_pb2_grpc.add_RewardServiceServicer_to_server(service, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    port = server.add_insecure_port(f"{config.host}:{config.port}")
    if port == 0:
        await verifiers.close()
        raise OSError(f"could not bind {config.host}:{config.port}")
    await server.start()
    for name in ("", SERVICE_NAME):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    metrics_port = (
        metrics.serve(config.host, config.metrics_port) if config.metrics_port >= 0 else None
    )
    log.info(
        "serving",
        extra={
            "fields": {
                "address": f"{config.host}:{port}",
                "metrics_port": metrics_port,
                "verifiers": list(verifiers.running),
            }
        },
    )
    return RunningServer(server, port, metrics_port, service, health_servicer)


async def serve(config: ServerConfig) -> None:
    """Runs until SIGTERM or SIGINT, then drains gracefully."""
    running = await create_server(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):  # before the ready file: a launcher may
        loop.add_signal_handler(sig, stop.set)  # stop the server as soon as it reads it
    if running.metrics_port is not None:
        print(f"reward-server metrics on port {running.metrics_port}", flush=True)
    print(f"reward-server listening on {config.host}:{running.port}", flush=True)
    if config.ready_file:
        info = ReadyInfo(running.address, running.port, running.metrics_port, os.getpid())
        try:
            write_ready(config.ready_file, info)
        except OSError:
            await running.stop(grace=0)
            raise
    await stop.wait()
    if config.ready_file:
        remove_ready(config.ready_file)  # draining: no longer ready for work
    log.info("shutting down", extra={"fields": {"grace_s": config.shutdown_grace_s}})
    await running.stop()
    log.info("stopped")
