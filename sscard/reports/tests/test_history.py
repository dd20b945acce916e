"""A person's and a card's history, and the bureau's audit search (issue 15, point 6).

The card's life is lived through the services (application at a bank outlet, production,
dispatch, hand-over, enabling, a loss reported online by the holder, a counter lookup); each
history is checked against an independent reading of the whole trail — every event's object
traced back to its person by the models, not by the selector's conditions — and each role's
reach is tried on the page and through the API, with the codes of the refusals.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from sscard.applications.models import Application, Photo, RosterEntry
from sscard.applications.tests.support import in_force
from sscard.cards.models import Card
from sscard.cards.services import card_enable, card_report_loss
from sscard.cards.tests.support import card as old_card
from sscard.core.actors import Actor, Role
from sscard.core.audit_labels import ACTION_LABELS, OBJECT_LABELS
from sscard.core.models import AuditEvent
from sscard.delivery.models import Shipment
from sscard.delivery.services import card_hand_over, outlet_receive
from sscard.delivery.tests.page_support import applicant, applied_at, today
from sscard.kernel.masks import mask_id_number
from sscard.network.models import Booking, Outlet
from sscard.notifications.models import OutboxMessage
from sscard.portal.models import Account
from sscard.registry.choices import DisclosurePurpose
from sscard.registry.models import Person
from sscard.registry.services import COUNTER_LOOKUP_FIELDS, disclosure_record
from sscard.reports.history import history_rows
from sscard.testing.api_client import ApiClient
from sscard.testing.card_life import clerk_of, dispatch, produce
from sscard.testing.exports import read_export
from sscard.testing.factories import (
    CHAOYANG,
    AccountFactory,
    BankFactory,
    DivisionFactory,
    EmployerFactory,
    OutletFactory,
    PersonFactory,
)

SRC = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------------------------
# Every action a service writes has its words
# --------------------------------------------------------------------------------------------


def _module_constants(tree: ast.Module) -> dict[str, str]:
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def _enclosing(tree: ast.Module, call: ast.Call) -> ast.FunctionDef | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(c is call for c in ast.walk(node)):
            inner = [
                f
                for f in ast.walk(node)
                if f is not node
                and isinstance(f, ast.FunctionDef)
                and any(c is call for c in ast.walk(f))
            ]
            if not inner:
                return node
    return None


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _argument(call: ast.Call, function: ast.FunctionDef, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    names = [a.arg for a in function.args.posonlyargs + function.args.args]
    index = names.index(name) if name in names else -1
    return call.args[index] if 0 <= index < len(call.args) else None


def _strings(tree: ast.Module, expr: ast.expr, site: ast.Call, depth: int = 0) -> Iterator[str]:
    """The codes ``expr`` may hold: literals, a module constant, both arms of a conditional,
    or — for a helper's parameter — what every call of the helper in the module passes."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        yield expr.value
    elif isinstance(expr, ast.IfExp):
        yield from _strings(tree, expr.body, site, depth)
        yield from _strings(tree, expr.orelse, site, depth)
    elif isinstance(expr, ast.Name) and expr.id in _module_constants(tree):
        yield _module_constants(tree)[expr.id]
    elif isinstance(expr, ast.Name) and depth < 3:
        function = _enclosing(tree, site)
        assert function is not None, f"unresolved action {ast.unparse(expr)}"
        calls = [
            c for c in ast.walk(tree) if isinstance(c, ast.Call) and _callee(c) == function.name
        ]
        assert calls, f"no call of {function.name} passes an action"
        for call in calls:
            passed = _argument(call, function, expr.id)
            assert passed is not None, f"{function.name} called without its action"
            yield from _strings(tree, passed, call, depth + 1)
    else:
        raise AssertionError(f"an action the test cannot read: {ast.unparse(expr)}")


