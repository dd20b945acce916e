"""person_correct: non-identity fields written at once and audited masked; identity fields
proposed to a second officer and applied on approval; every bad input refused with its code and
nothing written; a corrected ID number still finds the person as a former one; a name or ID
change flags the holder's card in force for reissue and tells the holder.
"""

from __future__ import annotations

from typing import Any

import pytest

from sscard.cards.models import CardReissueFlag
from sscard.cards.tests import support
from sscard.core.actors import Actor, Role
from sscard.core.approvals import approval_decide
from sscard.core.audit import audit_verify_chain
from sscard.core.crypto import ID_NUMBER, field_cipher
from sscard.core.errors import ApplicationError
from sscard.core.models import Approval, AuditEvent
from sscard.notifications.models import OutboxMessage
from sscard.registry.corrections import person_correct
from sscard.registry.models import FormerIdentifier, Person
from sscard.registry.selectors import (
    person_find_by_id_number,
    person_former_identifier,
    person_list,
)
from sscard.testing.factories import (
    CHAOYANG,
    XICHENG,
    DivisionFactory,
    EmployerFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db

MAKER = Actor(role=Role.DISTRICT_OFFICER, label="maker", user_id=801, district_code=XICHENG)
CHECKER = Actor(role=Role.DISTRICT_OFFICER, label="checker", user_id=802, district_code=XICHENG)
CITY = Actor(role=Role.CITY_OFFICER, label="city", user_id=803, city_code="110000")
CLERK = Actor(role=Role.BANK_CLERK, label="teller", user_id=804, outlet_id=1)


@pytest.fixture(autouse=True)
def _districts() -> None:
    DivisionFactory.create(code=XICHENG)
    DivisionFactory.create(code=CHAOYANG, name_zh="朝阳区", name_en="Chaoyang District")


def _state(person: Person) -> tuple[Any, ...]:
    person.refresh_from_db()
    return (
        person.name,
        bytes(person.id_number_index),
        person.birth_date,
        person.sex,
        person.phone_masked,
        person.address,
        person.category,
        person.insured_region,
        person.employer_id,
    )


def _refused(code: str, person: Person, **kwargs: Any) -> None:
    before = _state(person)
    events = AuditEvent.objects.count()
    approvals = Approval.objects.count()
    with pytest.raises(ApplicationError) as caught:
        person_correct(person=person, **{"actor": MAKER, "reason": "户籍证明", **kwargs})
    assert caught.value.code == code
    assert _state(person) == before
    assert AuditEvent.objects.count() == events
    assert Approval.objects.count() == approvals


def test_non_identity_fields_apply_at_once_audited_with_the_phone_masked() -> None:
    # given a person with a phone
    person = support.person(phone="13900001234")
    employer = EmployerFactory.create()
    # when a district officer corrects the phone, category and employer
    done = person_correct(
        actor=MAKER,
        person=person,
        changes={
            "phone": "13712345678",
            "category": "in_service_staff",
            "employer": employer.credit_code,
            "address": "西城区某街道1号",
        },
        reason="本人申请",
        evidence="身份证复印件",
    )
    # then they are written at once, nothing goes to approval
    person.refresh_from_db()
    assert done.approval is None
    assert set(done.applied) == {"phone", "employer", "address"}
    assert person.phone_masked.endswith("5678")
    assert person.employer_id == employer.pk
    assert person.address == "西城区某街道1号"
    # and the audit has old and new, the phone masked and never in the clear
    event = AuditEvent.objects.get(action="person_correct", object_id=str(person.pk))
    fields = event.changes["fields"]
    assert fields["phone"] == ["*******1234", "*******5678"]
    assert "13712345678" not in str(event.changes)
    assert event.changes["reason"] == "本人申请"
    assert audit_verify_chain().ok


def test_identity_fields_are_proposed_not_written_and_apply_on_approval() -> None:
    # given a person with a card in force and a phone, in a city with a campaign in force
    support.in_force()
    person = support.person(name="张伟", phone="13900001234")
    card = support.card(person)
    old_number = field_cipher().decrypt(bytes(person.id_number_enc), field=ID_NUMBER)
    new_number = make_id_number(42)
    # when the maker corrects the name and the ID number
    done = person_correct(
        actor=MAKER,
        person=person,
        changes={"name": "张维", "id_number": new_number, "phone": "13900001234"},
        reason="公安部门户籍更正",
        evidence="户籍证明 2024-001",
    )
    # then nothing of the identity is written: a proposal waits, the number only masked in it
    assert done.applied == ()
    # (a new number brings its own birth date and sex: they are proposed with it)
    assert {"name", "id_number"} <= set(done.proposed) <= {"name", "id_number", "birth_date", "sex"}
    approval = done.approval
    assert approval is not None
    assert approval.state == Approval.State.PENDING
    person.refresh_from_db()
    assert person.name == "张伟"
    assert new_number not in str(approval.payload)
    assert "张维" not in str(approval.payload)
    assert not AuditEvent.objects.filter(changes__icontains=new_number).exists()
    # when the maker tries to approve it themself
    with pytest.raises(ApplicationError) as own:
        approval_decide(actor=MAKER, approval_id=approval.pk, approve=True)
    assert own.value.code == "approval_own_change"
    person.refresh_from_db()
    assert person.name == "张伟"
    # when a second officer approves
    approval_decide(actor=CHECKER, approval_id=approval.pk, approve=True)
    # then the record carries the new name and number, the old number kept as a former one
    person.refresh_from_db()
    assert person.name == "张维"
    assert person.id_number_masked == new_number[0] + "*" * 16 + new_number[-1]
    former = FormerIdentifier.objects.get(person=person)
    assert former.approval_id == approval.pk
    # and a lookup by the old number still finds the person, shown as a former number
    found = person_find_by_id_number(actor=CLERK, id_number=old_number)
    assert found.pk == person.pk
    assert person_former_identifier(person=found, id_number=old_number) == former
    assert list(person_list(actor=CITY, id_number=old_number)) == [person]
    assert person_former_identifier(person=found, id_number=new_number) is None
    # and the card in force is flagged for reissue, the holder told once
    flag = CardReissueFlag.objects.get(card=card)
    assert flag.fields == ["id_number", "name"]
    assert flag.holder_told == 1
    text = OutboxMessage.objects.get(template_key="reissue_after_correction", person_id=person.pk)
    assert "换卡" in text.text
    assert audit_verify_chain().ok


def test_correcting_to_a_number_that_exists_is_refused_at_proposal_and_at_apply() -> None:
    # given two persons
    person = support.person()
    other = support.person()
    other_number = field_cipher().decrypt(bytes(other.id_number_enc), field=ID_NUMBER)
    # then correcting one to the other's number is refused, nothing written
    _refused("person_id_number_taken", person, changes={"id_number": other_number})
    # when a number free at proposal is taken before approval
    free = make_id_number(77)
    done = person_correct(
        actor=MAKER, person=person, changes={"id_number": free}, reason="户籍证明"
    )
    third = support.person(id_number=free)
    assert done.approval is not None
    # then the approval is refused with the same code and stays pending, nothing written
    with pytest.raises(ApplicationError) as caught:
        approval_decide(actor=CHECKER, approval_id=done.approval.pk, approve=True)
    assert caught.value.code == "person_id_number_taken"
    done.approval.refresh_from_db()
    assert done.approval.state == Approval.State.PENDING
    assert not FormerIdentifier.objects.exists()
    assert third.pk != person.pk


def test_a_former_number_of_another_person_is_taken_too() -> None:
    # given a person whose number was corrected (their old number is now a former one)
    person = support.person()
    old_number = field_cipher().decrypt(bytes(person.id_number_enc), field=ID_NUMBER)
    done = person_correct(
        actor=MAKER, person=person, changes={"id_number": make_id_number(91)}, reason="更正"
    )
    assert done.approval is not None
    approval_decide(actor=CHECKER, approval_id=done.approval.pk, approve=True)
    # then nobody else may be corrected to that old number
    other = support.person()
    _refused("person_id_number_taken", other, changes={"id_number": old_number})


@pytest.mark.parametrize(
    ("changes", "reason", "code"),
    [
        ({"phone": "13712345678"}, "", "correction_reason_required"),
        ({"phone": "13712345678"}, "   ", "correction_reason_required"),
        ({"phone": "12345"}, "更正", "phone_invalid"),
        ({"birth_date": "2999-01-01"}, "更正", "birth_date_in_future"),
        ({"birth_date": "1990-02-30"}, "更正", "birth_date_invalid"),
        ({"id_number": "110102199001011235"}, "更正", "id_check_digit"),
        ({"insured_region": "999999"}, "更正", "district_unknown"),
        ({"employer": "91110102000000000X"}, "更正", "employer_unknown"),
        ({"sex": "X"}, "更正", "sex_invalid"),
        ({"name": "张3"}, "更正", "name_invalid"),
        ({"favourite_colour": "blue"}, "更正", "correction_field_unknown"),
        ({}, "更正", "correction_no_change"),
    ],
)
def test_bad_input_is_refused_with_its_code_and_nothing_written(
    changes: dict[str, str], reason: str, code: str
) -> None:
    person = support.person(phone="13900001234")
    _refused(code, person, changes=changes, reason=reason)


def test_no_change_at_all_is_refused() -> None:
    person = support.person(phone="13900001234")
    number = field_cipher().decrypt(bytes(person.id_number_enc), field=ID_NUMBER)
    same = {"name": person.name, "id_number": number, "phone": "13900001234"}
    _refused("correction_no_change", person, changes=same)


def test_a_district_officer_cannot_correct_another_districts_person() -> None:
    # given a person of Chaoyang and an officer of Xicheng
    person = support.person(hukou_region=CHAOYANG, insured_region=CHAOYANG)
    # then the person answers as a missing one, nothing written
    _refused("not_found", person, changes={"phone": "13712345678"})


def test_a_clerk_may_not_correct() -> None:
    person = support.person()
    before = _state(person)
    with pytest.raises(ApplicationError) as caught:
        person_correct(actor=CLERK, person=person, changes={"address": "x"}, reason="r")
    assert caught.value.code == "permission_denied"
    assert _state(person) == before


def test_former_numbers_are_rekeyed_by_rotation_like_the_persons() -> None:
    from sscard.core.keys import encrypted_tables

    found = {(t.label, c.enc, c.index, c.field) for t in encrypted_tables() for c in t.columns}
    assert ("registry.formeridentifier", "id_number_enc", "id_number_index", "id_number") in found


def test_the_proposal_reads_as_field_names_and_masked_values() -> None:
    from django.utils import translation

    from sscard.core.approvals import approval_describe, approval_kind_label

    person = support.person(name="欧阳修")
    new_number = make_id_number(4343)
    done = person_correct(
        actor=MAKER,
        person=person,
        changes={"name": "欧阳秀", "id_number": new_number},
        reason="户籍更正",
    )
    assert done.approval is not None
    with translation.override("zh-hans"):
        line = approval_describe(done.approval)
        label = approval_kind_label(done.approval)
    assert "姓名" in line
    assert "欧**" in line
    assert "欧阳秀" not in line
    assert new_number not in line
    assert new_number[0] + "*" * 16 + new_number[-1] in line
    assert label == "人员身份信息更正"


def test_a_second_proposal_for_the_same_person_is_refused_while_one_waits() -> None:
    person = support.person()
    person_correct(actor=MAKER, person=person, changes={"name": "李四"}, reason="更正")
    _refused("approval_already_pending", person, changes={"name": "王五"})
