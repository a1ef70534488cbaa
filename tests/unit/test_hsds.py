"""HSDS 3.0: the export validates against the official schema; export then import gives the same registry."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import providers
from providers import hsds
from providers.cli import main
from providers.ingest import MalformedFile
from providers.registry import Registry

HSDS_3_0 = Path(providers.__file__).parent / "data" / "hsds-3.0"


def strict_hsds_3_0_service_schema() -> dict:
    """The official compiled schema, with what it says but does not enforce made enforceable: it
    names each object's fields but allows others (so a 3.1 field would pass), and marks dates with
    datapackage_type "date" but no JSON Schema format (so "2015" would pass)."""
    schema = json.loads((HSDS_3_0 / "schema" / "service.json").read_text(encoding="utf-8"))

    def tighten(node):
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict):
                node["additionalProperties"] = False
            if node.get("datapackage_type") == "date":
                node["format"] = "date"
            for value in node.values():
                tighten(value)
        elif isinstance(node, list):
            for value in node:
                tighten(value)

    tighten(schema)
    return schema


def test_every_exported_service_validates_against_the_hsds_3_0_schema(national_registry):
    out = io.StringIO()
    national_registry.export_hsds(out)
    document = json.loads(out.getvalue())
    validator = Draft202012Validator(strict_hsds_3_0_service_schema(),
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{service['id']} {'/'.join(map(str, e.absolute_path))}: {e.message}"
              for service in document["services"] for e in validator.iter_errors(service)]
    assert document["services"] and errors == []


def test_the_strict_schema_catches_what_the_official_one_lets_through():
    validator = Draft202012Validator(strict_hsds_3_0_service_schema(),
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    ok = {"id": "2c8ff5fd-5c13-4ad4-b8e2-3d1fa7d0b1f5", "name": "A clinic", "status": "active"}
    assert list(validator.iter_errors(ok)) == []
    for wrong in ({"assured_date": "2015"}, {"email": None},
                  {"attributes": [{"id": "2c8ff5fd-5c13-4ad4-b8e2-3d1fa7d0b1f6", "label": "Medicaid"}]},
                  {"phones": [{"id": "2c8ff5fd-5c13-4ad4-b8e2-3d1fa7d0b1f7", "number": "1", "extension": "12"}]}):
        assert list(validator.iter_errors({**ok, **wrong})), wrong


def test_partial_dates_become_the_first_day_of_their_period():
    assert [hsds.full_date(d) for d in ("2015", "2020-09", "2026-11-23")] == ["2015-01-01", "2020-09-01",
                                                                              "2026-11-23"]


def test_hsds_export_then_import_is_lossless(national_registry, tmp_path):
    exported = io.StringIO()
    n = national_registry.export_hsds(exported)
    path = tmp_path / "registry.hsds.json"
    path.write_text(exported.getvalue(), encoding="utf-8")

    copy = Registry(f"sqlite:///{tmp_path / 'copy.db'}", migrate=True)
    (report,) = copy.import_hsds(path)
    assert report.created == n and report.skipped_total == 0
    again = io.StringIO()
    copy.export_hsds(again)
    assert json.loads(again.getvalue()) == json.loads(exported.getvalue())
    # And it answers the same.
    for filters in (["medication:methadone"], ["need:harm_reduction"]):
        a = national_registry.search("19134", filters, page_size=5)
        b = copy.search("19134", filters, page_size=5)
        assert [(r.id, r.miles) for r in a.results] == [(r.id, r.miles) for r in b.results]
        assert [r.id for r in a.virtual] == [r.id for r in b.virtual]


def test_the_export_is_hsds_shaped(national_registry):
    out = io.StringIO()
    national_registry.export_hsds(out)
    document = json.loads(out.getvalue())
    service = next(s for s in document["services"] if s["service_at_locations"]
                   and s["service_at_locations"][0]["location"]["location_type"] == "physical")
    location = service["service_at_locations"][0]["location"]
    assert {"latitude", "longitude", "addresses", "location_type"} <= set(location)
    assert service["assured_date"] and "source" in {m["field_name"] for m in service["metadata"]}
    # Each fact has its own metadata row: who said it, and when.
    assert {"name", "attributes.taxonomy_term"} <= {m["field_name"] for m in service["metadata"]}
    assert all(a["taxonomy_term"]["code"] for a in service["attributes"])
    virtual = [s for s in document["services"] if s["service_areas"]]
    assert virtual and virtual[0]["service_areas"][0]["uri"].startswith("urn:treatment-navigator:area:")


def test_a_malformed_hsds_file_leaves_the_registry_as_it_was(national_registry, tmp_path):
    before = national_registry.stats()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"services": [{"id": "x", "name": "No org", "service_at_locations": [
        {"id": "sal", "location": {"id": "loc"}}]}]}))
    with pytest.raises(MalformedFile, match="location loc: missing location_type"):
        national_registry.import_hsds(bad)
    assert national_registry.stats() == before


def test_the_specs_full_example_imports_and_the_report_names_what_was_not_kept(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    code = main(["--database", url, "import", "--hsds", str(HSDS_3_0 / "examples" / "service_full.json")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "1 rows read, 1 listings created" in out and "registry: 1 listings at a place" in out
    # The registry has no place for these: the report says so instead of dropping them silently.
    not_kept = out[out.index("not kept"):]
    for name in ("service.contacts", "service.languages", "service.cost_options", "phone.languages",
                 "service_at_location.contacts", "organization.funding"):
        assert name in not_kept
    # What it has a place for is kept: phones (extension a number in HSDS, text here), schedules, areas, terms.
    exported = io.StringIO()
    Registry(url).export_hsds(exported)
    (service,) = json.loads(exported.getvalue())["services"]
    assert [(p["number"], p["extension"]) for p in service["phones"]] == [('"+44 1234 234567"', 100)]
    assert [(s["freq"], s["byday"], s["opens_at"]) for s in service["schedules"]] == [("WEEKLY", "TH,FR", "10:00:00")]
    assert service["service_areas"][0]["extent_type"] == "geojson"
    assert service["attributes"][0]["taxonomy_term"]["taxonomy_id"] == "5c4d79d7-cc55-470e-9f1f-8cad074e4892"
    assert service["service_at_locations"][0]["location"]["addresses"][0]["city"] == "MyCity"


@pytest.mark.parametrize("text", [
    "{",
    "5",
    '{"services": "x"}',
    '{"services": [{"id": "a", "name": "b", "phones": "555"}]}',
    '{"services": [{"id": "a", "name": {"en": "b"}}]}',
    '{"services": [{"id": "a", "name": "b", "service_at_locations": ["x"]}]}',
    '{"services": [{"id": "a", "name": "b", "attributes": [{"id": "t", "link_entity": "service",'
    ' "taxonomy_term_id": "no such term"}]}]}',
])
def test_a_file_that_cannot_be_imported_gets_one_line_and_leaves_the_registry_as_it_was(text, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    assert main(["--database", url, "import", "--hsds", str(HSDS_3_0 / "examples" / "service_full.json")]) == 0
    before = Registry(url).stats()
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    capsys.readouterr()
    code = main(["--database", url, "import", "--hsds", str(bad)])
    _, err = capsys.readouterr()
    assert code == 1 and len(err.strip().splitlines()) == 1 and "The registry was not changed." in err
    assert Registry(url).stats() == before and before["physical_listings"] == 1