def written_actions() -> dict[str, str]:
    """Every action code a module of sscard passes to ``AuditFact``, with where."""
    found: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        if {"tests", "migrations"} & set(path.parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and _callee(call) == "AuditFact"):
                continue
            expr = next((k.value for k in call.keywords if k.arg == "action"), None)
            expr = expr if expr is not None else (call.args[0] if call.args else None)
            assert expr is not None, f"{path}:{call.lineno}"
            for code in _strings(tree, expr, call):
                found.setdefault(code, f"{path.relative_to(SRC)}:{call.lineno}")
    return found


def test_every_action_a_service_writes_has_its_words() -> None:
    written = written_actions()
    assert {"card_enable", "application_submit", "booking_make", "roster_add"} <= set(written)
    missing = {code: where for code, where in written.items() if code not in ACTION_LABELS}
    assert not missing, f"actions without a label in sscard/core/audit_labels.py: {missing}"


def test_every_label_has_its_chinese() -> None:
    for table in (ACTION_LABELS, OBJECT_LABELS):
        for code, label in table.items():
            with translation.override("en"):
                english = str(label)
            with translation.override("zh-hans"):
                chinese = str(label)
            assert chinese != english, (code, english)
            assert code not in (english, chinese)


# --------------------------------------------------------------------------------------------
# A card's life through the services
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Life:
    person: Person
    id_number: str
    card: Card
    other: Person
    other_card: Card
    outlet: Outlet
    holder: Account


def live() -> Life:
    in_force("beijing-2024")
    DivisionFactory.create()
    DivisionFactory.create(code=CHAOYANG, name_zh="朝阳区", name_en="Chaoyang District")
    BankFactory.create()
    outlet = OutletFactory.create(name="工商银行朝阳支行", district=CHAOYANG)
    person, id_number = applicant()
    other, _other_number = applicant()
    applied_at(outlet, person)
    applied_at(outlet, other)
    dispatch(produce(day=today()))
    clerk = clerk_of(outlet)
    outlet_receive(actor=clerk)
    card = card_hand_over(
        actor=clerk, card=Card.objects.get(person=person, stage="at_outlet"), id_number=id_number
    )
    card = card_enable(actor=clerk, card=card, today=today())
    disclosure_record(
        actor=clerk,
        person=person,
        purpose=DisclosurePurpose.COUNTER_LOOKUP,
        fields=COUNTER_LOOKUP_FIELDS,
    )
    holder = AccountFactory.create(cardholder=True, person=person, city_code="")
    card_report_loss(actor=holder.actor(), card=card, channel="online", today=today())
    return Life(
        person=person,
        id_number=id_number,
        card=card,
        other=other,
        other_card=Card.objects.get(person=other),
        outlet=outlet,
        holder=holder,
    )


@pytest.fixture
def life(db: None) -> Life:
    return live()


def _ranges(changes: Any, key: str) -> list[list[int]]:
    value = changes.get(key) if isinstance(changes, dict) else None
    return value if isinstance(value, list) else []


def _covers(ranges: list[list[int]], pk: int) -> bool:
    return any(first <= pk <= last for first, last in ranges)


