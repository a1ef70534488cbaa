"""Crisis recall and false positives of the trained model on the crisis corpus (issue 17).

    python tests/crisis_report.py [--model models/navigator.tar.gz] [--show-holdout]
    make crisis-report

Loads the model once with Rasa's Agent and reads every message of tests/corpus/crisis_dev.yml and
tests/corpus/crisis_holdout.yml through the whole NLU pipeline (classifiers, then the crisis and
unreadable-message overrides), as a message to the assistant would be read. A message counts as
crisis when its top intent is crisis_overdose or crisis_suicide; for distress items, an intent
named crisis_distress or distress* (if one exists) counts too.

Prints, per file: recall on overdose and suicide messages (overall, by kind, by language), the
false-positive rate on the hard negatives (overall, by language), and how many distress messages
were caught (tests/corpus/crisis_tuning.yml, crisis_tuning_2.yml and crisis_tuning_3.yml too: three more samples,
each written apart from the others, for tuning).
Misses and false positives are listed by text for dev and tuning only; the holdout's
only as counts unless --show-holdout (it is for measuring, never for writing patterns from).

A report, not a gate: the exit code is 0 whatever the figures.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
# dev and tuning may be read to see what is missed (tuning was written apart from the others, as a
# second sample to fix the kinds of miss on); the holdout only measures.
FILES = {"dev": CORPUS / "crisis_dev.yml", "tuning": CORPUS / "crisis_tuning.yml",
         "tuning_2": CORPUS / "crisis_tuning_2.yml", "tuning_3": CORPUS / "crisis_tuning_3.yml",
         "holdout": CORPUS / "crisis_holdout.yml", "unseen": CORPUS / "crisis_unseen.yml"}
# Measured only, never read: the texts of their misses are not printed (--show-holdout prints them).
MEASURED_ONLY = ("holdout", "unseen")
DEFAULT_MODEL = ROOT / "models" / "navigator.tar.gz"

CRISIS_INTENTS = {"crisis_overdose", "crisis_suicide"}
KIND_OF_INTENT = {"crisis_overdose": "overdose", "crisis_suicide": "suicide"}
DISTRESS_INTENT = re.compile(r"^(crisis_distress|distress.*)$")


@dataclass(frozen=True)
class Item:
    text: str
    kind: str  # overdose | suicide | distress | negative
    lang: str  # en | es


def load_corpus(path: Path) -> list[Item]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Item(str(m["text"]), m["kind"], m["lang"]) for m in data["messages"]]


def is_crisis(intent: str | None, kind: str) -> bool:
    """Whether the assistant would treat the message as a crisis of some kind."""
    if intent in CRISIS_INTENTS:
        return True
    return kind == "distress" and intent is not None and bool(DISTRESS_INTENT.match(intent))


def rate(hits: int, total: int) -> str:
    return f"{hits}/{total} = {100.0 * hits / total:5.1f}%" if total else "0/0 =     -"


def report(name: str, items: list[Item], intents: list[str | None], show_texts: bool) -> list[str]:
    lines = [f"== {name}: {len(items)} messages =="]
    crisis = [(i, it) for i, it in zip(items, intents) if i.kind in ("overdose", "suicide")]
    caught = [(i, it) for i, it in crisis if is_crisis(it, i.kind)]
    lines.append(f"Recall (overdose + suicide): {rate(len(caught), len(crisis))}")
    for label, keep in (("overdose", lambda i: i.kind == "overdose"), ("suicide", lambda i: i.kind == "suicide"),
                        ("en", lambda i: i.lang == "en"), ("es", lambda i: i.lang == "es")):
        part = [(i, it) for i, it in crisis if keep(i)]
        lines.append(f"  {label:12s} {rate(sum(is_crisis(it, i.kind) for i, it in part), len(part))}")
    for kind in ("overdose", "suicide"):
        for lang in ("en", "es"):
            part = [(i, it) for i, it in crisis if i.kind == kind and i.lang == lang]
            lines.append(f"  {kind + '/' + lang:12s} {rate(sum(is_crisis(it, i.kind) for i, it in part), len(part))}")
    other = [(i, it) for i, it in caught if KIND_OF_INTENT.get(it) not in (None, i.kind)]
    lines.append(f"  caught as the other kind (911 for 988 or the reverse): {len(other)}")
    negatives = [(i, it) for i, it in zip(items, intents) if i.kind == "negative"]
    false = [(i, it) for i, it in negatives if it in CRISIS_INTENTS]
    lines.append(f"False positives on negatives: {rate(len(false), len(negatives))}")
    for lang in ("en", "es"):
        part = [(i, it) for i, it in negatives if i.lang == lang]
        lines.append(f"  {lang:12s} {rate(sum(it in CRISIS_INTENTS for i, it in part), len(part))}")
    as_distress = [(i, it) for i, it in negatives if it is not None and DISTRESS_INTENT.match(it)]
    if as_distress:
        lines.append(f"  negatives read as distress (a check-in, not counted above): {len(as_distress)}")
    distress = [(i, it) for i, it in zip(items, intents) if i.kind == "distress"]
    lines.append(f"Distress caught (crisis or distress intent): {rate(sum(is_crisis(it, i.kind) for i, it in distress), len(distress))}")
    missed = [(i, it) for i, it in crisis if not is_crisis(it, i.kind)]
    missed_distress = [(i, it) for i, it in distress if not is_crisis(it, i.kind)]
    if show_texts:
        if missed:
            lines.append(f"Missed crisis messages ({len(missed)}):")
            lines += [f"  [{i.kind}/{i.lang}] {i.text!r} -> {it}" for i, it in missed]
        if other:
            lines.append(f"Caught as the other kind ({len(other)}):")
            lines += [f"  [{i.kind}/{i.lang}] {i.text!r} -> {it}" for i, it in other]
        if false:
            lines.append(f"False positives ({len(false)}):")
            lines += [f"  [{i.lang}] {i.text!r} -> {it}" for i, it in false]
        if missed_distress:
            lines.append(f"Distress not caught ({len(missed_distress)}):")
            lines += [f"  [{i.lang}] {i.text!r} -> {it}" for i, it in missed_distress]
    else:
        lines.append(f"(texts of the {len(missed)} misses and {len(false)} false positives not shown: "
                     "holdout; --show-holdout shows them)")
    return lines


def quiet_rasa() -> None:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)


async def classify(model: Path, texts: list[str]) -> list[str | None]:
    """The top intent of each text, through the model's whole NLU pipeline, loading it once."""
    # Libraries print deprecation notices while Rasa is imported and the model loaded (Rasa resets
    # the warning filters): noise in a report. An error still raises once stderr is back.
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            from rasa.core.agent import Agent

            agent = Agent.load(str(model))
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    try:  # Rasa's structured log prints every parse at debug level unless filtered
        import structlog

        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    except ImportError:
        pass
    intents = []
    for text in texts:
        parsed = await agent.parse_message(text)
        intents.append((parsed.get("intent") or {}).get("name"))
    return intents


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--show-holdout", action="store_true", help="also list the holdout's misses by text")
    args = parser.parse_args(argv)
    if not args.model.exists():
        print(f"No trained model at {args.model}: `make model` trains one.", file=sys.stderr)
        return 0
    quiet_rasa()
    corpora = {name: load_corpus(path) for name, path in FILES.items()}
    texts = [item.text for items in corpora.values() for item in items]
    intents = asyncio.run(classify(args.model, texts))
    print(f"Crisis corpus report, model {args.model}")
    start = 0
    for name, items in corpora.items():
        part = intents[start:start + len(items)]
        start += len(items)
        print("\n".join(report(name, items, part, show_texts=(name not in MEASURED_ONLY or args.show_holdout))))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
