"""disclosure_record: a record shown in full to a clerk is an access event, bounded per clerk and
per outlet each hour; the holder's own record and masked reads disclose nothing.

(The lookup paths that call it are tested end to end in ``tests/test_disclosures.py``; the race
for the last lookups of an hour on PostgreSQL in ``test_disclosure_limit_race.py``.)
"""

from __future__ import annotations

from typing import Any

import pytest

from sscard.core.actors import Actor, Role
from sscard.core.audit import audit_verify_chain
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.registry.choices import DisclosurePurpose
from sscard.registry.services import (
    CARD_COUNTER_FIELDS,
    COUNTER_LOOKUP_FIELDS,
    DISCLOSED,
    PERSON_OBJECT,
    disclosure_record,
)
from sscard.testing.factories import OutletFactory, PersonFactory

pytestmark = pytest.mark.django_db


def clerk(outlet_id: int, user_id: int = 7001) -> Actor:
    return Actor(role=Role.BANK_CLERK, label="teller", user_id=user_id, outlet_id=outlet_id)


def test_a_clerks_lookup_is_one_access_event_naming_fields_never_values() -> None:
    # given a clerk at an outlet and a person
    outlet = OutletFactory.create()
    person = PersonFactory.create(name="欧阳修")
    actor = clerk(outlet.pk)
    # when the clerk is shown the person's record at the card counter
    recorded = disclosure_record(
        actor=actor,
        person=person,
        purpose=DisclosurePurpose.CARD_COUNTER,
        fields=CARD_COUNTER_FIELDS,
    )
    # then one access event says who, where, whose record, which fields and why
    assert recorded is True
    event = AuditEvent.objects.get(action=DISCLOSED)
    assert (event.object_type, event.object_id) == (PERSON_OBJECT, str(person.pk))
    assert (event.actor_role, event.actor_user_id) == (Role.BANK_CLERK, 7001)
    assert event.changes == {
        "purpose": str(DisclosurePurpose.CARD_COUNTER),
        "fields": [str(f) for f in CARD_COUNTER_FIELDS],
        "outlet_id": outlet.pk,
    }
    assert "欧阳修" not in str(event.changes)
    assert audit_verify_chain().ok


@pytest.mark.parametrize(
    "actor",
    [
        Actor(role=Role.CITY_OFFICER, label="officer"),
        Actor(role=Role.EMPLOYER_HR, label="hr", employer_id=1),
    ],
    ids=["officer", "employer HR"],
)
def test_roles_that_read_masked_values_disclose_nothing(actor: Actor) -> None:
    person = PersonFactory.create()
    recorded = disclosure_record(
        actor=actor,
        person=person,
        purpose=DisclosurePurpose.COUNTER_LOOKUP,
        fields=COUNTER_LOOKUP_FIELDS,
    )
    assert recorded is False
    assert not AuditEvent.objects.filter(action=DISCLOSED).exists()


def test_the_holders_own_record_is_no_disclosure() -> None:
    person = PersonFactory.create()
    holder = Actor(role=Role.CARDHOLDER, label="holder", person_id=person.pk)
    recorded = disclosure_record(
        actor=holder,
        person=person,
        purpose=DisclosurePurpose.COUNTER_LOOKUP,
        fields=COUNTER_LOOKUP_FIELDS,
    )
    assert recorded is False
    assert not AuditEvent.objects.filter(action=DISCLOSED).exists()


def test_beyond_the_clerks_hourly_limit_the_lookup_is_refused_and_not_recorded(
    settings: Any,
) -> None:
    # given a clerk allowed two lookups an hour who has made them
    settings.SSCARD_LOOKUP_LIMIT_PER_CLERK = 2
    settings.SSCARD_LOOKUP_LIMIT_PER_OUTLET = 100
    outlet = OutletFactory.create()
    actor = clerk(outlet.pk)
    people = [PersonFactory.create() for _ in range(3)]
    for person in people[:2]:
        disclosure_record(
            actor=actor,
            person=person,
            purpose=DisclosurePurpose.COUNTER_LOOKUP,
            fields=COUNTER_LOOKUP_FIELDS,
        )
    # when a third is looked up, then it is refused with 429 and leaves no event behind
    with pytest.raises(ApplicationError) as refused:
        disclosure_record(
            actor=actor,
            person=people[2],
            purpose=DisclosurePurpose.COUNTER_LOOKUP,
            fields=COUNTER_LOOKUP_FIELDS,
        )
    assert (refused.value.code, refused.value.status) == ("lookup_limit_clerk", 429)
    assert refused.value.details == {"limit": 2, "window_minutes": 60}
    assert AuditEvent.objects.filter(action=DISCLOSED).count() == 2


def test_beyond_the_outlets_hourly_limit_every_clerk_there_is_refused(settings: Any) -> None:
    # given an outlet allowed two lookups an hour, used by one clerk
    settings.SSCARD_LOOKUP_LIMIT_PER_CLERK = 100
    settings.SSCARD_LOOKUP_LIMIT_PER_OUTLET = 2
    outlet = OutletFactory.create()
    people = [PersonFactory.create() for _ in range(3)]
    for person in people[:2]:
        disclosure_record(
            actor=clerk(outlet.pk),
            person=person,
            purpose=DisclosurePurpose.COUNTER_LOOKUP,
            fields=COUNTER_LOOKUP_FIELDS,
        )
    # when another clerk of the same outlet looks someone up, then the outlet's limit refuses it
    with pytest.raises(ApplicationError) as refused:
        disclosure_record(
            actor=clerk(outlet.pk, user_id=7002),
            person=people[2],
            purpose=DisclosurePurpose.COUNTER_LOOKUP,
            fields=COUNTER_LOOKUP_FIELDS,
        )
    assert (refused.value.code, refused.value.status) == ("lookup_limit_outlet", 429)
    assert AuditEvent.objects.filter(action=DISCLOSED).count() == 2
