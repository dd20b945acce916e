"""application_cancel: the holder, or the outlet that took it, withdraws an open application."""

from __future__ import annotations

import pytest

from sscard.applications.models import Application
from sscard.applications.services import application_cancel, application_submit
from sscard.applications.tests.support import (
    SH_DAY,
    centre,
    clerk,
    holder,
    in_force,
    shanghai_person,
    written,
)
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.registry.models import Person

pytestmark = pytest.mark.django_db


def _submitted(person: Person, actor: Actor | None = None) -> Application:
    """The holder's application online, or (given a clerk) a first card at a community centre."""
    at_counter = actor is not None
    return application_submit(
        actor=actor or holder(person),
        person=person,
        channel="community_centre" if at_counter else "online",
        action="first" if at_counter else "migrate",
        day=SH_DAY,
        bank="BOSC" if at_counter else "CCB",
        backup_centre_id=centre().pk,
        photo_source="id_card",
    )


def test_the_holder_withdraws_their_open_application_and_it_is_audited() -> None:
    # given an application the holder submitted online
    in_force("shanghai-2019")
    person = shanghai_person()
    application = _submitted(person)
    # when they withdraw it
    cancelled = application_cancel(actor=holder(person), application_id=application.pk)
    # then it is cancelled, and one audit event records the change with the pack it ran under
    application.refresh_from_db()
    assert cancelled.pk == application.pk
    assert application.status == "cancelled"
    event = AuditEvent.objects.get(action="application_cancel")
    assert (event.object_type, event.object_id) == ("applications.application", str(application.pk))
    assert event.changes == {"status": ["submitted", "cancelled"]}
    assert event.pack_hash == application.pack_hash


def test_the_clerk_of_the_outlet_that_took_it_withdraws_it() -> None:
    in_force("shanghai-2019")
    desk = centre()
    person = shanghai_person()
    application = _submitted(person, clerk(desk))
    application_cancel(actor=clerk(desk), application_id=application.pk)
    application.refresh_from_db()
    assert application.status == "cancelled"


def test_a_withdrawn_application_cannot_be_withdrawn_again_and_nothing_is_written() -> None:
    in_force("shanghai-2019")
    person = shanghai_person()
    application = _submitted(person)
    application_cancel(actor=holder(person), application_id=application.pk)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        application_cancel(actor=holder(person), application_id=application.pk)
    assert (refused.value.code, refused.value.status) == ("application_not_open", 409)
    assert refused.value.details == {"status": "cancelled"}
    assert written() == before


@pytest.mark.parametrize("who", ["another holder", "another outlet", "the bureau"])
def test_someone_else_is_told_there_is_no_such_application(who: str) -> None:
    # given an application a holder submitted online
    in_force("shanghai-2019")
    person = shanghai_person()
    application = _submitted(person)
    actor = {
        "another holder": holder(shanghai_person()),
        "another outlet": clerk(centre()),
        "the bureau": Actor(role=Role.CITY_OFFICER, label="officer", city_code="310000"),
    }[who]
    before = written()
    # when someone who neither made it nor took it tries to withdraw it
    with pytest.raises(ApplicationError) as refused:
        application_cancel(actor=actor, application_id=application.pk)
    # then the answer is the same as for an application that does not exist
    assert (refused.value.code, refused.value.status) == ("not_found", 404)
    assert written() == before
    application.refresh_from_db()
    assert application.status == "submitted"
