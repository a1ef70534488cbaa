"""The API's OpenAPI document (bot.web.openapi) against the app itself: every response the API
gives, for every status the document declares, validates against the schema the document
declares for its path, method and status; and the document's operations are exactly the app's
API routes. The document is OpenAPI 3.1, whose schemas are JSON Schema 2020-12."""
from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient
from jsonschema import Draft202012Validator, RefResolver
from twilio.base.exceptions import TwilioRestException

from bot.senders import ChannelStore, sender_id
from bot.web.search_api import SEARCH_PARAMETERS
from support.sms import PHONE
from support.web import BEARER, SENDER_KEY_HEX, FakeTwilio, origin, registry_copy, sign_in

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
TWILIO_NUMBER = "+12155550000"


class Document:
    """The served document, and which of its declared responses a test has seen conform to it."""

    def __init__(self, document: dict) -> None:
        self.document = document
        self.resolver = RefResolver.from_schema(document)  # "$ref": "#/components/..." within the document
        self.seen: set[tuple[str, str, str]] = set()

    def responses(self, path: str, method: str) -> dict:
        operation = self.document["paths"].get(path, {}).get(method)
        assert operation is not None, f"{method.upper()} {path} is not in the document"
        return operation["responses"]

    async def check(self, response: aiohttp.ClientResponse, status: int) -> Any:
        """The response's status is `status`, the document declares it for this path and method, and
        the body and headers match what it declares. Returns the body."""
        path, method = response.url.path, response.method.lower()
        assert response.status == status, await response.text()
        declared = self.responses(path, method)
        assert str(status) in declared, f"{method.upper()} {path} answered {status}, which the document omits"
        expected = declared[str(status)]
        assert response.content_type in expected["content"], f"{method.upper()} {path} {status}"
        body = await response.json()
        schema = expected["content"][response.content_type]["schema"]
        errors = [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}"
                  for e in Draft202012Validator(schema, resolver=self.resolver).iter_errors(body)]
        assert not errors, f"{method.upper()} {path} {status} does not match the document:\n" + "\n".join(errors)
        for name, header in expected.get("headers", {}).items():
            assert name in response.headers, f"{method.upper()} {path} {status} lacks the {name} header"
            value = response.headers[name]
            Draft202012Validator(header["schema"]).validate(int(value) if value.isdigit() else value)
        self.seen.add((path, method, str(status)))
        return body

    def assert_every_response_seen(self, path: str, method: str) -> None:
        declared = set(self.responses(path, method))
        seen = {status for p, m, status in self.seen if (p, m) == (path, method)}
        assert seen == declared, f"{method.upper()} {path}: declared but not seen {sorted(declared - seen)}"


async def served_document(client: TestClient) -> Document:
    """The document as a client fetches it, without signing in, checked against its own entry."""
    response = await client.get("/api/openapi.json")
    document = Document(await response.json())
    await document.check(response, 200)
    return document