def _owner(event: AuditEvent) -> set[int]:
    """The persons an event is about, traced through the models from its object."""
    kind, ident = event.object_type, event.object_id
    digits = int(ident) if ident.isdigit() else None

    def person_of(model: Any, **lookup: Any) -> set[int]:
        return set(model.objects.filter(**lookup).values_list("person_id", flat=True))

    if event.action == "import" and kind == "registry.person":
        return {
            pk
            for pk in Person.objects.values_list("pk", flat=True)
            if _covers(_ranges(event.changes, "ids"), pk)
        }
    cards = _card_of(event)
    legacy = event.action == "import" and kind == "card"
    if event.action in CARD_BULK or event.action == "outlet_receive" or legacy:
        return set(Card.objects.filter(pk__in=cards).values_list("person_id", flat=True))
    if event.action == "message_queue_many":
        first, _sep, last = ident.partition("-")
        texts = OutboxMessage.objects.filter(pk__gte=int(first), pk__lte=int(last))
        return {pk for pk in texts.values_list("person_id", flat=True) if pk is not None}
    if digits is None:
        return set()
    lookups: dict[str, Any] = {
        "registry.person": lambda: {digits},
        "notifications.reminderoptout": lambda: {digits},
        "applications.application": lambda: person_of(Application, pk=digits),
        "applications.rosterentry": lambda: person_of(RosterEntry, pk=digits),
        "applications.photo": lambda: person_of(Photo, pk=digits),
        "card": lambda: person_of(Card, pk=digits),
        "delivery.shipment": lambda: set(
            Shipment.objects.filter(pk=digits).values_list("card__person_id", flat=True)
        ),
        "network.booking": lambda: person_of(Booking, pk=digits),
        "notifications.outboxmessage": lambda: person_of(OutboxMessage, pk=digits),
    }
    found = lookups.get(kind)
    return set(found()) if found is not None else set()


CARD_BULK = ("card_order", "cards_personalise", "batch_dispatch")


def _card_of(event: AuditEvent) -> set[int]:
    """The cards an event is about: the card, its shipment, its application's, and the bulk
    events of the cards' way (order, personalisation, dispatch, arrival at an outlet)."""
    kind, ident = event.object_type, event.object_id
    if event.action in CARD_BULK:
        ranges = _ranges(event.changes, "card_ids")
        return {pk for pk in Card.objects.values_list("pk", flat=True) if _covers(ranges, pk)}
    if event.action == "import" and kind == "card":  # the legacy system's cards
        ranges = _ranges(event.changes, "ids")
        return {pk for pk in Card.objects.values_list("pk", flat=True) if _covers(ranges, pk)}
    if event.action == "outlet_receive":
        ranges = _ranges(event.changes, "shipment_ids")
        return {
            card
            for pk, card in Shipment.objects.values_list("pk", "card_id")
            if _covers(ranges, pk)
        }
    if not ident.isdigit():
        return set()
    pk = int(ident)
    if kind == "card":
        return {pk}
    if kind == "delivery.shipment":
        return set(Shipment.objects.filter(pk=pk).values_list("card_id", flat=True))
    if kind == "applications.application":
        return set(Card.objects.filter(application_id=pk).values_list("pk", flat=True))
    return set()


def independent_person_history(person: Person) -> list[int]:
    return [e.pk for e in AuditEvent.objects.order_by("at", "pk") if person.pk in _owner(e)]


def independent_card_history(card: Card) -> list[int]:
    return [e.pk for e in AuditEvent.objects.order_by("at", "pk") if card.pk in _card_of(e)]


def _client(client_for: Any, account: Account, language: str = "zh-hans") -> Client:
    client: Client = client_for(account)
    client.cookies["django_language"] = language
    return client


# --------------------------------------------------------------------------------------------
# The rows are the trail's
# --------------------------------------------------------------------------------------------


def test_a_persons_history_is_every_event_of_theirs(life: Life, client_for: Any) -> None:
    officer = AccountFactory.create()
    answer = ApiClient(officer).get(f"/persons/{life.person.pk}/history")
    assert answer.status_code == 200, answer.content
    ids = [row["id"] for row in answer.json()["events"]]
    expected = independent_person_history(life.person)
    assert ids == expected
    actions = {row["action"] for row in answer.json()["events"]}
    # The life covered: application, order, shipment, hand-over, enabling, loss, lookup, texts.
    assert {
        "application_submit",
        "card_order",
        "card_hand_over",
        "card_enable",
        "card_report_loss",
        "person.disclosed",
        "message_queue_many",  # the texts that told them, queued with the change
    } <= actions
    # The other applicant's own events (their photo, application, texts) are not theirs; the
    # bulk events of the batch both cards were made in belong to both.
    others_only = set(independent_person_history(life.other)) - set(expected)
    assert {"photo_store", "application_submit"} <= {
        AuditEvent.objects.get(pk=pk).action for pk in others_only
    }
    assert not others_only & set(ids)


