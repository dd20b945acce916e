"""The public home page tells the truth about what the platform does today (issue 12, point 9).

Each sentence it says about a role is backed by the navigation rows that role gets, and each of
those pages opens for it; every role is spoken to; the page says it in both languages; and the
contacts are those of the policy pack in force, not a number typed into a template.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from sscard.applications.tests.support import in_force
from sscard.core.actors import Role
from sscard.policy import builtin_pack
from sscard.portal.models import Account
from sscard.portal.navigation import AUDIENCES, LATER, Ability, links_by_target
from sscard.testing.factories import AccountFactory
from sscard.testing.fixtures import ClientFor

pytestmark = pytest.mark.django_db

CLAIMS = [
    pytest.param(role, ability, id=f"{role.value}-{audience.mark}{n}")
    for audience in AUDIENCES
    for n, ability in enumerate(audience.abilities)
    for role in sorted(ability.roles or audience.roles)
]


def _home(language: str) -> str:
    client = Client()
    client.cookies["django_language"] = language
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_every_role_is_spoken_to() -> None:
    spoken_to = {role for audience in AUDIENCES for role in audience.roles}
    assert spoken_to == set(Role) - {Role.SYSTEM}


@pytest.mark.parametrize(("role", "ability"), CLAIMS)
def test_each_sentence_is_a_page_the_role_gets_and_opens(
    role: Role, ability: Ability, client_for: ClientFor
) -> None:
    account = AccountFactory.of_role(role)
    links = links_by_target(account.actor())
    client = client_for(account)
    for target in ability.targets:
        assert target in links, (role, str(ability.text), target)
        assert client.get(links[target]).status_code == 200, (role, links[target])


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_page_says_each_roles_abilities_in_its_language(language: str) -> None:
    page = _home(language)
    with translation.override(language):
        for audience in AUDIENCES:
            assert escape(str(audience.title)) in page
            for ability in audience.abilities:
                assert escape(str(ability.text)) in page, str(ability.text)
            for item in audience.later:
                assert escape(str(item)) in page, str(item)
    # the officers' later items are the ones their signed-in home lists, and nothing else is
    assert AUDIENCES[0].later == LATER[Role.CITY_OFFICER]
    english = language == "en"
    assert ("Sign in" if english else "登录") in page
    assert ("no self-registration" if english else "不提供自行注册") in page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_contacts_are_the_policy_packs_in_force(language: str) -> None:
    # without a pack in force the page says nobody can apply, and gives no number of its own
    page = _home(language)
    assert 'id="nothing-in-force"' in page
    assert 'id="contacts"' not in page
    assert "12333" not in page

    pack = builtin_pack("beijing-2024")
    in_force("beijing-2024")
    page = _home(language)
    english = language == "en"
    assert escape(pack.title_en if english else pack.title) in page
    assert 'id="contacts"' in page
    for contact in pack.contacts:
        assert escape(contact.name_en if english else contact.name_zh) in page
        assert escape(contact.what_en if english else contact.what_zh) in page
        if contact.phone:
            assert f'href="tel:{contact.phone}"' in page
    # "each partner bank's hotline" lists the pack's banks with their numbers
    icbc = next(bank for bank in pack.banks if bank.code == "ICBC")
    assert escape(icbc.name_en if english else icbc.name_zh) in page
    assert f'href="tel:{icbc.hotline}"' in page


def test_the_signed_in_home_gives_the_same_contacts(
    cardholder: Account, client_for: ClientFor
) -> None:
    in_force("shanghai-2019")
    page = client_for(cardholder).get("/").content.decode()
    assert 'href="tel:962222"' in page
    assert "962222服务热线" in page
