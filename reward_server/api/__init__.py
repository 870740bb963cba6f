"""Generated protobuf and gRPC stubs for `reward.v1` (see generate.py)."""

from reward_server.api import reward_pb2, reward_pb2_grpc

__all__ = ["reward_pb2", "reward_pb2_grpc"]
