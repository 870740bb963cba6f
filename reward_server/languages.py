"""Language defaults, in one place for the server, the clients and the trainer.

Pure constants: the client-only install imports this too.
"""

from __future__ import annotations

DEFAULT_LANGUAGES: tuple[str, ...] = ("python", "cpp")
"""The languages a server started with ``--code`` serves unless told otherwise (one
folder each under ``reward_server/verifiers/code/in_sandbox/``, where python, cpp, c,
java, javascript, go and rust live; ``--sandbox-languages all`` serves every folder)."""

DEFAULT_TASK_LANGUAGE = "python"
"""The language of a code task record that names none."""
