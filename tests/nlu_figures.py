"""What a person would have seen, from a `rasa test nlu --successes` run's results folder.

Rasa scores the classifier's top intent even where the fallback would have replaced it,
so its figures count a right guess below the threshold as right, though the person got the
fallback's reply (a "did you mean" menu, or "Sorry, I didn't get that"). This splits the
messages three ways at config.yml's fallback threshold: understood, not understood and a
wrong answer.

    python tests/nlu_figures.py results/holdout
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def fallback_threshold() -> float:
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    return next(c["threshold"] for c in pipeline if c["name"] == "FallbackClassifier")


def main(results: Path) -> None:
    threshold = fallback_threshold()
    rows = [(True, r) for r in json.loads((results / "intent_successes.json").read_text())]
    rows += [(False, r) for r in json.loads((results / "intent_errors.json").read_text())]
    understood = sum(right and r["intent_prediction"]["confidence"] >= threshold for right, r in rows)
    wrong = sum(not right and r["intent_prediction"]["confidence"] >= threshold for right, r in rows)
    not_understood = len(rows) - understood - wrong
    print(
        f"{len(rows)} messages, fallback threshold {threshold}: understood {understood} ({understood / len(rows):.3f}), "
        f"not understood {not_understood} ({not_understood / len(rows):.3f}), "
        f"wrong answer {wrong} ({wrong / len(rows):.3f})"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