def test_a_cards_history_is_every_event_of_the_card(life: Life) -> None:
    officer = AccountFactory.create()
    answer = ApiClient(officer).get(f"/cards/{life.card.pk}/history")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["card_number"] == life.card.card_number
    assert [row["id"] for row in body["events"]] == independent_card_history(life.card)
    assert {
        "card_order",
        "cards_personalise",
        "batch_dispatch",
        "outlet_receive",
        "application_submit",
        "card_hand_over",
        "card_enable",
        "card_report_loss",
    } <= {row["action"] for row in body["events"]}


@pytest.mark.django_db
def test_a_legacy_cards_history_begins_with_its_import() -> None:
    # given a card of the old system, brought in by the legacy import (as every test's old
    # card is), among other cards imported in the same chunk
    holder = PersonFactory.create()
    old_card(PersonFactory.create())
    legacy = old_card(holder, generation=2)

    answer = ApiClient(AccountFactory.create()).get(f"/cards/{legacy.pk}/history")

    assert answer.status_code == 200, answer.content
    events = answer.json()["events"]
    assert [row["action"] for row in events] == ["import"]
    assert [row["id"] for row in events] == independent_card_history(legacy)


def test_the_page_and_the_api_agree(life: Life, client_for: Any) -> None:
    officer = AccountFactory.create()
    api = ApiClient(officer).get(f"/persons/{life.person.pk}/history").json()["events"]
    for language, key in (("zh-hans", "zh"), ("en", "en")):
        page = _client(client_for, officer, language).get(
            f"/reports/history/persons/{life.person.pk}/"
        )
        assert page.status_code == 200
        rows = page.context["rows"]
        assert [r.event_id for r in rows] == [a["id"] for a in api]
        assert [r.action_label for r in rows] == [a[f"action_{key}"] for a in api]
        assert [r.actor_role_label for r in rows] == [a[f"actor_role_{key}"] for a in api]
        assert [r.channel_label for r in rows] == [a[f"channel_{key}"] for a in api]
        html = page.content.decode()
        for row in rows:
            assert row.action_label in html
    card_api = ApiClient(officer).get(f"/cards/{life.card.pk}/history").json()["events"]
    page = _client(client_for, officer).get(f"/reports/history/cards/{life.card.pk}/")
    assert [r.event_id for r in page.context["rows"]] == [a["id"] for a in card_api]


def test_labels_in_chinese_and_english_and_never_a_code(life: Life, client_for: Any) -> None:
    officer = AccountFactory.create()
    url = f"/reports/history/persons/{life.person.pk}/"
    chinese = _client(client_for, officer).get(url).content.decode()
    english = _client(client_for, officer, "en").get(url).content.decode()
    assert "申请已提交" in chinese
    assert "社保卡已启用" in chinese
    assert "挂失" in chinese
    assert "Application submitted" in english
    assert "Card enabled" in english
    assert "Loss reported" in english
    assert "网上自助办理" in chinese  # the loss's channel, in words
    assert "Online self-service" in english
    for code in ("application_submit", "card_enable", "card_report_loss", "card_order"):
        assert code not in chinese
        assert code not in english


