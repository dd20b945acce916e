"""A bare ASGI endpoint doing a verification's lookup: the baseline of ``verify_load``.

    SSCARD_DATABASE_URL=postgresql://… uv run uvicorn benchmarks.bare_verify_asgi:application

No Django, no token, no input checks, no status rules: read the JSON body, run the SELECT a
verification runs (the card by its number, joined to its holder, the same columns) on an async
psycopg pool of ``SSCARD_VERIFY_POOL_SIZE`` connections (default 4, as the lean route), answer
a small JSON. It is what answering a terminal costs on this machine when nothing is checked,
so the lean route's overhead is measured against it in the same run on the same data.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]

SQL = (
    "SELECT c.generation, c.functions, c.interfaces, c.card_id_code, c.ss_function, c.block,"
    " c.blocked_until, c.valid_until, p.id_number_index, p.name"
    " FROM cards_card c JOIN registry_person p ON p.id = c.person_id"
    " WHERE c.card_number = %s LIMIT 1"
)
_HEADERS = [(b"content-type", b"application/json")]

_pool: AsyncConnectionPool[AsyncConnection[Any]] | None = None


async def _open() -> None:
    global _pool
    size = int(os.environ.get("SSCARD_VERIFY_POOL_SIZE", "4"))
    pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
        os.environ["SSCARD_DATABASE_URL"],
        min_size=size,
        max_size=size,
        kwargs={"autocommit": True},
        open=False,
    )
    await pool.open(wait=True)
    _pool = pool


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await _open()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if _pool is not None:
                await _pool.close()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def application(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    assert _pool is not None, "the server must run the lifespan"
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    number = json.loads(b"".join(chunks))["card_number"]
    async with _pool.connection() as conn:
        cursor = await conn.execute(SQL, (number,))
        row = await cursor.fetchone()
    answer = {"found": False} if row is None else {"generation": row[0], "ss_function": row[4]}
    body = json.dumps(answer).encode()
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": body})
