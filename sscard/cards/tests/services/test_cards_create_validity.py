"""cards_create gives each card the pack's term for its generation and its holder's age on the
day it is issued (issue 15 point 4): a child's card runs five years, anyone else's ten."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from sscard.cards.models import Card
from sscard.cards.services import CardOrder, cards_create
from sscard.cards.tests.support import SYSTEM, TODAY, application, in_force, person

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("birth", "valid_until"),
    [
        (date(2015, 6, 1), date(2029, 3, 3)),  # 8 at issue: five years
        (date(2008, 3, 5), date(2029, 3, 3)),  # 15, sixteen tomorrow: still a child's card
        (date(2008, 3, 4), date(2034, 3, 3)),  # sixteen today: ten years
        (date(1960, 1, 1), date(2034, 3, 3)),
    ],
)
def test_the_term_follows_the_holders_age_on_the_day_of_issue(birth, valid_until):
    campaign = in_force()
    holder = person(birth_date=birth)
    app = application(campaign, holder)
    order = CardOrder(
        application_id=app.pk,
        person_id=holder.pk,
        region="110102",
        generation=3,
        pack_hash=app.pack_hash,
        bank_code="ICBC",
    )
    with transaction.atomic():
        (card_id,) = cards_create(actor=SYSTEM, orders=[order], today=TODAY)
    made = Card.objects.get(pk=card_id)
    assert (made.issued_on, made.valid_until) == (TODAY, valid_until)