def test_a_recorded_reason_reads_in_words() -> None:
    viewer = Actor(role=Role.CITY_OFFICER, label="officer")
    event = AuditEvent(
        pk=1,
        at=timezone.now(),
        actor_role="bank_clerk",
        actor_label="clerk",
        action="card_replacement_apply",
        object_type="card",
        object_id="7",
        changes={"reason": "lost", "channel": "bank_outlet"},
    )
    typed = AuditEvent(
        pk=2,
        at=timezone.now(),
        actor_role="made_up_role",
        actor_label="x",
        action="not_an_action",
        object_type="nothing",
        object_id="outlet:3",
        changes={"reason": "户籍迁入更正"},
    )
    with translation.override("zh-hans"):
        row, other = history_rows(viewer, [event, typed])
    assert (row.reason, row.channel_label, row.action_label) == (
        "卡片遗失",
        "合作银行网点",
        "申请补换卡",
    )
    assert other.reason == "户籍迁入更正"
    assert (row.object_shown, other.object_shown) == ("7", "")  # no internal reference
    assert other.action_label == "其他已记录操作"
    assert other.object_label == "其他记录"
    with translation.override("en"):
        (row,) = history_rows(viewer, [event])
    assert (row.reason, row.action_label) == ("The card was lost", "Replacement applied for")


# --------------------------------------------------------------------------------------------
# Who may read whose history
# --------------------------------------------------------------------------------------------


def _codes(account: Account, life: Life, client_for: Any) -> list[tuple[int, str]]:
    """Person page, person API, card page, card API: each answer's status and code."""
    api = ApiClient(account)
    client = _client(client_for, account)
    answers = []
    for page, call in (
        (f"/reports/history/persons/{life.person.pk}/", f"/persons/{life.person.pk}/history"),
        (f"/reports/history/cards/{life.card.pk}/", f"/cards/{life.card.pk}/history"),
    ):
        shown = client.get(page)
        answer = api.get(call)
        code = answer.json().get("code", "") if answer.status_code != 200 else ""
        assert shown.status_code == answer.status_code, (page, shown.status_code)
        if code:
            assert f'data-code="{code}"' in shown.content.decode()
        answers.append((answer.status_code, code))
    return answers


ALLOWED = [(200, ""), (200, "")]
NOT_FOUND = [(404, "not_found"), (404, "not_found")]
REFUSED = [(403, "permission_denied"), (403, "permission_denied")]


def test_officers_read_their_city_and_district_only(life: Life, client_for: Any) -> None:
    assert _codes(AccountFactory.create(), life, client_for) == ALLOWED
    assert _codes(AccountFactory.create(city_code="310000"), life, client_for) == NOT_FOUND
    chaoyang = AccountFactory.create(district_officer=True, district_code=CHAOYANG)
    assert _codes(chaoyang, life, client_for) == ALLOWED
    xicheng = AccountFactory.create(district_officer=True)
    assert _codes(xicheng, life, client_for) == NOT_FOUND


def test_hr_reads_their_own_staff_only(life: Life, client_for: Any) -> None:
    employer = EmployerFactory.create()
    Person.objects.filter(pk=life.person.pk).update(employer=employer)
    assert _codes(AccountFactory.create(employer_hr=True), life, client_for) == NOT_FOUND
    ours = AccountFactory.create(employer_hr=True, employer=employer)
    assert _codes(ours, life, client_for) == ALLOWED


def test_counters_production_and_api_clients_are_refused(life: Life, client_for: Any) -> None:
    for trait in ("bank_clerk", "community_clerk", "production_operator", "api_client"):
        account = AccountFactory.create(**{trait: True})
        if trait == "bank_clerk":  # even the clerk of the outlet that handed the card over
            account = AccountFactory.create(bank_clerk=True, outlet=life.outlet)
        assert _codes(account, life, client_for) == REFUSED, trait


def test_the_holder_reads_their_own_without_staff_names(life: Life, client_for: Any) -> None:
    assert _codes(life.holder, life, client_for) == ALLOWED
    events = ApiClient(life.holder).get(f"/persons/{life.person.pk}/history").json()["events"]
    assert [e["id"] for e in events] == independent_person_history(life.person)
    own = [e for e in events if e["actor_role"] == "cardholder"]
    assert "card_report_loss" in {e["action"] for e in own}
    assert all(e["actor"] == life.holder.user.username for e in own)
    others = [e for e in events if e["actor_role"] != "cardholder"]
    assert others
    assert all(e["actor"] == "" for e in others)
    assert all(e["actor_role_zh"] and e["actor_role_en"] for e in others)
    stranger = AccountFactory.create(cardholder=True, person=life.other, city_code="")
    assert _codes(stranger, life, client_for) == NOT_FOUND


