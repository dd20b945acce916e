"""The lean verification route (``config/fastverify.py``) answers exactly as the API does.

Each case is asked twice, of the Django test client (the API's operation behind the full
middleware stack) and of the lean ASGI route, and both answers must have the same status,
the same body bytes (but for ``checked_at``) and the same headers that matter. A spy in front
of Django's ASGI application tells which of the two the lean route let answer.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Callable, Coroutine, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

import psycopg
import pytest
from axes.models import AccessAttempt
from django.core.asgi import get_asgi_application
from django.db import connection, transaction
from django.db.models import Sum
from django.test import Client, override_settings
from django.utils import timezone

from config.fastverify import FastVerify
from sscard.cards.models import Card, CardVerification
from sscard.cards.tests.support import card, person
from sscard.core.actors import Actor
from sscard.kernel.cardcodes import card_number
from sscard.kernel.idnumber import check_digit
from sscard.portal.models import Account
from sscard.portal.services import api_token_create, api_token_revoke
from sscard.testing.factories import AccountFactory, make_id_number

T = TypeVar("T")
pytestmark = [
    pytest.mark.postgres(reason="the fast verification route runs on PostgreSQL only"),
    pytest.mark.django_db(transaction=True),
]

URL = "/api/v1/cards/verify"
HOST = "testserver"
ID = make_id_number(21)
OTHER_ID = make_id_number(22)
SYSTEM = Actor.system("test")
# Headers both routes must agree on (Vary and Content-Language, which the locale and session
# middleware add to every page, say nothing to a terminal and are not sent by the lean route).
COMPARED_HEADERS = (
    "content-type",
    "content-length",
    "www-authenticate",
    "x-content-type-options",
    "referrer-policy",
    "cross-origin-opener-policy",
    "x-frame-options",
    "content-security-policy",
)


@pytest.fixture(autouse=True)
def _no_persistent_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django's ASGI handler runs each request in a thread of its own: with persistent
    connections theirs would outlive the test and keep the test database from being dropped."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)


# --- an ASGI client -----------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass
class DjangoSpy:
    """Django's ASGI application, counting the requests it is handed."""

    app: Any
    calls: list[str] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.calls.append(scope["path"])
        await self.app(scope, receive, send)


