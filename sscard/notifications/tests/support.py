"""Helpers of the outbox tests: read the JSON-lines file; a scripted SMS gateway."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def read_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"message_id": "gw-1"}'
    delay: float = 0.0


@dataclass
class Gateway:
    """A real HTTP server on 127.0.0.1 that answers with the replies it is given, in turn."""

    url: str
    replies: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, *replies: Reply) -> None:
        with self.lock:
            self.replies.extend(replies)

    def next_reply(self) -> Reply:
        with self.lock:
            return self.replies.pop(0) if self.replies else Reply()
