"""The `providers` command as a person at a shell uses it."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import providers
from providers.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_search_19134_for_methadone_lists_philadelphia_otps_nearest_first(national_registry, capsys, monkeypatch):
    url = str(national_registry.engine.url)
    code, out, _ = run(capsys, "--database", url, "search", "19134", "--medication", "methadone")
    assert code == 0
    assert out.startswith("Near Philadelphia, PA 19134")
    miles = [float(m) for m in re.findall(r"^\d+\. .* - ([\d.]+) mi$", out, re.M)]
    assert len(miles) == 5 and miles == sorted(miles)
    assert out.count("source: ") >= 5 and "checked" in out
    assert "opioid treatment program" in out


def test_search_with_payment_filter_marks_unknown_payment(national_registry, capsys):
    code, out, _ = run(capsys, "--database", str(national_registry.engine.url), "search", "19134",
                       "--medication", "buprenorphine", "--payment", "medicaid")
    assert code == 0 and "ask about: Medicaid" in out


def test_a_word_outside_the_vocabulary_gets_the_choices(national_registry, capsys):
    code, _, err = run(capsys, "--database", str(national_registry.engine.url), "search", "19134",
                       "--medication", "heroin")
    assert code == 2 and "choose from methadone, buprenorphine" in err


def test_an_unknown_place_says_so(national_registry, capsys):
    code, _, err = run(capsys, "--database", str(national_registry.engine.url), "search", "xyzzyville")
    assert code == 2 and "no such place" in err


def test_stats_and_export(national_registry, capsys, tmp_path):
    url = str(national_registry.engine.url)
    code, out, _ = run(capsys, "--database", url, "stats")
    assert code == 0 and '"physical_listings"' in out
    code, _, err = run(capsys, "--database", url, "export", "--format", "hsds", "--out", str(tmp_path / "x.json"))
    assert code == 0 and "exported" in err and (tmp_path / "x.json").stat().st_size > 1_000_000


def test_quality_counts_what_a_person_can_act_on_per_source_and_in_total(national_registry, capsys):
    code, out, _ = run(capsys, "--database", str(national_registry.engine.url), "quality")
    assert code == 0
    total = out[out.index("total: "):].splitlines()
    assert re.fullmatch(r"total: \d+ listings at a place", total[0])
    assert re.fullmatch(r"  with a phone: \d+ of \d+ \(\d+%\) of opioid treatment programs, "
                        r"\d+ of \d+ \(\d+%\) of medication listings", total[1])
    assert re.fullmatch(r"  with payment information: \d+ of \d+ \(\d+%\)", total[2])
    # Issue 18: a P.O. box is never shown as a place to go; every far point is flagged.
    assert re.fullmatch(r"  P.O. boxes shown: 0 \(\d+ P.O. boxes left out of the address\)", total[3])
    flagged = re.fullmatch(r"  more than 40 miles from their ZIP code: (\d+) flagged, 0 unflagged", total[4])
    assert flagged and int(flagged.group(1)) >= 3  # Dexter MO, Chattaroy WV, the Orlando site in Brevard County
    assert re.fullmatch(r"  facts older than 5 years: \d+ of \d+ \(\d+%\)", total[5])
    assert "SAMHSA treatment locator: " in out and "Medicare enrollment (CMS): " in out


def test_diff_says_what_an_import_added_removed_and_changed_per_field(tmp_path, capsys):
    example = json.loads((Path(providers.__file__).parent / "data/hsds-3.0/examples/service_full.json").read_text())
    gone = {**copy.deepcopy(example), "id": "0a000000-0000-4000-8000-000000000001", "name": "Closed clinic"}
    before = {"services": [example, gone]}
    changed = copy.deepcopy(example)
    changed["name"] = "Community Counselling Centre"
    changed["phones"][0]["number"] = "+44 1234 999999"
    changed["service_at_locations"][0]["location"]["addresses"][0]["address_1"] = "2 High Street"
    changed["attributes"] = []
    new = {**copy.deepcopy(example), "id": "0a000000-0000-4000-8000-000000000002", "name": "New clinic"}
    after = {"services": [changed, new]}
    urls = []
    for name, document in (("before", before), ("after", after)):
        (tmp_path / f"{name}.json").write_text(json.dumps(document))
        urls.append(f"sqlite:///{tmp_path / name}.db")
        assert main(["--database", urls[-1], "import", "--hsds", str(tmp_path / f"{name}.json")]) == 0
    capsys.readouterr()

    code, out, _ = run(capsys, "diff", *urls)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "old: 2 services, new: 2 services"
    assert lines[1] == "added: 1, e.g. New clinic [0a000000-0000-4000-8000-000000000002]"
    assert lines[2] == "removed: 1, e.g. Closed clinic [0a000000-0000-4000-8000-000000000001]"
    assert lines[3] == "changed: 1 services"
    assert "  name: 1" in lines and "'Community Counselling' -> 'Community Counselling Centre'" in out
    assert "  address: 1" in lines
    assert "'1-30 Main Street, MyVillage, MyCity, MyState ABC 1234' -> '2 High Street" in out
    assert "  phone: 1" in lines and "'\"+44 1234 234567\" x100' -> '+44 1234 999999 x100'" in out
    assert "  terms: 1" in lines and ": -code" in out
    assert lines[-1] == "unchanged: 0"
    # The same comparison from the HSDS files themselves.
    code, from_files, _ = run(capsys, "diff", str(tmp_path / "before.json"), str(tmp_path / "after.json"))
    assert code == 0 and from_files == out


def test_a_missing_registry_file_is_named_and_not_created(tmp_path, capsys):
    missing = tmp_path / "nowhere" / "registry.db"
    for argv in (["--database", f"sqlite:///{missing}", "search", "19134"],
                 ["diff", f"sqlite:///{missing}", f"sqlite:///{missing}"]):
        assert main(argv) == 1
        assert f"there is no registry at {missing}: run `providers import`" in capsys.readouterr().err
    assert not missing.parent.exists()