class Harness:
    """Calls the application as uvicorn would, on one event loop for the whole test.

    The loop runs on a thread of its own: the test's thread may already have a running loop
    (Playwright's sync API keeps one for the browser journeys' session), and asyncio runs at
    most one loop per thread.
    """

    def __init__(self, *, token_cache_seconds: float = 5) -> None:
        self.django = DjangoSpy(get_asgi_application())
        self.app = FastVerify(self.django, token_cache_seconds=token_cache_seconds)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the harness's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=60)

    def post(
        self,
        body: bytes,
        *,
        authorization: str | None = None,
        path: str = URL,
        method: str = "POST",
        host: str = HOST,
        cookie: str | None = None,
    ) -> Answer:
        headers = [
            (b"host", host.encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        if authorization is not None:
            headers.append((b"authorization", authorization.encode("latin-1")))
        if cookie is not None:
            headers.append((b"cookie", cookie.encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 40000),
            "server": (HOST, 80),
        }
        return self.run(self._call(scope, body))

    async def _call(self, scope: dict[str, Any], body: bytes) -> Answer:
        sent: list[dict[str, Any]] = []
        done = asyncio.Event()
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await done.wait()  # Django listens for a disconnect while it answers
            return {"type": "http.disconnect"}

        async def send(message: Mapping[str, Any]) -> None:
            sent.append(dict(message))
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        await self.app(scope, receive, send)
        start = sent[0]
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in start["headers"]}
        content = b"".join(m.get("body", b"") for m in sent[1:])
        return Answer(start["status"], headers, content)

    def close(self) -> None:
        self.run(self.app.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def fast() -> Iterator[Harness]:
    harness = Harness()
    yield harness
    harness.close()


# --- the data -----------------------------------------------------------------------------


def token_of(account: Account) -> str:
    return api_token_create(actor=SYSTEM, account=account, name="terminal")[1]


def bearer(token: str) -> str:
    return f"Bearer {token}"


def reader(c: Card, id_number: str = ID, *, trailing: str = "|") -> str:
    return (
        f"110102|{id_number}|{c.card_number}|{c.card_id_code}|张伟|3B6D|3.00|"
        f"{c.issued_on:%Y%m%d}|{c.valid_until:%Y%m%d}{trailing}"
    )


# What a reader of the national interface (iReadCardBas) emits: eleven fields, each followed
# by "|", the last two the terminal's number and its device number.
ATR = "3B6D000080318065B08402010C839000"
TERMINAL = "T110102000017"
DEVICE = "0102A5F3"


def full_reader(
    c: Card, *, terminal: str = TERMINAL, device: str = DEVICE, version: str = "3.00"
) -> str:
    return (
        f"110102|{ID}|{c.card_number}|{c.card_id_code}|张伟|{ATR}|{version}|"
        f"{c.issued_on:%Y%m%d}|{c.valid_until:%Y%m%d}|{terminal}|{device}|"
    )


def _bad_check_digit(text: str) -> str:
    return text[:17] + ("0" if check_digit(text[:17]) != "0" else "1")


@dataclass
class World:
    token: str
    cards: dict[str, Card]

    def number(self, name: str) -> str:
        return self.cards[name].card_number


@pytest.fixture
def world() -> World:
    """A relying party's token and a card in every state verification tells apart."""
    today = timezone.localdate()
    cards = {
        "valid": card(person(name="李华", id_number=ID), ss_function="enabled"),
        "not_enabled": card(person(name="欧阳娜娜")),
        "blocked_temporary": card(
            person(), ss_function="enabled", block="temporary", blocked_until=today + timedelta(9)
        ),
        "blocked_formal": card(person(), ss_function="enabled", block="formal"),
        "lapsed_block": card(
            person(), ss_function="enabled", block="temporary", blocked_until=today - timedelta(1)
        ),
        "replaced": card(person(), ss_function="invalid", generation=2),
        "cancelled": card(person(), ss_function="cancelled"),
        "expired": card(
            person(),
            ss_function="enabled",
            issued_on=date(2010, 1, 1),
            valid_until=date(2020, 1, 1),
        ),
    }
    return World(token=token_of(AccountFactory.create(api_client=True)), cards=cards)


# --- the comparison -----------------------------------------------------------------------

_CHECKED_AT = re.compile(rb'"checked_at": "[^"]*"')


def django_answer(client: Client, body: bytes, authorization: str | None) -> Answer:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = client.generic("POST", URL, body, content_type="application/json", headers=headers)
    headers = {k.lower(): v for k, v in response.headers.items()}
    return Answer(response.status_code, headers, response.content)


def assert_same(
    client: Client,
    fast: Harness,
    body: bytes | dict[str, Any],
    authorization: str | None,
    *,
    lean: bool = True,
) -> Answer:
    """Both routes answer alike; ``lean``: the lean route answered, else Django did."""
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    expected = django_answer(client, raw, authorization)
    calls = len(fast.django.calls)
    got = fast.post(raw, authorization=authorization)
    assert len(fast.django.calls) == calls + (0 if lean else 1), "answered by the wrong route"
    assert got.status == expected.status
    assert _CHECKED_AT.sub(b"", got.content) == _CHECKED_AT.sub(b"", expected.content)
    for name in COMPARED_HEADERS:
        assert got.headers.get(name) == expected.headers.get(name), name
    return got


# --- answers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [
        "valid",
        "not_enabled",
        "blocked_temporary",
        "blocked_formal",
        "replaced",
        "cancelled",
        "expired",
    ],
)
def test_every_status_is_answered_alike(
    client: Client, fast: Harness, world: World, state: str
) -> None:
    got = assert_same(client, fast, {"card_number": world.number(state)}, bearer(world.token))
    assert got.json()["status"] == state


