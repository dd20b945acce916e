"""Network reads: outlets are public service points; relying parties are the bureau's list."""

from __future__ import annotations

import pytest

from sscard.core.errors import ApplicationError
from sscard.network.selectors import outlet_get, outlet_list, relying_party_list
from sscard.testing.factories import (
    CHAOYANG,
    AccountFactory,
    OutletFactory,
    RelyingPartyFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["city_officer", "bank_clerk", "cardholder", "employer_hr"])
def test_every_signed_in_role_reads_outlets(role):
    actor = AccountFactory.of_role(role).actor()
    branch = OutletFactory.create()
    centre = OutletFactory.create(community_centre=True, district=CHAOYANG)
    assert set(outlet_list(actor=actor)) >= {branch, centre}
    assert list(outlet_list(actor=actor, kind="community_centre")) == [centre]
    assert list(outlet_list(actor=actor, district=CHAOYANG)) == [centre]
    assert outlet_get(actor=actor, outlet_id=branch.pk) == branch


def test_a_missing_outlet_is_not_found(city_officer):
    with pytest.raises(ApplicationError) as refused:
        outlet_get(actor=city_officer.actor(), outlet_id=987654)
    assert refused.value.code == "not_found"


def test_relying_parties_are_listed_to_the_bureau_and_to_themselves(relying_party, city_officer):
    other = RelyingPartyFactory.create()
    assert set(relying_party_list(actor=city_officer.actor())) == {
        other,
        relying_party.relying_party,
    }
    assert list(relying_party_list(actor=relying_party.actor())) == [relying_party.relying_party]


def test_relying_parties_are_not_listed_to_others(employer_hr):
    with pytest.raises(ApplicationError) as refused:
        relying_party_list(actor=employer_hr.actor())
    assert refused.value.code == "permission_denied"
