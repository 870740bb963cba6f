"""Worker processes that run verification off the gRPC event loop."""