async def test_the_document_is_openapi_3_1_and_its_schemas_are_json_schema_2020_12(serve):
    document = (await served_document(await serve())).document
    assert document["openapi"].startswith("3.1.")
    for name, schema in document["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                Draft202012Validator.check_schema(parameter["schema"])
            for response in operation["responses"].values():
                for media in response.get("content", {}).values():
                    Draft202012Validator.check_schema(media["schema"])


async def test_the_documents_operations_are_the_apps_api_routes(serve):
    client = await serve()
    document = (await served_document(client)).document
    served = {(route.resource.canonical, route.method.lower()) for route in client.server.app.router.routes()
              if route.resource is not None and route.resource.canonical.startswith("/api/")
              and route.method != "HEAD"}  # aiohttp adds HEAD beside every GET
    documented = {(path, method) for path, operations in document["paths"].items()
                  for method in operations if method in HTTP_METHODS}
    assert documented == served


async def test_search_answers_as_the_document_says(serve, fake_rasa):
    fake_rasa.answers["bup walk-in medicaid 19134"] = [
        {"entity": "medication", "value": "buprenorphine"}, {"entity": "access", "value": "walk_in"},
        {"entity": "payment", "value": "medicaid"}, {"entity": "location", "value": "19134"}]
    fake_rasa.answers["no insurance"] = [{"entity": "payment", "value": "uninsured"}]
    client = await serve(rasa_url=fake_rasa.url)
    document = await served_document(client)

    async def search(status: int, params: dict, headers: dict | None = BEARER, on: TestClient = client) -> Any:
        return await document.check(await on.get("/api/search", params=params, headers=headers), status)

    found = [
        await search(200, {"place": "19134", "medication": "methadone", "setting": "telehealth"}),  # relaxed
        await search(200, {"place": "19134", "support": "naloxone"}),  # virtual services, widened
        await search(200, {"place": "39.99,-75.12", "need": "recovery_support", "page": "2", "page_size": "2"}),
        await search(200, {"q": "bup walk-in medicaid 19134"}),  # q names the place
        await search(200, {"q": "no insurance", "place": "19134"}),  # q names no place
        await search(200, {"place": "57501", "medication": "buprenorphine"}),  # health centers beside (issue 18)
    ]
    parameters = {p["name"]: p for p in document.document["paths"]["/api/search"]["get"]["parameters"]}
    assert set(parameters) == set(SEARCH_PARAMETERS)  # the API refuses any other with a 400
    for name, parameter in parameters.items():  # every code the document offers is one the API takes
        codes = parameter["schema"].get("items", {}).get("enum")
        if codes:
            await search(200, {"place": "19134", name: ",".join(codes)})
    # The bodies above reach the optional and nullable parts of the schema.
    assert any(body["relaxed"] for body in found) and any(body["virtual"] for body in found)
    assert any(body["health_centers"] for body in found)
    assert "health_centers" in document.document["components"]["schemas"]["SearchResult"]["required"]
    assert [body["understood"]["place"] for body in found if "understood" in body] == ["19134", None]

    await search(400, {"place": "19134", "page_size": "0"})
    await search(400, {"place": "19134", "medicaton": "methadone"})
    await search(422, {"place": "Zzyzxqq"})
    ambiguous = await search(422, {"place": "Springfield"})
    assert ambiguous["reason"] == "ambiguous" and ambiguous["candidates"]
    await search(401, {"place": "19134"}, headers=None)
    await search(403, {"place": "19134"}, on=await serve(navigator_token=None))
    limited = await serve(search_per_minute=1)
    await search(200, {"place": "19134"}, on=limited)
    limited.session.cookie_jar.clear()  # a client without the device cookie: counted by its address
    await search(429, {"place": "19134"}, on=limited)
    await search(502, {"q": "bup near 19134"}, on=await serve())  # its Rasa URL has nobody listening
    document.assert_every_response_seen("/api/search", "get")


async def test_send_answers_as_the_document_says(serve, tmp_path):
    class TwilioThatRefusesWhenTold(FakeTwilio):
        refuses = False

        def create(self, *, to: str, from_: str, body: str):
            if self.refuses:
                raise TwilioRestException(400, "https://api.twilio.com/Messages.json", "refused", code=21611)
            return super().create(to=to, from_=from_, body=body)

    twilio = TwilioThatRefusesWhenTold()
    client = await serve(sms_client=twilio, twilio_from_number=TWILIO_NUMBER)
    document = await served_document(client)

    async def send(status: int, json: Any = None, headers: dict | None = BEARER, on: TestClient = client,
                   **options: Any) -> Any:
        return await document.check(await on.post("/api/send", json=json, headers=headers, **options), status)

    found = await document.check(await client.get("/api/search", params={"place": "19134"}, headers=BEARER), 200)
    ids = [listing["id"] for listing in found["listings"][:2]]
    assert (await send(200, {"to": PHONE, "listing_ids": ids}))["listings"] == 2
    await send(400, {"to": "555-0123", "listing_ids": ids})
    unknown = await send(400, {"to": PHONE, "listing_ids": ["00000000-0000-0000-0000-000000000000"]})
    assert unknown["listing_id"] == "00000000-0000-0000-0000-000000000000"
    await send(400, headers={**BEARER, "Content-Type": "application/json"}, data=b"{not json")
    await send(413, {"to": PHONE, "listing_ids": ["x" * 20_000]})
    await send(415, headers={**BEARER, "Content-Type": "text/plain"}, data=b"to=2155550123")
    await send(401, {"to": PHONE, "listing_ids": ids}, headers=None)
    twilio.refuses = True
    assert (await send(502, {"to": PHONE, "listing_ids": ids}))["sent"] == 0
    twilio.refuses = False
    ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}", migrate=True).suppress(sender_id(PHONE, bytes.fromhex(SENDER_KEY_HEX)))
    await send(409, {"to": PHONE, "listing_ids": ids})
    await send(503, {"to": "2155550100", "listing_ids": ids}, on=await serve())  # texting not set up
    await sign_in(client)
    await send(403, {"to": "2155550100", "listing_ids": ids}, headers={"Origin": origin(client)})  # no CSRF token
    client.session.cookie_jar.clear()
    wrong = {"Authorization": "Bearer not-the-navigator-token"}
    for _ in range(10):  # wrong tokens count as failed sign-ins
        await send(401, {"to": PHONE, "listing_ids": ids}, headers=wrong)
    await send(429, {"to": PHONE, "listing_ids": ids}, headers=wrong)
    document.assert_every_response_seen("/api/send", "post")


async def test_reports_answer_as_the_document_says(serve, national_registry, tmp_path):
    # Reports change the registry: a copy of the shared one.
    client = await serve(database_url=registry_copy(national_registry, tmp_path / "reported.db"))
    document = await served_document(client)

    async def report(status: int, json: Any = None, headers: dict | None = BEARER, on: TestClient = client,
                     **options: Any) -> Any:
        return await document.check(await on.post("/api/reports", json=json, headers=headers, **options), status)

    found = await document.check(await client.get("/api/search", params={"place": "19134"}, headers=BEARER), 200)
    listing_id = found["listings"][0]["id"]
    assert (await report(201, {"listing_id": listing_id, "reason": "closed"}))["reason"] == "closed"
    await report(201, {"listing_id": listing_id, "reason": "not_offered", "term": "medication:methadone"})
    await report(400, {"listing_id": listing_id, "reason": "gone"})
    await report(400, {"listing_id": "00000000-0000-0000-0000-000000000000", "reason": "closed"})
    await report(400, headers={**BEARER, "Content-Type": "application/json"}, data=b"{not json")
    await report(413, {"listing_id": "x" * 20_000, "reason": "closed"})
    await report(415, headers={**BEARER, "Content-Type": "text/plain"}, data=b"reason=closed")
    await report(401, {"listing_id": listing_id, "reason": "closed"}, headers=None)
    await report(403, {"listing_id": listing_id, "reason": "closed"}, on=await serve(navigator_token=None))
    await sign_in(client)
    await report(403, {"listing_id": listing_id, "reason": "closed"}, headers={"Origin": origin(client)})
    client.session.cookie_jar.clear()
    wrong = {"Authorization": "Bearer not-the-navigator-token"}
    for _ in range(10):  # wrong tokens count as failed sign-ins
        await report(401, {"listing_id": listing_id, "reason": "closed"}, headers=wrong)
    await report(429, {"listing_id": listing_id, "reason": "closed"}, headers=wrong)
    document.assert_every_response_seen("/api/reports", "post")