def test_the_answer_carries_generation_functions_and_a_masked_name_only(
    client: Client, fast: Harness, world: World
) -> None:
    got = assert_same(client, fast, {"card_number": world.number("valid")}, bearer(world.token))
    body = got.json()
    assert body["generation"] == 3
    assert body["interfaces"] == ["contact", "contactless"]
    assert body["masked_name"] == "李*"
    assert set(body) == {
        "status",
        "generation",
        "functions",
        "interfaces",
        "masked_name",
        "checked_at",
    }
    assert ID not in got.content.decode()
    four = assert_same(
        client, fast, {"card_number": world.number("not_enabled")}, bearer(world.token)
    )
    assert four.json()["masked_name"] == "欧阳**"


def test_an_unknown_card_is_answered_alike(client: Client, fast: Harness, world: World) -> None:
    got = assert_same(client, fast, {"card_number": card_number("C", 4242)}, bearer(world.token))
    assert got.json()["status"] == "unknown"


def test_a_temporary_block_past_its_date_is_answered_valid_alike(
    client: Client, fast: Harness, world: World
) -> None:
    body = {"card_number": world.number("lapsed_block")}
    got = assert_same(client, fast, body, bearer(world.token))
    assert got.json()["status"] == "valid"


def test_a_reader_string_of_an_unknown_card_is_answered_alike(
    client: Client, fast: Harness, world: World
) -> None:
    text = reader(world.cards["valid"]).replace(world.number("valid"), card_number("C", 4243))
    got = assert_same(client, fast, {"reader_string": text}, bearer(world.token))
    assert got.json()["status"] == "unknown"


@pytest.mark.parametrize("spell", [str.lower, lambda n: f"  {n} "])
def test_a_card_number_is_normalised_alike(
    client: Client, fast: Harness, world: World, spell: Callable[[str], str]
) -> None:
    number = spell(world.number("valid"))
    got = assert_same(client, fast, {"card_number": number}, bearer(world.token))
    assert got.json()["status"] == "valid"


def test_a_reader_string_of_the_holder_is_answered_alike(
    client: Client, fast: Harness, world: World
) -> None:
    for trailing in ("|", ""):
        text = reader(world.cards["valid"], trailing=trailing)
        got = assert_same(client, fast, {"reader_string": text}, bearer(world.token))
        assert got.json()["status"] == "valid"


def test_someone_elses_id_number_is_a_mismatch_alike(
    client: Client, fast: Harness, world: World
) -> None:
    text = reader(world.cards["valid"], id_number=OTHER_ID)
    got = assert_same(client, fast, {"reader_string": text}, bearer(world.token))
    assert got.json() | {"checked_at": None} == {
        "status": "mismatch",
        "generation": None,
        "functions": [],
        "interfaces": [],
        "masked_name": "",
        "checked_at": None,
    }


def test_another_cards_identification_code_is_a_mismatch_alike(
    client: Client, fast: Harness, world: World
) -> None:
    mine, other = world.cards["valid"], world.cards["not_enabled"]
    text = reader(mine).replace(mine.card_id_code, other.card_id_code)
    got = assert_same(client, fast, {"reader_string": text}, bearer(world.token))
    assert got.json()["status"] == "mismatch"


# --- the reader interface's full layout ---------------------------------------------------

_RECORD = (
    "card_id",
    "card_number",
    "relying_party_id",
    "asked_by_user_id",
    "terminal_number",
    "device_number",
    "status",
)


