"""Reports and reviews on the web (issue 18): the navigator page's "Report a problem" button posts to
/api/reports, the review page /navigator/reviews lists open reports with the listing's sources and
takes a navigator's review, and a listing reported closed on two days comes last, marked, in
/api/search. Each test works on its own copy of the national registry, since reports and reviews
change it."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from support.web import BEARER, origin, registry_copy, sign_in

from providers.registry import Registry

JUNEAU = "99801"  # few enough listings that a whole search fits on one page


@pytest.fixture
def registry_url(national_registry, tmp_path) -> str:
    """A copy of the national registry that a test may report and review."""
    return registry_copy(national_registry, tmp_path / "reported.db")


@pytest.fixture
def registry(registry_url):
    registry = Registry(registry_url)
    yield registry
    registry.engine.dispose()


async def search(client, place: str = JUNEAU, **params: str) -> dict:
    response = await client.get("/api/search", params={"place": place, "page_size": "20", **params}, headers=BEARER)
    assert response.status == 200, await response.text()
    return await response.json()


def review_form_of(page: str, listing_id: str) -> str:
    forms = re.findall(r'<form method="post" action="/navigator/reviews" class="review">.*?</form>', page, re.S)
    mine = [f for f in forms if f'name="listing_id" value="{listing_id}"' in f]
    assert len(mine) == 1, f"no review form for {listing_id}"
    return mine[0]


def form_token(page: str) -> str:
    return re.search(r'<input type="hidden" name="csrf_token" value="([0-9a-f]+)">', page).group(1)


# --- POST /api/reports -----------------------------------------------------------------------------


async def test_a_signed_in_navigators_report_is_stored_with_the_navigator_channel(serve, registry_url, registry):
    client = await serve(database_url=registry_url)
    listing = (await search(client))["listings"][0]
    csrf = await sign_in(client)
    response = await client.post("/api/reports", json={"listing_id": listing["id"], "reason": "wrong_phone"},
                                 headers={"X-CSRF-Token": csrf, "Origin": origin(client)})
    assert response.status == 201, await response.text()
    assert (await response.json()) == {"reported": True, "reason": "wrong_phone"}
    [report] = registry.open_reports()
    assert report.listing_id == listing["id"] and report.reasons == {"wrong_phone": 1}
    assert report.channels == {"navigator": 1}


async def test_a_not_offered_report_keeps_the_term_searched_for(serve, registry_url, registry):
    client = await serve(database_url=registry_url)
    listing = (await search(client))["listings"][0]
    response = await client.post("/api/reports", json={"listing_id": listing["id"], "reason": "not_offered",
                                                       "term": "medication:methadone"}, headers=BEARER)
    assert response.status == 201
    assert registry.open_reports()[0].terms == ["medication:methadone"]


async def test_a_report_without_signing_in_or_without_the_csrf_token_is_refused_and_not_stored(
        serve, registry_url, registry):
    client = await serve(database_url=registry_url)
    listing_id = (await search(client))["listings"][0]["id"]
    body = {"listing_id": listing_id, "reason": "closed"}
    assert (await client.post("/api/reports", json=body)).status == 401
    wrong = {"Authorization": "Bearer not-the-navigator-token"}
    assert (await client.post("/api/reports", json=body, headers=wrong)).status == 401
    await sign_in(client)
    refused = await client.post("/api/reports", json=body, headers={"Origin": origin(client)})  # no CSRF token
    assert refused.status == 403
    off = await serve(database_url=registry_url, navigator_token=None)
    assert (await off.post("/api/reports", json=body, headers=BEARER)).status == 403
    assert registry.open_reports() == []


@pytest.mark.parametrize("body, parameter", [
    ({"reason": "gone fishing"}, "reason"),
    ({"reason": "<b>closed</b>"}, "reason"),
    ({"reason": None}, "reason"),
    ({"listing_id": "00000000-0000-0000-0000-000000000000"}, "listing_id"),
    ({"listing_id": "<script>"}, "listing_id"),
    ({"reason": "not_offered", "term": "medication:metadone"}, "term"),
    ({"reason": "closed", "term": "medication:methadone"}, "term"),
    ({"who": "a client"}, "who"),
])
async def test_a_bad_report_is_400_naming_the_field_and_nothing_is_stored(serve, registry_url, registry, body,
                                                                           parameter):
    client = await serve(database_url=registry_url)
    listing_id = (await search(client))["listings"][0]["id"]
    response = await client.post("/api/reports", json={"listing_id": listing_id, "reason": "closed", **body},
                                 headers=BEARER)
    assert response.status == 400
    answer = await response.json()
    assert answer["parameter"] == parameter and answer["error"]
    assert registry.open_reports() == []


async def test_a_report_logs_the_reason_and_nothing_else(serve, registry_url, captured_logs):
    client = await serve(database_url=registry_url)
    listing_id = (await search(client))["listings"][0]["id"]
    response = await client.post("/api/reports", json={"listing_id": listing_id, "reason": "not_offered",
                                                       "term": "support:naloxone"}, headers=BEARER)
    assert response.status == 201
    assert any("reported: not_offered" in line for line in captured_logs.lines)
    assert not any(listing_id in line or "naloxone" in line for line in captured_logs.lines)


# --- the navigator page --------------------------------------------------------------------------------


async def test_the_navigator_page_links_the_review_page_and_its_script_reports(serve):
    client = await serve()
    await sign_in(client)
    page = await (await client.get("/navigator")).text()
    assert 'href="/navigator/reviews"' in page
    script = (Path(__file__).resolve().parents[2] / "bot/web/static/pages/navigator.js").read_text()
    assert "/api/reports" in script and "Thanks, reported." in script and "Report a problem" in script
    assert "People say it may be closed. Call first." in script


# --- the review page ------------------------------------------------------------------------------------


async def test_the_review_page_needs_a_signed_in_navigator(serve, registry_url):
    client = await serve(database_url=registry_url)
    page = await client.get("/navigator/reviews")
    assert page.status == 401 and 'name="passphrase"' in await page.text()
    posted = await client.post("/navigator/reviews", data={"listing_id": "x", "outcome": "confirmed"})
    assert posted.status == 401
    off = await serve(database_url=registry_url, navigator_token=None)
    assert (await off.get("/navigator/reviews")).status == 403


async def test_the_review_page_lists_a_reported_listing_with_its_sources(serve, registry_url, registry):
    client = await serve(database_url=registry_url)
    listing = (await search(client))["listings"][0]
    assert registry.report_problem(listing["id"], "wrong_phone", "sms", day="2026-11-30")
    assert registry.report_problem(listing["id"], "wrong_phone", "navigator", day="2026-12-01")
    await sign_in(client)
    response = await client.get("/navigator/reviews")
    assert response.status == 200
    page = await response.text()
    assert html.escape(listing["name"]) in page
    assert "wrong phone (2)" in page and "2026-11-30 to 2026-12-01" in page
    for source in listing["sources"]:
        assert f"{html.escape(source['label'])}, checked {html.escape(source['checked_label'])}" in page
    form = review_form_of(page, listing["id"])
    assert 'name="csrf_token"' in form and 'value="new_phone"' in form
    assert '<option value="">Pick one</option>' in form  # nothing is confirmed by mistake
    unpicked = await client.post("/navigator/reviews", data={"csrf_token": form_token(page),
                                                             "listing_id": listing["id"], "outcome": ""})
    assert unpicked.status == 400 and "Not saved: pick what you found" in await unpicked.text()
    assert len(registry.open_reports()) == 1
    assert "<script" not in page  # the CSP allows no inline script, and this page needs none
    assert not re.search(r"<[^>]+\s(on\w+|style)\s*=", page)


async def test_a_new_phone_review_changes_the_search_and_closes_the_report(serve, registry_url, registry):
    client = await serve(database_url=registry_url)
    listing = (await search(client))["listings"][0]
    assert registry.report_problem(listing["id"], "wrong_phone", "navigator")
    await sign_in(client)
    page = await (await client.get("/navigator/reviews")).text()
    response = await client.post("/navigator/reviews", headers={"Origin": origin(client)}, data={
        "csrf_token": form_token(page), "listing_id": listing["id"], "outcome": "new_phone",
        "phone": "(907) 555-0142", "address_1": "", "city": "", "state": "", "postal_code": "", "term": ""})
    assert response.status == 200, await response.text()
    after = await response.text()
    assert f"Saved: {html.escape(listing['name'])} marked new phone." in after
    assert f'name="listing_id" value="{listing["id"]}"' not in after  # its report is closed
    assert registry.open_reports() == []
    found = {x["id"]: x for x in (await search(client))["listings"]}[listing["id"]]
    assert re.sub(r"\D", "", found["phone"]).endswith("9075550142")
    assert found["sources"][0]["label"].endswith("Local navigators")
    assert found["sources"][0]["checked"] and found["source"]


async def test_a_review_is_signed_by_the_deployer(serve, registry_url, registry):
    client = await serve(database_url=registry_url, deployer_name="Juneau <Recovery> Team")
    listing = (await search(client))["listings"][0]
    assert registry.report_problem(listing["id"], "other", "navigator")
    await sign_in(client)
    page = await (await client.get("/navigator/reviews")).text()
    assert "Juneau &lt;Recovery&gt; Team navigators" in page
    response = await client.post("/navigator/reviews", data={
        "csrf_token": form_token(page), "listing_id": listing["id"], "outcome": "confirmed"})
    assert response.status == 200
    found = {x["id"]: x for x in (await search(client))["listings"]}[listing["id"]]
    assert found["sources"][0]["label"].endswith("Juneau <Recovery> Team navigators")


async def test_a_move_without_a_zip_code_shows_the_error_keeps_the_form_and_changes_nothing(
        serve, registry_url, registry):
    client = await serve(database_url=registry_url)
    listing = (await search(client))["listings"][0]
    assert registry.report_problem(listing["id"], "wrong_address", "navigator")
    await sign_in(client)
    page = await (await client.get("/navigator/reviews")).text()
    response = await client.post("/navigator/reviews", data={
        "csrf_token": form_token(page), "listing_id": listing["id"], "outcome": "moved",
        "address_1": "1 <Main> Street", "city": "Juneau", "state": "AK", "postal_code": ""})
    assert response.status == 400
    after = await response.text()
    assert "Not saved: a move needs the new street, city, two-letter state and 5-digit ZIP code" in after
    form = review_form_of(after, listing["id"])
    assert 'value="1 &lt;Main&gt; Street"' in form and 'value="moved" selected' in form
    assert "<Main>" not in after
    [report] = registry.open_reports()
    assert report.listing_id == listing["id"]
    again = {x["id"]: x for x in (await search(client))["listings"]}[listing["id"]]
    assert again["address"] == listing["address"] and again["sources"] == listing["sources"]


async def test_a_review_without_the_pages_csrf_token_or_from_another_site_is_refused(serve, registry_url, registry):
    client = await serve(database_url=registry_url)
    listing = (await search(client))["listings"][0]
    assert registry.report_problem(listing["id"], "closed", "navigator")
    await sign_in(client)
    page = await (await client.get("/navigator/reviews")).text()
    review = {"listing_id": listing["id"], "outcome": "closed"}
    assert (await client.post("/navigator/reviews", data=review)).status == 403
    assert (await client.post("/navigator/reviews", data={**review, "csrf_token": form_token(page)},
                              headers={"Origin": "https://evil.example"})).status == 403
    assert len(registry.open_reports()) == 1


# --- reported closed -------------------------------------------------------------------------------------


async def test_a_listing_reported_closed_on_two_days_comes_last_marked_until_reviewed(serve, registry_url, registry):
    client = await serve(database_url=registry_url)
    before = (await search(client))["listings"]
    assert len(before) > 2 and not any(x["reported_closed"] for x in before)
    first = before[0]["id"]
    assert registry.report_problem(first, "closed", "sms", day="2026-11-30")
    one_day = (await search(client))["listings"]
    assert one_day[0]["id"] == first and not one_day[0]["reported_closed"]  # one day is not enough
    assert registry.report_problem(first, "closed", "navigator", day="2026-12-01")
    after = (await search(client))["listings"]
    assert after[-1]["id"] == first and after[-1]["reported_closed"] is True
    assert [x["id"] for x in after[:-1]] == [x["id"] for x in before[1:]]
    await sign_in(client)
    page = await (await client.get("/navigator/reviews")).text()
    assert "Reported closed on two different days" in page
    response = await client.post("/navigator/reviews", data={"csrf_token": form_token(page), "listing_id": first,
                                                             "outcome": "confirmed"})
    assert response.status == 200
    reviewed = (await search(client))["listings"]
    assert reviewed[0]["id"] == first and not reviewed[0]["reported_closed"]
