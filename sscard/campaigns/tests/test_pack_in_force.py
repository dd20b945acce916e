"""The pack in force is asked in one place and answers what callers need of it."""

from __future__ import annotations

import pytest

from sscard.campaigns.selectors import (
    pack_in_force_for_city,
    pack_in_force_for_employer,
    pack_in_force_for_person,
    pack_in_force_for_region,
    pack_in_force_or_none,
)
from sscard.campaigns.services import campaign_put_in_force
from sscard.core.actors import Actor
from sscard.core.errors import ApplicationError
from sscard.policy import builtin_pack
from sscard.testing.factories import EmployerFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def beijing_in_force() -> None:
    campaign_put_in_force(actor=Actor.system("test"), pack=builtin_pack("beijing-2024"))


CHAOYANG = "110105"


def test_a_person_an_employer_and_a_district_of_beijing_find_the_same_pack(
    beijing_in_force: None,
) -> None:
    person = PersonFactory.create(insured_region=CHAOYANG)
    employer = EmployerFactory.create(insured_district=CHAOYANG)
    found = {
        pack_in_force_for_person(person).pack_hash,
        pack_in_force_for_employer(employer).pack_hash,
        pack_in_force_for_region(CHAOYANG).pack_hash,
        pack_in_force_for_city("110000").pack_hash,
    }
    assert len(found) == 1
    in_force = pack_in_force_for_city("110000")
    assert in_force.city == "110000"
    # What callers ask of it, answered from the pack: BJ-12 (free, posting included).
    assert in_force.fee(pickup="post") == 0
    assert in_force.bank_name("ICBC") == "中国工商银行"
    assert in_force.template_text("no-such-template") is None


def test_a_city_with_no_campaign_is_refused_with_its_code(beijing_in_force: None) -> None:
    assert pack_in_force_or_none("440100") is None
    with pytest.raises(ApplicationError) as refused:
        pack_in_force_for_region("440106")  # Guangzhou: no campaign there
    assert refused.value.code == "no_campaign_in_force"
    assert refused.value.status == 409
    assert refused.value.details == {"city": "440100"}
