"""One table description, two formats: the header rows (title, time, who, filter, the pack in
force), the column headers and the rows, streamed as XLSX or CSV; filters in words, typed
identifiers masked; served to ASGI without being collected into a list first."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django import forms
from django.core.handlers.asgi import ASGIRequest
from django.test import RequestFactory
from django.utils import translation

from sscard.applications.tests.support import in_force
from sscard.core.actors import ROLE_LABELS, Actor, Role
from sscard.core.exports import (
    Cell,
    Column,
    ExportTable,
    coded,
    export_response,
    form_filters,
    packs_in_force,
)
from sscard.testing.exports import assert_header_rows, read_export
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db

OFFICER = Actor(role=Role.CITY_OFFICER, label="officer", city_code="110000")


class _Filter(forms.Form):
    category = forms.ChoiceField(
        label="Category", required=False, choices=[("", "All"), ("retiree", "Retired")]
    )
    id_number = forms.CharField(label="ID number", required=False)
    phone = forms.CharField(label="Phone", required=False)


def _request(fmt_path: str = "/x", *, actor: Actor = OFFICER) -> Any:
    request = RequestFactory().get(fmt_path)
    request.actor = actor  # type: ignore[attr-defined]
    request.user = AccountFactory.create().user
    return request


def _table(rows: Any, **kwargs: Any) -> ExportTable:
    return ExportTable(
        title="人员",
        file_stem="persons",
        columns=[Column("姓名"), *coded("人员类别")],
        rows=rows,
        **kwargs,
    )


def test_a_filter_is_written_in_words_and_typed_identifiers_masked() -> None:
    form = _Filter({"category": "retiree", "id_number": "110105194912310029", "phone": ""})
    assert form_filters(form) == [
        ("Category", "Retired"),  # the choice's name, never its code
        ("ID number", "1****************9"),
    ]
    assert form_filters(_Filter()) == []  # unbound: no filter


def test_a_refused_filter_is_left_out_as_the_list_leaves_it_out_and_names_can_be_masked() -> None:
    form = _Filter({"category": "nonsense", "phone": "13912345678", "id_number": "张三丰"})
    words = form_filters(form, masks={"id_number": lambda text: text[0] + "**"})
    assert words == [("ID number", "张**"), ("Phone", "*******5678")]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_both_formats_carry_the_same_header_rows_columns_and_rows(fmt: str) -> None:
    campaign = in_force("beijing-2024")
    table = _table(iter([("张*", "退休人员", "retiree")]), filters=[("人员类别", "退休人员")])
    request = _request()
    response = export_response(request, table, fmt)
    assert response["Content-Disposition"].startswith('attachment; filename="persons-')
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    assert response["Cache-Control"] == "no-store"
    export = read_export(response)
    assert_header_rows(export, title="人员", filters=["人员类别：退休人员"], pack=campaign)
    assert export.columns == ["姓名", "人员类别", "人员类别（代码）"]
    assert export.rows == [["张*", "退休人员", "retiree"]]
    ((role, username),) = export.meta("导出人")
    assert role == str(ROLE_LABELS[Role.CITY_OFFICER])  # the role's name, in Chinese
    assert username == request.user.get_username()


def test_the_header_speaks_english_on_an_english_page() -> None:
    campaign = in_force("beijing-2024")
    with translation.override("en"):
        table = ExportTable(
            title="Persons", file_stem="p", columns=[*coded("Category")], rows=iter([])
        )
        export = read_export(export_response(_request(), table, "xlsx"))
    assert_header_rows(export, title="Persons", pack=campaign, english=True)
    assert export.columns == ["Category", "Category (code)"]
    ((title, pack_id, _hash),) = export.meta("Policy pack in force")
    assert (title, pack_id) == (campaign_title_en(campaign), "beijing-2024")


def campaign_title_en(campaign: Any) -> str:
    from sscard.campaigns.selectors import campaign_pack

    return campaign_pack(campaign).title_en


def test_no_pack_in_force_is_said_so() -> None:
    export = read_export(export_response(_request(), _table(iter([])), "csv"))
    assert_header_rows(export, title="人员", pack=None)


def test_a_role_bound_to_no_city_sees_every_city_s_pack() -> None:
    beijing, shanghai = in_force("beijing-2024"), in_force("shanghai-2019")
    operator = Actor(role=Role.PRODUCTION_OPERATOR, label="op")
    assert {s.pack_hash for s in packs_in_force(operator)} == {
        beijing.pack_hash,
        shanghai.pack_hash,
    }
    assert [s.pack_id for s in packs_in_force(OFFICER)] == ["beijing-2024"]


def test_an_unknown_format_is_not_found() -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        export_response(_request(), _table(iter([])), "pdf")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_twenty_thousand_rows_stream_without_being_collected(fmt: str) -> None:
    pulled = 0

    def rows() -> Iterator[tuple[Cell, ...]]:
        nonlocal pulled
        for i in range(20_000):
            pulled += 1
            yield (f"张{i}", "退休人员", "retiree")

    response = export_response(_request(), _table(rows()), fmt)
    assert pulled == 0  # nothing is read before the response is sent
    chunks = iter(response.streaming_content)  # type: ignore[arg-type]
    next(chunks)
    assert pulled < 1_000  # the first bytes leave after the first slice of rows
    sum(1 for _ in chunks)
    assert pulled == 20_000


def test_an_asgi_server_is_handed_an_async_iterator() -> None:
    # Django collects a synchronous iterator into a list before an ASGI server sends it: the
    # whole file in memory. Under ASGI the response streams asynchronously instead.
    scope = {"type": "http", "method": "GET", "path": "/x", "query_string": b"", "headers": []}
    request = ASGIRequest(scope, body_file=None)  # type: ignore[arg-type]
    request.actor = OFFICER  # type: ignore[attr-defined]
    request.user = AccountFactory.create().user
    response = export_response(request, _table(iter([("张*", "退休人员", "retiree")])), "csv")
    assert response.is_async

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in response])

    # On a thread of its own: this thread may already hold a running loop (Playwright's sync
    # API keeps one for the browser journeys' session), and a thread runs one loop at most.
    with ThreadPoolExecutor(max_workers=1) as pool:
        body = pool.submit(asyncio.run, collect()).result(timeout=60).decode("utf-8-sig")
    assert "退休人员,retiree" in body