@pytest.mark.parametrize("version", ["1.00", "2.00", "3.00"])
def test_the_full_layout_is_answered_alike_and_both_routes_keep_the_terminal(
    client: Client, fast: Harness, world: World, version: str
) -> None:
    # given a hospital terminal's reader string, terminal fields filled
    text = full_reader(world.cards["valid"], version=version)
    # when it is sent to both routes
    got = assert_same(client, fast, {"reader_string": text}, bearer(world.token))
    # then both answer "valid", neither says anything of the terminal
    assert got.json()["status"] == "valid"
    assert TERMINAL.encode() not in got.content
    assert DEVICE.encode() not in got.content
    # and each kept one record of the same verification
    django_kept, lean_kept = CardVerification.objects.order_by("pk").values_list(*_RECORD)
    assert lean_kept == django_kept
    assert lean_kept[0] == world.cards["valid"].pk
    assert lean_kept[2] is not None  # the relying party the token speaks for
    assert lean_kept[4:] == (TERMINAL, DEVICE, "valid")


def test_the_lean_route_keeps_an_unknown_card_and_a_mismatch_too(
    client: Client, fast: Harness, world: World
) -> None:
    mine = world.cards["valid"]
    unknown = full_reader(mine).replace(mine.card_number, card_number("C", 4244))
    mismatch = full_reader(mine, device="").replace(ID, OTHER_ID)
    for text in (unknown, mismatch):
        fast.post(json.dumps({"reader_string": text}).encode(), authorization=bearer(world.token))
    kept = CardVerification.objects.order_by("pk").values_list(
        "card_id", "card_number", "device_number", "status"
    )
    assert list(kept) == [
        (None, card_number("C", 4244), DEVICE, "unknown"),
        (mine.pk, mine.card_number, "", "mismatch"),
    ]


def test_without_the_terminals_names_nothing_is_kept(
    client: Client, fast: Harness, world: World
) -> None:
    for text in (
        full_reader(world.cards["valid"], terminal="", device=""),
        reader(world.cards["valid"]),
    ):
        got = assert_same(client, fast, {"reader_string": text}, bearer(world.token))
        assert got.json()["status"] == "valid"
    assert not CardVerification.objects.exists()


def test_the_pools_statements_still_cannot_write_on_their_own(fast: Harness, world: World) -> None:
    # The record has its own read-write transaction; anything else on the pool stays read-only.
    async def write_outside_the_transaction() -> str:
        pool = await fast.app._open_pool()
        async with pool.connection() as conn:
            try:
                await conn.execute("CREATE TEMPORARY SEQUENCE fastverify_probe")
            except psycopg.errors.ReadOnlySqlTransaction:
                return "refused"
        return "written"

    assert fast.run(write_outside_the_transaction()) == "refused"


FULL_LAYOUT_MANGLES = [
    ("ten fields", lambda s: s.removesuffix(f"{DEVICE}|"), "reader_string_fields", 10),
    ("twelve fields", lambda s: s + "x|", "reader_string_fields", 12),
    ("version 3.01", lambda s: s.replace("|3.00|", "|3.01|"), "reader_string_field_invalid", 0),
    ("an ATR not hex", lambda s: s.replace(ATR, "3B6DXX"), "reader_string_field_invalid", 0),
    (
        "a terminal too long",
        lambda s: s.replace(TERMINAL, "9" * 65),
        "reader_string_field_invalid",
        0,
    ),
]


@pytest.mark.parametrize(
    ("mangle", "code", "found"),
    [m[1:] for m in FULL_LAYOUT_MANGLES],
    ids=[m[0] for m in FULL_LAYOUT_MANGLES],
)
def test_a_bad_full_layout_is_refused_alike_and_nothing_is_kept(
    client: Client,
    fast: Harness,
    world: World,
    mangle: Callable[[str], str],
    code: str,
    found: int,
) -> None:
    text = mangle(full_reader(world.cards["valid"]))
    got = assert_same(client, fast, {"reader_string": text}, bearer(world.token))
    assert (got.status, got.json()["code"]) == (422, code)
    if found:
        assert got.json()["details"] == {"expected": [9, 11], "found": found}
    assert not CardVerification.objects.exists()


# --- refusals of the input ----------------------------------------------------------------

