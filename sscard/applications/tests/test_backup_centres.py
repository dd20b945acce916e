"""backup_centres_near: the backup centres a page offers are those of the person's city."""

from __future__ import annotations

import pytest

from sscard.applications.selectors import backup_centres_near
from sscard.testing.factories import OutletFactory

pytestmark = pytest.mark.django_db

GUANGZHOU_TIANHE = "440106"
GUANGZHOU_HAIZHU = "440105"
SHENZHEN_FUTIAN = "440304"
SUZHOU_GUSU = "320508"
BEIJING_XICHENG = "110102"
BEIJING_CHAOYANG = "110105"


def _centres(*districts: str) -> dict[str, int]:
    return {
        d: OutletFactory.create(community_centre=True, district=d, name=f"centre {d}").pk
        for d in districts
    }


def test_a_prefecture_level_city_offers_its_own_districts_not_the_provinces() -> None:
    # given centres in two districts of Guangzhou, one of Shenzhen (same province) and Suzhou
    pks = _centres(GUANGZHOU_TIANHE, GUANGZHOU_HAIZHU, SHENZHEN_FUTIAN, SUZHOU_GUSU)
    # when a Tianhe resident is offered backup centres
    offered = set(backup_centres_near(region=GUANGZHOU_TIANHE).values_list("pk", flat=True))
    # then both Guangzhou centres, and neither Shenzhen's nor Suzhou's
    assert offered == {pks[GUANGZHOU_TIANHE], pks[GUANGZHOU_HAIZHU]}
    suzhou = set(backup_centres_near(region=SUZHOU_GUSU).values_list("pk", flat=True))
    assert suzhou == {pks[SUZHOU_GUSU]}


def test_a_municipality_offers_every_district_of_the_city() -> None:
    pks = _centres(BEIJING_XICHENG, BEIJING_CHAOYANG, GUANGZHOU_TIANHE)
    offered = set(backup_centres_near(region=BEIJING_XICHENG).values_list("pk", flat=True))
    assert offered == {pks[BEIJING_XICHENG], pks[BEIJING_CHAOYANG]}


def test_without_a_region_every_centre_is_offered_and_bank_branches_never_are() -> None:
    pks = _centres(BEIJING_XICHENG, GUANGZHOU_TIANHE)
    OutletFactory.create(district=BEIJING_XICHENG)  # a bank branch
    offered = set(backup_centres_near(region="").values_list("pk", flat=True))
    assert offered == set(pks.values())
