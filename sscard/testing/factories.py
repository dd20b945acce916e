# factory_boy's declarations are untyped; the factories' results are typed (``.create() -> T``).
# mypy: disallow-untyped-calls=False
"""factory_boy factories for the models every app's tests need.

Persons get valid citizen ID numbers (real district code, real birth date, MOD 11-2 check)
and their identifiers are stored exactly as the import stores them: SM4-encrypted, indexed
with keyed SM3 and masked, through ``sscard.core.crypto``. Pass ``id_number=`` or ``phone=``
(``phone=""`` for none) to choose them; a test keeps the plaintext it chose.

Test support sits above every app, so this module imports from all of them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from factory.declarations import LazyAttribute, LazyFunction, Sequence, SubFactory, Trait
from factory.django import DjangoModelFactory, Password

from sscard.core.actors import Role
from sscard.core.clock import today
from sscard.core.crypto import (
    ID_NUMBER,
    PHONE,
    field_cipher,
    id_number_index,
    mask_phone,
    phone_tail_index,
)
from sscard.core.crypto import phone_index as phone_lookup_index
from sscard.core.models import ImportJob
from sscard.kernel import creditcode, idnumber
from sscard.network.choices import OutletKind, RelyingPartyKind
from sscard.network.models import Bank, Outlet, RelyingParty
from sscard.portal.models import Account
from sscard.registry.choices import DivisionLevel, PersonCategory, SchoolKind
from sscard.registry.models import Division, Employer, Person, School

TEST_PASSWORD = "correct-horse-battery-42"  # noqa: S105 - test accounts only
XICHENG = "110102"
CHAOYANG = "110105"
SHIJINGSHAN = "110107"

_FIRST_BIRTH = date(1950, 1, 1)
_BIRTH_SPAN_DAYS = 20_000  # up to 2004-10: every generated birth date is in the past


FACTORY_ID_OFFSET = 5_000_000


def make_id_number(n: int, *, region: str = XICHENG, female: bool | None = None) -> str:
    """The ``n``-th valid resident ID number of a region; distinct ``n`` give distinct numbers."""
    born = _FIRST_BIRTH + timedelta(days=n % _BIRTH_SPAN_DAYS)
    sequence = (n // _BIRTH_SPAN_DAYS) % 500 * 2 + 1  # odd: a man
    if female if female is not None else n % 2 == 1:
        sequence += 1
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + idnumber.check_digit(first17)


def make_credit_code(n: int) -> str:
    """A valid unified social credit code (GB 32100) of a Xicheng company, distinct per ``n``."""
    return creditcode.make(f"91110102{n:09d}")


class DivisionFactory(DjangoModelFactory[Division]):
    class Meta:
        model = Division
        django_get_or_create = ("code",)

    code = XICHENG
    name_zh = "西城区"
    name_en = "Xicheng District"
    level = DivisionLevel.DISTRICT
    parent = None
    source = "test"


class EmployerFactory(DjangoModelFactory[Employer]):
    class Meta:
        model = Employer

    credit_code = Sequence(make_credit_code)
    name = Sequence(lambda n: f"测试科技有限公司{n}")
    insured_district = XICHENG
    payroll_banks = LazyFunction(lambda: ["ICBC"])
    source_digest = Sequence(lambda n: n.to_bytes(16, "big"))


class SchoolFactory(DjangoModelFactory[School]):
    class Meta:
        model = School

    code = Sequence(lambda n: f"{1111000000 + n}")
    name = Sequence(lambda n: f"测试小学{n}")
    district = XICHENG
    kind = SchoolKind.PRIMARY
    source_digest = Sequence(lambda n: n.to_bytes(16, "big"))


def _parsed(obj: Any) -> idnumber.IdNumber:
    return idnumber.parse(obj.id_number, today=today())


class PersonFactory(DjangoModelFactory[Person]):
    """A person whose identifiers are stored encrypted, indexed and masked."""

    class Meta:
        model = Person

    class Params:
        # Far from the small ``n`` that tests pass to ``make_id_number`` themselves, so a
        # factory-made person never takes a number a test spells out.
        id_number = Sequence(lambda n: make_id_number(FACTORY_ID_OFFSET + n))
        phone = Sequence(lambda n: f"139{n % 10**8:08d}")

    id_number_index = LazyAttribute(lambda o: id_number_index(o.id_number))
    id_number_enc = LazyAttribute(lambda o: field_cipher().encrypt(o.id_number, field=ID_NUMBER))
    id_number_masked = LazyAttribute(lambda o: idnumber.mask(o.id_number))
    id_kind = LazyAttribute(lambda o: str(_parsed(o).kind))
    name = Sequence(lambda n: f"张{'伟芳敏静丽强磊军洋勇'[n % 10]}{'明华'[n % 2]}")
    sex = LazyAttribute(lambda o: _parsed(o).sex)
    birth_date = LazyAttribute(lambda o: _parsed(o).birth_date)
    phone_index = LazyAttribute(lambda o: phone_lookup_index(o.phone) if o.phone else None)
    phone_enc = LazyAttribute(
        lambda o: field_cipher().encrypt(o.phone, field=PHONE) if o.phone else None
    )
    phone_masked = LazyAttribute(lambda o: mask_phone(o.phone) if o.phone else "")
    phone_tail_index = LazyAttribute(lambda o: phone_tail_index(o.phone) if o.phone else None)
    hukou_region = XICHENG
    insured_region = XICHENG
    category = PersonCategory.IN_SERVICE_STAFF
    employer = None
    school = None
    guardian = None
    source_digest = Sequence(lambda n: n.to_bytes(16, "big"))
    created_at = LazyFunction(timezone.now)


class BankFactory(DjangoModelFactory[Bank]):
    class Meta:
        model = Bank
        django_get_or_create = ("code",)

    code = "ICBC"
    name_zh = "中国工商银行"
    name_en = "Industrial and Commercial Bank of China"
    hotline = "95588"


class OutletFactory(DjangoModelFactory[Outlet]):
    class Meta:
        model = Outlet

    code = Sequence(lambda n: f"OUT{n:05d}")
    name = Sequence(lambda n: f"工商银行西城第{n}支行")
    kind = OutletKind.BANK_BRANCH
    bank = SubFactory(BankFactory)
    district = XICHENG
    source_digest = Sequence(lambda n: n.to_bytes(16, "big"))

    class Params:
        community_centre = Trait(
            kind=OutletKind.COMMUNITY_CENTRE,
            bank=None,
            name=Sequence(lambda n: f"西城区第{n}社区事务受理中心"),
        )


class RelyingPartyFactory(DjangoModelFactory[RelyingParty]):
    class Meta:
        model = RelyingParty

    code = Sequence(lambda n: f"RP{n:05d}")
    name = Sequence(lambda n: f"西城区第{n}人民医院")
    kind = RelyingPartyKind.HOSPITAL
    district = XICHENG


class UserFactory(DjangoModelFactory[Any]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = Sequence(lambda n: f"user{n}")
    password = Password(TEST_PASSWORD)


class AccountFactory(DjangoModelFactory[Account]):
    """An account of a role: ``AccountFactory(employer_hr=True)`` or ``.of_role("employer_hr")``."""

    class Meta:
        model = Account

    user = SubFactory(UserFactory)
    role = Role.CITY_OFFICER
    city_code = "110000"

    class Params:
        district_officer = Trait(role=Role.DISTRICT_OFFICER, district_code=XICHENG)
        employer_hr = Trait(role=Role.EMPLOYER_HR, employer=SubFactory(EmployerFactory))
        bank_clerk = Trait(role=Role.BANK_CLERK, outlet=SubFactory(OutletFactory))
        community_clerk = Trait(
            role=Role.COMMUNITY_CLERK,
            outlet=SubFactory(OutletFactory, community_centre=True),
        )
        production_operator = Trait(role=Role.PRODUCTION_OPERATOR)
        post = Trait(role=Role.POST)
        cardholder = Trait(role=Role.CARDHOLDER, person=SubFactory(PersonFactory))
        api_client = Trait(  # the relying_party role (that name is the FK's)
            role=Role.RELYING_PARTY, relying_party=SubFactory(RelyingPartyFactory)
        )

    @classmethod
    def of_role(cls, role: Role | str, **kwargs: Any) -> Account:
        """An account of the role named by its value: ``AccountFactory.of_role("bank_clerk")``."""
        role = Role(role)
        if role is Role.RELYING_PARTY:
            return cls.create(api_client=True, **kwargs)
        if role is Role.CITY_OFFICER:
            return cls.create(**kwargs)
        return cls.create(**{role.value: True}, **kwargs)


class ImportJobFactory(DjangoModelFactory[ImportJob]):
    class Meta:
        model = ImportJob

    kind = ImportJob.Kind.PERSONS
    file_name = Sequence(lambda n: f"persons-{n}.csv")
    file_digest = Sequence(lambda n: f"{n:064x}")
    file_bytes = 1024
    status = ImportJob.Status.SUCCEEDED
    rows_read = 10
    rows_inserted = 10
    actor_role = Role.CITY_OFFICER.value
    actor_label = "officer"
    started_at = LazyFunction(timezone.now)
    finished_at = LazyFunction(timezone.now)