def test_the_person_and_card_pages_link_their_history(life: Life, client_for: Any) -> None:
    officer = _client(client_for, AccountFactory.create())
    person_page = officer.get(f"/persons/{life.person.pk}/").content.decode()
    assert f"/reports/history/persons/{life.person.pk}/" in person_page
    holder = _client(client_for, life.holder)
    assert f"/reports/history/persons/{life.person.pk}/" in holder.get("/me/").content.decode()
    assert f"/reports/history/cards/{life.card.pk}/" in holder.get("/me/cards/").content.decode()
    history = officer.get(f"/reports/history/persons/{life.person.pk}/").content.decode()
    assert f"/reports/history/cards/{life.card.pk}/" in history


# --------------------------------------------------------------------------------------------
# No ID number in clear
# --------------------------------------------------------------------------------------------


def _xlsx_and_csv(client: Client, query: str) -> list[str]:
    return [
        read_export(client.get(f"/reports/audit/export.{fmt}?{query}")).text()
        for fmt in ("xlsx", "csv")
    ]


def test_no_id_number_in_clear_on_pages_exports_or_answers(life: Life, client_for: Any) -> None:
    officer_account = AccountFactory.create()
    officer = _client(client_for, officer_account)
    found = officer.post("/reports/audit/", {"id_number": life.id_number})
    assert found.status_code == 302
    assert life.id_number not in found["Location"]
    assert found["Location"].endswith(f"?person={life.person.pk}")
    texts = [
        officer.get(found["Location"]).content.decode(),
        officer.get(f"/reports/history/persons/{life.person.pk}/").content.decode(),
        officer.get(f"/reports/history/cards/{life.card.pk}/").content.decode(),
        _client(client_for, life.holder)
        .get(f"/reports/history/persons/{life.person.pk}/")
        .content.decode(),
        ApiClient(officer_account).get(f"/persons/{life.person.pk}/history").content.decode(),
        *_xlsx_and_csv(officer, f"person={life.person.pk}"),
    ]
    for text in texts:
        assert life.id_number not in text
        assert life.id_number[:6] + life.id_number[6:14] not in text
    # The trail itself holds no number in clear either (masked forms only).
    for changes in AuditEvent.objects.values_list("changes", flat=True):
        assert life.id_number not in str(changes)
    assert mask_id_number(life.id_number) != life.id_number


# --------------------------------------------------------------------------------------------
# The audit page
# --------------------------------------------------------------------------------------------