BAD_BODIES: list[tuple[str, bytes | dict[str, Any], int, str]] = [
    ("not JSON", b"{", 400, "bad_request"),
    ("not UTF-8", b"\xff\xfe", 400, "bad_request"),
    ("empty", b"", 422, "invalid_input"),
    ("a number for the card number", {"card_number": 5}, 422, "invalid_input"),
    ("true for the reader string", {"reader_string": True}, 422, "invalid_input"),
    ("NaN", b'{"card_number": NaN}', 422, "invalid_input"),
    ("a card number too long", {"card_number": "C" * 33}, 422, "invalid_input"),
    ("a reader string too long", {"reader_string": "1|" * 501}, 422, "invalid_input"),
    ("two wrong fields", {"card_number": 1, "reader_string": []}, 422, "invalid_input"),
    ("neither field", {}, 422, "verify_input"),
    ("two nulls", {"card_number": None, "reader_string": None}, 422, "verify_input"),
    ("a list", b"[]", 422, "verify_input"),
    ("both fields", {"card_number": "C90000001", "reader_string": "x"}, 422, "verify_input"),
    ("a bad check digit", {"card_number": "C00000010"}, 422, "card_number_invalid"),
    ("a short card number", {"card_number": "123"}, 422, "card_number_invalid"),
]


@pytest.mark.parametrize(
    ("body", "status", "code"), [c[1:] for c in BAD_BODIES], ids=[c[0] for c in BAD_BODIES]
)
def test_bad_input_is_refused_alike(
    client: Client,
    fast: Harness,
    world: World,
    body: bytes | dict[str, Any],
    status: int,
    code: str,
) -> None:
    got = assert_same(client, fast, body, bearer(world.token))
    assert (got.status, got.json()["code"]) == (status, code)


READER_MANGLES = [
    ("an extra field", lambda s, c: s + "extra|", "reader_string_fields"),
    ("fields missing", lambda s, c: s.rsplit("|", 3)[0], "reader_string_fields"),
    ("a bad region", lambda s, c: "11010X" + s[6:], "reader_string_field_invalid"),
    ("an ID check digit", lambda s, c: s.replace(ID, _bad_check_digit(ID)), "id_check_digit"),
    (
        "a bad card number",
        lambda s, c: s.replace(c.card_number, "C00000010"),
        "card_number_invalid",
    ),
    (
        "a short card id code",
        lambda s, c: s.replace(c.card_id_code, c.card_id_code[:31]),
        "card_id_code_invalid",
    ),
    ("a wrong issuer", lambda s, c: s.replace("D156000005", "D156000006"), "card_id_code_invalid"),
    ("a bad date", lambda s, c: s.replace("|2029", "|2O29"), "reader_string_field_invalid"),
]


@pytest.mark.parametrize(
    ("mangle", "code"), [m[1:] for m in READER_MANGLES], ids=[m[0] for m in READER_MANGLES]
)
def test_a_bad_reader_string_is_refused_alike(
    client: Client, fast: Harness, world: World, mangle: Callable[[str, Card], str], code: str
) -> None:
    text = mangle(reader(world.cards["valid"]), world.cards["valid"])
    got = assert_same(client, fast, {"reader_string": text}, bearer(world.token))
    assert (got.status, got.json()["code"]) == (422, code)


# --- who asks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    ["Bearer sst_not-a-token", "Bearer", "Bearer ", "bearer nothing", "Bearer sst_" + "x" * 200],
    ids=["unknown", "bare scheme", "empty", "no prefix", "too long"],
)
def test_a_bad_token_is_refused_alike(
    client: Client, fast: Harness, world: World, authorization: str
) -> None:
    got = assert_same(client, fast, {"card_number": world.number("valid")}, authorization)
    assert (got.status, got.json()["code"]) == (401, "authentication_required")
    assert got.headers["www-authenticate"] == "Bearer"


def test_the_scheme_is_read_as_ninja_reads_it(client: Client, fast: Harness, world: World) -> None:
    for spelling in ("bearer", "BEARER"):
        authorization = f"{spelling} {world.token}"
        got = assert_same(client, fast, {"card_number": world.number("valid")}, authorization)
        assert got.status == 200
    # two spaces: the token starts with one, and is unknown on both routes
    got = assert_same(
        client, fast, {"card_number": world.number("valid")}, f"Bearer  {world.token}"
    )
    assert got.status == 401


