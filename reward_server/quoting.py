"""Short quotes of client input for error messages.

A status message travels in a gRPC trailer, and clients refuse trailers of more than a few
kilobytes (the call then fails with RESOURCE_EXHAUSTED, which clients retry). So a message
never quotes client input whole: `quote` cuts it, and `clip_message` bounds the message.
"""

from __future__ import annotations

QUOTE_CHARS = 80
# UTF-8 bytes; percent-encoded in the trailer that is at most 3 times this, well under the
# 8 KiB that gRPC clients accept by default.
MAX_MESSAGE_BYTES = 1024


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """repr() of `value`, cut after `limit` characters with the full length given:
    `'xxxx'... (3145728 characters)`."""
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return f"{value[:limit]!r}... ({len(value)} characters)"
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def clip_message(message: str, max_bytes: int = MAX_MESSAGE_BYTES) -> str:
    """`message` cut to at most about `max_bytes` UTF-8 bytes, saying that it was cut."""
    data = message.encode("utf-8", "backslashreplace")
    if len(data) <= max_bytes:
        return message
    kept = data[:max_bytes].decode("utf-8", "ignore")
    return f"{kept}... (message cut at {max_bytes} of {len(data)} bytes)"
