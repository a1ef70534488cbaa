"""The `providers` command as a person at a shell uses it."""
from __future__ import annotations

import re

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