def test_no_token_is_refused_by_django(client: Client, fast: Harness, world: World) -> None:
    got = assert_same(client, fast, {"card_number": world.number("valid")}, None, lean=False)
    assert got.status == 401


def test_another_scheme_is_left_to_django(client: Client, fast: Harness, world: World) -> None:
    got = assert_same(
        client, fast, {"card_number": world.number("valid")}, f"Token {world.token}", lean=False
    )
    assert got.status == 401


@pytest.mark.parametrize("role", ["cardholder", "employer_hr", "bank_clerk"])
def test_a_role_that_may_not_verify_is_refused_alike(
    client: Client, fast: Harness, world: World, role: str
) -> None:
    token = token_of(AccountFactory.of_role(role))
    got = assert_same(client, fast, {"card_number": world.number("valid")}, bearer(token))
    assert (got.status, got.json()["code"]) == (403, "permission_denied")


def test_the_body_is_checked_before_the_role_as_on_the_api(
    client: Client, fast: Harness, world: World
) -> None:
    token = token_of(AccountFactory.of_role("cardholder"))
    got = assert_same(client, fast, b"{", bearer(token))
    assert got.status == 400


def test_the_city_bureau_verifies_alike(client: Client, fast: Harness, world: World) -> None:
    token = token_of(AccountFactory.create())
    got = assert_same(client, fast, {"card_number": world.number("valid")}, bearer(token))
    assert got.json()["status"] == "valid"


def test_a_revoked_token_is_refused_once_the_cache_forgets_it(client: Client, world: World) -> None:
    harness = Harness(token_cache_seconds=3600)
    try:
        account = AccountFactory.create(api_client=True)
        issued, plaintext = api_token_create(actor=SYSTEM, account=account, name="terminal")
        body = {"card_number": world.number("valid")}
        assert assert_same(client, harness, body, bearer(plaintext)).status == 200
        # when the token is revoked, Django refuses it at once; the lean route's cache still
        # knows it (SSCARD_TOKEN_CACHE_SECONDS) until it forgets
        api_token_revoke(actor=SYSTEM, token_id=issued.pk)
        raw = json.dumps(body).encode()
        assert harness.post(raw, authorization=bearer(plaintext)).status == 200
        harness.app.clear_token_cache()
        got = assert_same(client, harness, body, bearer(plaintext))
        assert (got.status, got.json()["code"]) == (401, "authentication_required")
    finally:
        harness.close()


def test_without_a_cache_a_revocation_takes_effect_at_once(client: Client, world: World) -> None:
    harness = Harness(token_cache_seconds=0)
    try:
        account = AccountFactory.create(api_client=True)
        issued, plaintext = api_token_create(actor=SYSTEM, account=account, name="terminal")
        body = {"card_number": world.number("valid")}
        assert assert_same(client, harness, body, bearer(plaintext)).status == 200
        api_token_revoke(actor=SYSTEM, token_id=issued.pk)
        assert assert_same(client, harness, body, bearer(plaintext)).status == 401
    finally:
        harness.close()


# --- guessing tokens ----------------------------------------------------------------------


@override_settings(SSCARD_TOKEN_FAILURE_LIMIT=3)
def test_unknown_tokens_count_on_both_routes_and_throttle_alike(
    client: Client, fast: Harness, world: World
) -> None:
    body = {"card_number": world.number("valid")}
    raw = json.dumps(body).encode()
    # given an unknown token on the lean route and another on Django's, from one address
    assert fast.post(raw, authorization=bearer("sst_guess-1")).status == 401
    assert django_answer(client, raw, bearer("sst_guess-2")).status == 401
    # when a third unknown token reaches the limit on the lean route
    got = fast.post(raw, authorization=bearer("sst_guess-3"))
    # then it answers 429 with the code itself (the two routes count in one table)
    assert (got.status, got.json()["code"]) == (429, "token_attempts_throttled")
    assert fast.django.calls == []
    # and from then on both routes refuse alike, even a valid token, even the same guess again
    for token in (world.token, "sst_guess-3", "sst_guess-4"):
        got = assert_same(client, fast, body, bearer(token))
        assert (got.status, got.json()["code"]) == (429, "token_attempts_throttled")
    # until the cool-off has passed
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert assert_same(client, fast, body, bearer(world.token)).status == 200


