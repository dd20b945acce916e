"""A prefecture-level city's officer sees their own city, not the rest of the province.

Guangzhou (440100) and Shenzhen (440300) share the province's first two digits (44); a city is
told by its first four (``kernel.regions.city_prefix``), as the municipalities' by their two.
"""

from __future__ import annotations

import pytest

from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.network.selectors import outlet_list
from sscard.registry.selectors import (
    division_districts,
    employer_list,
    person_list,
    school_get,
    school_list,
)
from sscard.testing.factories import (
    DivisionFactory,
    EmployerFactory,
    OutletFactory,
    PersonFactory,
    SchoolFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db
GUANGZHOU = "440100"
TIANHE = "440106"  # a district of Guangzhou
LUOHU = "440303"  # a district of Shenzhen (440300), same province


@pytest.fixture
def guangzhou_officer() -> Actor:
    DivisionFactory.create(code=TIANHE, name_zh="天河区", name_en="Tianhe District")
    DivisionFactory.create(code=LUOHU, name_zh="罗湖区", name_en="Luohu District")
    return Actor(role=Role.CITY_OFFICER, label="gz", city_code=GUANGZHOU)


def test_the_officer_filters_by_the_districts_of_their_own_city_only(
    guangzhou_officer: Actor,
) -> None:
    # when the Guangzhou officer is offered districts to filter by
    codes = [d.code for d in division_districts(actor=guangzhou_officer)]
    # then Tianhe is there and Shenzhen's Luohu is not
    assert codes == [TIANHE]


def test_the_officer_sees_the_schools_of_guangzhou_not_of_shenzhen(
    guangzhou_officer: Actor,
) -> None:
    # given a school in each city
    tianhe = SchoolFactory.create(district=TIANHE)
    luohu = SchoolFactory.create(district=LUOHU)
    # when the Guangzhou officer lists schools
    found = list(school_list(actor=guangzhou_officer))
    # then only Guangzhou's is listed, and Shenzhen's answers as a missing one
    assert found == [tianhe]
    assert school_get(actor=guangzhou_officer, code=tianhe.code) == tianhe
    with pytest.raises(ApplicationError) as refused:
        school_get(actor=guangzhou_officer, code=luohu.code)
    assert refused.value.code == "not_found"


def test_the_officer_sees_the_persons_employers_and_outlets_of_guangzhou_only(
    guangzhou_officer: Actor,
) -> None:
    # given a person, an employer and an outlet in each city
    mine = PersonFactory.create(
        id_number=make_id_number(1, region=TIANHE), insured_region=TIANHE, hukou_region=TIANHE
    )
    PersonFactory.create(
        id_number=make_id_number(2, region=LUOHU), insured_region=LUOHU, hukou_region=LUOHU
    )
    employer = EmployerFactory.create(insured_district=TIANHE)
    EmployerFactory.create(insured_district=LUOHU)
    outlet = OutletFactory.create(district=TIANHE)
    OutletFactory.create(district=LUOHU)
    # when the Guangzhou officer lists them, then Shenzhen's are not there
    assert list(person_list(actor=guangzhou_officer)) == [mine]
    assert list(employer_list(actor=guangzhou_officer)) == [employer]
    assert list(outlet_list(actor=guangzhou_officer)) == [outlet]
