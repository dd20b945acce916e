"""Fixtures of the outbox tests: a JSON-lines file per test and a real local SMS gateway."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from sscard.notifications.tests.support import Gateway


@pytest.fixture
def sms_file(settings: Any, tmp_path: Path) -> Path:
    """Messages go to a file of this test's own (the file provider)."""
    path = tmp_path / "outbox" / "sms.jsonl"
    settings.SSCARD_SMS_PROVIDER = "file"
    settings.SSCARD_SMS_FILE = path
    return path


@pytest.fixture
def gateway(settings: Any) -> Iterator[Gateway]:
    holder: dict[str, Gateway] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            gw = holder["gateway"]
            with gw.lock:
                gw.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers.items()),
                        "json": json.loads(body),
                    }
                )
            reply = gw.next_reply()
            if reply.delay:
                time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                if 300 <= reply.status < 400:
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the time-out test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    holder["gateway"] = Gateway(url=url)
    settings.SSCARD_SMS_PROVIDER = "http"
    settings.SSCARD_SMS_URL = url
    settings.SSCARD_SMS_TOKEN = "test-gateway-token"
    settings.SSCARD_SMS_TIMEOUT = 0.5
    try:
        yield holder["gateway"]
    finally:
        server.shutdown()
        server.server_close()