def test_an_unknown_token_is_never_cached_each_one_counts(fast: Harness, world: World) -> None:
    raw = json.dumps({"card_number": world.number("valid")}).encode()
    # when the same unknown token is tried again and again on the lean route
    for _ in range(3):
        assert fast.post(raw, authorization=bearer("sst_same-guess")).status == 401
    # then every try was counted against the address
    assert AccessAttempt.objects.aggregate(n=Sum("failures_since_start"))["n"] == 3


# --- what goes to Django ------------------------------------------------------------------


def test_another_path_goes_to_django(fast: Harness) -> None:
    answer = fast.post(b"", path="/api/v1/health", method="GET")
    assert fast.django.calls == ["/api/v1/health"]
    assert answer.status == 200
    assert answer.json()["status"] == "ok"


def test_another_method_on_the_path_goes_to_django(fast: Harness, world: World) -> None:
    answer = fast.post(b"", method="GET", authorization=bearer(world.token))
    assert fast.django.calls == [URL]
    assert (answer.status, answer.json()["code"]) == (405, "method_not_allowed")


def test_a_session_caller_goes_to_django(fast: Harness, world: World) -> None:
    account = AccountFactory.create(api_client=True)
    browser = Client()
    browser.force_login(account.user)
    session = browser.cookies["sessionid"].value
    body = json.dumps({"card_number": world.number("valid")}).encode()
    answer = fast.post(body, authorization=bearer(world.token), cookie=f"sessionid={session}")
    assert fast.django.calls == [URL]
    assert answer.status == 200


def test_a_host_django_does_not_serve_goes_to_django(fast: Harness, world: World) -> None:
    body = json.dumps({"card_number": world.number("valid")}).encode()
    answer = fast.post(body, authorization=bearer(world.token), host="evil.example")
    assert fast.django.calls == [URL]
    assert answer.status == 400


def test_the_lifespan_opens_and_closes_the_pool(fast: Harness) -> None:
    events = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[str] = []

    async def receive() -> dict[str, Any]:
        return events.pop(0)

    async def send(message: Mapping[str, Any]) -> None:
        sent.append(message["type"])

    fast.run(fast.app({"type": "lifespan"}, receive, send))
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert fast.django.calls == []


# --- the query ----------------------------------------------------------------------------


def test_the_one_query_finds_the_card_by_an_index_on_its_number(
    fast: Harness, world: World
) -> None:
    # Planner statistics of a tiny table favour a sequential scan; without it, the plan must
    # take an index keyed on the card number alone: the unique one, the ``varchar_pattern_ops``
    # twin Django adds to a unique CharField on PostgreSQL, or the covering
    # ``card_verification`` (same key; tests/test_verify_index_only.py shows that on a vacuumed
    # table of 200,000 cards it is the one taken, index-only). The benchmark shows the plan on
    # a million cards.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + fast.app.sql, [world.number("valid")])
        plan = cursor.fetchone()[0][0]["Plan"]
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'cards_card' "
            "AND indexdef ~ '\\(card_number( varchar_pattern_ops)?\\)( INCLUDE \\(.*\\))?$'"
        )
        on_number = {row[0] for row in cursor.fetchall()}
    scans = [
        node
        for node in _nodes(plan)
        if node.get("Relation Name") == "cards_card" and "Index" in node["Node Type"]
    ]
    assert len(on_number) == 3
    assert [node["Index Name"] in on_number for node in scans] == [True], plan


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)