def test_audit_search_by_person_card_actor_action_and_days(life: Life, client_for: Any) -> None:
    account = AccountFactory.create()
    officer = _client(client_for, account)
    person_events = set(independent_person_history(life.person))
    page = officer.get(f"/reports/audit/?person={life.person.pk}")
    assert page.status_code == 200
    shown = [r.event_id for r in page.context["rows"]]
    assert (
        shown
        == sorted(
            person_events, key=lambda pk: (AuditEvent.objects.get(pk=pk).at, pk), reverse=True
        )[:50]
    )
    card = officer.get(f"/reports/audit/?card_number={life.card.card_number}")
    assert {r.event_id for r in card.context["rows"]} == set(independent_card_history(life.card))
    clerk_label = f"clerk@{life.outlet.code}"
    by_actor = officer.get(f"/reports/audit/?person={life.person.pk}&actor={clerk_label}")
    expected = {
        pk for pk in person_events if AuditEvent.objects.get(pk=pk).actor_label == clerk_label
    }
    assert expected
    assert {r.event_id for r in by_actor.context["rows"]} == expected
    by_action = officer.get(f"/reports/audit/?person={life.person.pk}&action=card_enable")
    assert [r.action for r in by_action.context["rows"]] == ["card_enable"]
    day = timezone.localdate()
    later = (day + timedelta(days=1)).isoformat()
    none = officer.get(f"/reports/audit/?person={life.person.pk}&date_from={later}")
    assert list(none.context["rows"]) == []
    within = officer.get(
        f"/reports/audit/?person={life.person.pk}&date_from={day.isoformat()}&date_to={day.isoformat()}"
    )
    assert {r.event_id for r in within.context["rows"]} == person_events
    # The export carries the same filter: the same events, the person named masked.
    for text, fmt in zip(
        _xlsx_and_csv(officer, f"person={life.person.pk}&action=card_enable"),
        ("xlsx", "csv"),
        strict=True,
    ):
        assert "社保卡已启用" in text, fmt
        assert life.person.name not in text
        assert life.person.masked_name in text
    export = read_export(officer.get(f"/reports/audit/export.csv?person={life.person.pk}"))
    assert len(export.rows) == len(person_events)
    api = ApiClient(account).get("/audit/events", person=life.person.pk, page_size=500).json()
    assert [r["id"] for r in api["items"]] == [r.event_id for r in page.context["rows"]]
    posted = ApiClient(account).post("/audit/events/search", {"id_number": life.id_number})
    assert {r["id"] for r in posted.json()["items"]} == person_events


def test_audit_refusals_and_their_codes(life: Life, client_for: Any) -> None:
    account = AccountFactory.create()  # bound to Beijing
    officer = _client(client_for, account)
    free = officer.get("/reports/audit/?action=card_enable")
    assert "code-audit_subject_required" in free.content.decode()
    assert ApiClient(account).get("/audit/events").json()["code"] == "audit_subject_required"
    unknown = officer.get(f"/reports/audit/?person={life.person.pk}&action=no_such_thing")
    assert unknown.status_code == 200  # the form refuses a choice it does not offer
    assert (
        ApiClient(account)
        .get("/audit/events", person=life.person.pk, action="no_such_thing")
        .json()["code"]
        == "audit_action_unknown"
    )
    backwards = ApiClient(account).get(
        "/audit/events", person=life.person.pk, date_from="2026-02-02", date_to="2026-01-01"
    )
    assert backwards.json()["code"] == "audit_period_invalid"
    for far in ("0001-01-01", "9999-12-31"):
        edge = ApiClient(account).get("/audit/events", person=life.person.pk, date_to=far)
        assert edge.json()["code"] == "audit_period_invalid", far
        page = officer.get(f"/reports/audit/?person={life.person.pk}&date_from={far}")
        assert "code-audit_period_invalid" in page.content.decode(), far
    bad_card = ApiClient(account).get("/audit/events", card_number="X")
    assert bad_card.status_code == 422
    assert bad_card.json()["code"] == "card_number_invalid"
    elsewhere = AccountFactory.create(city_code="310000")
    assert ApiClient(elsewhere).get("/audit/events", person=life.person.pk).status_code == 404
    looked_up = ApiClient(elsewhere).post("/audit/events/search", {"id_number": life.id_number})
    assert looked_up.json()["code"] == "not_found"
    for trait in ("district_officer", "employer_hr", "bank_clerk", "cardholder"):
        other = AccountFactory.create(**{trait: True})
        assert _client(client_for, other).get("/reports/audit/").status_code == 403, trait
        answer = ApiClient(other).get("/audit/events", person=life.person.pk)
        assert answer.json()["code"] == "permission_denied", trait
    # An officer bound to no city (a one-city deployment) searches the whole trail.
    whole = AccountFactory.create(city_code="")
    every = ApiClient(whole).get("/audit/events", action="card_enable").json()
    assert every["count"] == AuditEvent.objects.filter(action="card_enable").count() >= 1
