"""HSDS 3.0: export then import gives the same registry."""
from __future__ import annotations

import io
import json

import pytest

from providers.ingest import MalformedFile
from providers.registry import Registry


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
