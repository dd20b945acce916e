"""``city_of``: the city of a division code, for municipalities and prefecture-level cities."""

from __future__ import annotations

import pytest

from sscard.kernel.regions import city_of, city_prefix


@pytest.mark.parametrize(
    ("region", "city"),
    [
        ("110105", "110000"),  # 北京市朝阳区 → 北京市
        ("110000", "110000"),
        ("310106", "310000"),  # 上海市静安区 → 上海市
        ("500101", "500000"),  # 重庆市万州区 → 重庆市
        ("120101", "120000"),  # 天津市和平区 → 天津市
        ("440106", "440100"),  # 广东省广州市天河区 → 广州市
        ("440100", "440100"),
        ("440183", "440100"),  # 广州市增城区
        ("320508", "320500"),  # 江苏省苏州市姑苏区 → 苏州市
        ("320583", "320500"),  # 苏州市昆山市 (a county-level city of Suzhou)
        ("441900", "441900"),  # 东莞市: a prefecture-level city with no districts
        ("429004", "429004"),  # 仙桃市: a county-level city under the province
        ("440000", "440000"),  # 广东省: a province, no city to narrow to
        ("", ""),
        ("4401", ""),
        ("44010x", ""),
    ],
)
def test_city_of(region: str, city: str) -> None:
    assert city_of(region) == city


@pytest.mark.parametrize(
    ("region", "other"),
    [("440106", "440306"), ("320508", "320206"), ("110105", "120101")],
)
def test_two_cities_of_one_province_are_not_one_city(region: str, other: str) -> None:
    # 广州 and 深圳, 苏州 and 无锡 share a province prefix: ``region[:2]`` would merge them.
    assert city_of(region) != city_of(other)
    assert not other.startswith(city_prefix(city_of(region)))
    assert region.startswith(city_prefix(city_of(region)))


def test_city_prefix() -> None:
    assert city_prefix("110000") == "11"
    assert city_prefix("440100") == "4401"
    assert city_prefix("429004") == "429004"
    assert city_prefix("") == ""
