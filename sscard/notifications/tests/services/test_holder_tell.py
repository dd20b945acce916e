"""holder_tell: the one way a flow tells people — the pack's template, filled in and checked
(BJ-13), queued set-based in the caller's transaction to sealed recipients."""

from __future__ import annotations

import pytest
from django.db import transaction

from sscard.core.actors import Actor
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.notifications import services
from sscard.notifications.models import OutboxMessage
from sscard.notifications.services import holder_tell, recipient_for_phone
from sscard.policy import builtin_pack, load_pack

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def test_the_packs_text_filled_in_goes_to_every_recipient_with_one_audit_event(
    django_capture_on_commit_callbacks, monkeypatch
):
    # given Shanghai's pack and three staff with phones
    kicks: list[int] = []
    monkeypatch.setattr(services, "_kick_sender", lambda: kicks.append(1))
    pack = builtin_pack("shanghai-2019")
    recipients = [recipient_for_phone(f"1391111000{n}", person_id=n) for n in range(1, 4)]
    # when the flow tells them the pack's confirm request, filled in with their employer
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        count = holder_tell(
            actor=ACTOR,
            pack=pack,
            template_key="confirm_request",
            recipients=recipients,
            employer="上海测试有限公司",
        )
    # then each gets the pack's text with the value in it, tagged with the pack, kicked once
    assert count == 3
    messages = list(OutboxMessage.objects.order_by("person_id"))
    assert [m.person_id for m in messages] == [1, 2, 3]
    expected = pack.templates["confirm_request"].text_zh.format(employer="上海测试有限公司")
    assert {m.text for m in messages} == {expected}
    assert {(m.template_key, m.pack_hash) for m in messages} == {
        ("confirm_request", pack.content_hash)
    }
    event = AuditEvent.objects.get(action="message_queue_many")
    assert event.changes == {"template": "confirm_request", "count": 3}
    assert event.pack_hash == pack.content_hash
    assert kicks == [1]


def test_a_pack_without_the_template_tells_nobody():
    pack = builtin_pack("beijing-2024")
    assert "school_notice" not in pack.templates
    with transaction.atomic():
        count = holder_tell(
            actor=ACTOR,
            pack=pack,
            template_key="school_notice",
            recipients=[recipient_for_phone("13911110001")],
            school="x",
        )
    assert count == 0
    assert not OutboxMessage.objects.exists()


def test_a_value_that_smuggles_a_link_is_refused_even_with_no_one_to_tell():
    # BJ-13: the text is checked as filled in, whether or not anyone would receive it
    pack = builtin_pack("shanghai-2019")
    for recipients in ([recipient_for_phone("13911110001")], []):
        with pytest.raises(ApplicationError) as refused, transaction.atomic():
            holder_tell(
                actor=ACTOR,
                pack=pack,
                template_key="confirm_request",
                recipients=recipients,
                employer="www.example.com 公司",
            )
        assert refused.value.code == "message_contains_link"
    assert not OutboxMessage.objects.exists()


def test_a_missing_value_is_refused_with_its_name():
    pack = builtin_pack("shanghai-2019")
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        holder_tell(
            actor=ACTOR,
            pack=pack,
            template_key="confirm_request",
            recipients=[recipient_for_phone("13911110001")],
        )
    assert refused.value.code == "template_value_missing"
    assert refused.value.details == {"key": "employer"}
    assert refused.value.message_en == "The message template needs a value for employer."
    assert not OutboxMessage.objects.exists()


def test_the_text_comes_from_the_pack_given():
    # given a pack whose confirm request says something else
    base = builtin_pack("shanghai-2019")
    old = base.templates["confirm_request"].text_zh
    changed = load_pack(base.source_text.replace(old, "{employer}请您确认制卡信息。", 1))
    with transaction.atomic():
        holder_tell(
            actor=ACTOR,
            pack=changed,
            template_key="confirm_request",
            recipients=[recipient_for_phone("13911110001")],
            employer="某单位",
        )
    # then that pack's text is sent, under its own hash
    message = OutboxMessage.objects.get()
    assert (message.text, message.pack_hash) == ("某单位请您确认制卡信息。", changed.content_hash)
    assert changed.content_hash != base.content_hash
