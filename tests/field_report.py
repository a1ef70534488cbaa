"""Plays the field corpus (issue 17) against the real assistant and reports what a person would notice.

    python tests/field_report.py [--model models/navigator.tar.gz] [--only-split dev|holdout]
                                 [--url http://host:port] [--show-holdout] [--web-over-rest]
    make field-report

Starts the action server and the Rasa server with the model on free ports, with a throwaway
conversation store (or, with --url, uses a running Rasa server), and plays every conversation of
tests/corpus/field_dev.yml and tests/corpus/field_holdout.yml, each under a new sender id:

- `channel: sms` conversations over the REST channel (POST /webhooks/rest/webhook). A message's
  buttons are read as the SMS channel sends them: numbered lines under its text.
- `channel: web` conversations over the widget's socket.io channel, as the widget speaks it
  (result cards, buttons), so the report sees what a person on the web page sees. With
  --web-over-rest they go over the REST channel too.

Each turn's expectations are checked against the bot's replies for that turn (every message, joined
by blank lines, compared case-insensitively):

  crisis: overdose|suicide|distress   the FIRST bot message of the turn carries 911 (overdose) or 988
  asks: SLOT / not_asked: [SLOT...]   the reply asks / does not ask the search form's question for
                                      medication, payment, need, location or setting (QUESTIONS)
  lists: {need, medication, support, setting, within_miles}
                                      the reply shows listings that are in the registry (numbered
                                      places, found by id on the web and by name by SMS, or a
                                      nationwide service named in the text) and every numbered one
                                      offers what was asked (a methadone listing must be a certified
                                      opioid treatment program); at least one offers all of it; no
                                      numbered place is farther than within_miles
  mentions_any / mentions_all / not_mentions   phrases; in mentions_all "a|b" means a or b
  max_chars: N                        the turn's replies together are at most N characters

and across each conversation: no form question asked in three turns of it ("repeat_question");
no "didn't get that" / "not sure I got that" on a turn that expects a crisis reply
("sorry_on_crisis"); on the web, no "Reply with a number", "Reply 1-3" or "text HELP" ("web_wording").

Prints pass/fail counts per split, per persona kind (the id before its last "-") and per
expectation kind; each failing dev conversation with the turn, the expectation and the reply (the
holdout's only as counts unless --show-holdout: it is for measuring, never for tuning); and the
reply-length distribution over all turns. A report, not a gate: the exit code is 0 unless the
servers could not be started.

The evaluation is importable (load_conversations, evaluate_turn, evaluate_conversation, asked_slots,
parse_listings, Reply) for tests: tests/unit/test_field_evaluator.py.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Protocol

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
FILES = {"dev": CORPUS / "field_dev.yml", "holdout": CORPUS / "field_holdout.yml"}
DEFAULT_MODEL = ROOT / "models" / "navigator.tar.gz"
SLOTS = ("medication", "payment", "need", "location", "setting")
EXPECTATION_KINDS = ("crisis", "asks", "not_asked", "lists", "mentions_any", "mentions_all", "not_mentions",
                     "max_chars")
GLOBAL_KINDS = ("repeat_question", "sorry_on_crisis", "web_wording")
CRISIS_NUMBER = {"overdose": "911", "suicide": "988", "distress": "988"}
WEB_ORIGIN = "http://localhost:8080"  # the widget's default allowed origin (credentials.yml)

# --- the corpus ------------------------------------------------------------------------------------


@dataclass
class Turn:
    user: str
    expect: dict[str, Any]


@dataclass
class Conversation:
    id: str
    persona: str
    channel: str  # sms | web
    split: str  # dev | holdout
    turns: list[Turn]

    @property
    def kind(self) -> str:
        return self.id.rsplit("-", 1)[0]


def load_conversations(path: Path) -> list[Conversation]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    conversations = []
    for c in data["conversations"]:
        turns = [Turn(str(t["user"]), dict(t.get("expect") or {})) for t in c["turns"]]
        for turn in turns:
            unknown = set(turn.expect) - set(EXPECTATION_KINDS)
            if unknown:
                raise ValueError(f"{c['id']}: unknown expectation {sorted(unknown)}")
        conversations.append(Conversation(c["id"], c["persona"], c["channel"], c["split"], turns))
    return conversations


# --- what the bot said -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """A numbered listing in a reply: from a web card (with its registry id) or a line of text."""

    number: int
    name: str
    miles: Optional[float] = None
    listing_id: Optional[str] = None


@dataclass
class Reply:
    """The bot's messages for one turn, as the person sees them, and the listings among them."""

    messages: list[str]
    cards: list[Listed] = field(default_factory=list)  # web result cards; SMS listings are parsed from text

    @property
    def text(self) -> str:
        return "\n\n".join(self.messages)

    @property
    def first(self) -> str:
        return self.messages[0] if self.messages else ""

    def listings(self) -> list[Listed]:
        return self.cards or parse_listings(self.text)


_LISTING_LINE = re.compile(r"^\s*(\d{1,2})[.)]\s+(.+?)\s*$", re.M)
_MILES = re.compile(r"\s*(?:[-\u2013\u2014,(]\s*)?(\d+(?:\.\d+)?)\s*mi(?:les)?\.?\)?\s*$", re.I)


def parse_listings(text: str) -> list[Listed]:
    """Numbered lines ("1. Name - 2.3 mi", "2) Name (4 mi)"). Buttons rendered as "1) Methadone" are
    parsed too; they are not in the registry, so the lists check ignores them."""
    listed = []
    for number, rest in _LISTING_LINE.findall(text):
        miles = None
        match = _MILES.search(rest)
        if match:
            miles = float(match.group(1))
            rest = rest[: match.start()].rstrip(" -\u2013\u2014,(")
        listed.append(Listed(int(number), rest.strip(), miles))
    return listed


def normalize(text: str) -> str:
    text = text.lower()
    for curly, plain in (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2013", "-"),
                         ("\u2014", "-")):
        text = text.replace(curly, plain)
    return text


# The search form's questions, by slot, in today's words and the plain variants a rewrite might use.
# They are matched in messages that ask something (a "?" or a re-ask), with quoted text removed
# (the call script in details quotes "Do you take Medicaid?" for the person to say).
QUESTIONS = {
    "need": re.compile(r"what are you looking for|what do you need|what can i help you (find|with)|"
                       r"what (kind of )?help (are you|do you)"),
    "medication": re.compile(r"\b(which|what) (medication|medicine|med)s?\b"),
    "payment": re.compile(r"\bhow (would|will|do|can) you (pay|plan to pay)\b|\b(what|which) (kind of )?insurance\b|"
                          r"\bdo you have (insurance|medicaid|medicare)\b|\bhow are you paying\b"),
    "location": re.compile(r"\bzip\b|\bwhat town\b|\bwhich town\b|\bwhere are you\b|\bmore than one\b|"
                           r"couldn't find that place|\bbig place\b|\bwhat (city|area)\b|\bonly search in the us\b"),
    "setting": re.compile(r"\b(what|which) (kind|type) of (care|program|treatment)\b"),
}
_QUOTED = re.compile(r"\"[^\"]*\"")
_REASK = re.compile(r"couldn't find that place|doesn't look right|only search in the us|is a big place|more than one")


def asked_slots(messages: Iterable[str]) -> set[str]:
    asked = set()
    for message in messages:
        text = _QUOTED.sub("", normalize(message))
        if "?" not in text and not _REASK.search(text):
            continue
        asked |= {slot for slot, pattern in QUESTIONS.items() if pattern.search(text)}
    return asked


NOT_UNDERSTOOD = re.compile(r"didn't get that|not sure i got that|did not get that")
WEB_SMS_WORDING = re.compile(r"reply with (a|its) number|\breply \d|\btext help\b")

# --- the registry, to check listings ---------------------------------------------------------------


class Resolver(Protocol):
    def by_id(self, listing_id: str) -> Optional[set[str]]: ...

    def by_name(self, name: str) -> list[set[str]]: ...

    def virtual(self) -> dict[str, set[str]]: ...


class RegistryResolver:
    """Listing terms by id and by name (names repeat: chains), read once from the registry's index."""

    def __init__(self, url: Optional[str] = None) -> None:
        from sqlalchemy import create_engine, text

        url = url or os.environ.get("NAVIGATOR_DATABASE_URL") or f"sqlite:///{ROOT / 'var' / 'registry.db'}"
        engine = create_engine(url)
        self._ids: dict[str, set[str]] = {}
        self._names: dict[str, list[set[str]]] = defaultdict(list)
        self._virtual: dict[str, set[str]] = {}
        with engine.connect() as connection:
            for listing_id, kind, terms, card in connection.execute(text("select id, kind, terms, card from listing")):
                term_set = set(terms.split())
                name = json.loads(card).get("name") or ""
                self._ids[str(listing_id)] = term_set
                self._names[normalize(name).strip()].append(term_set)
                if kind == "virtual":
                    self._virtual[name] = term_set
        engine.dispose()

    def by_id(self, listing_id: str) -> Optional[set[str]]:
        return self._ids.get(listing_id)

    def by_name(self, name: str) -> list[set[str]]:
        return self._names.get(normalize(name).strip(), [])

    def virtual(self) -> dict[str, set[str]]:
        return self._virtual


def required_terms(spec: dict) -> set[str]:
    terms = set()
    for facet in ("need", "medication", "support", "setting"):
        if spec.get(facet):
            terms.add(f"{facet}:{spec[facet]}")
    if spec.get("medication") == "methadone":
        terms.add("setting:otp")  # only certified opioid treatment programs dispense methadone for OUD
    return terms


def check_lists(spec: dict, reply: Reply, resolver: Resolver) -> Optional[str]:
    wanted = required_terms(spec)
    shown = reply.listings()
    known = []
    for listed in shown:
        candidates = []
        if listed.listing_id:
            terms = resolver.by_id(listed.listing_id)
            candidates = [terms] if terms is not None else []
        if not candidates:
            candidates = resolver.by_name(listed.name)
        if candidates:
            known.append((listed, candidates))
    text = normalize(reply.text)
    named_virtual = [(name, terms) for name, terms in resolver.virtual().items() if normalize(name) in text]
    problems = []
    if not known and not any(wanted <= terms for _, terms in named_virtual):
        return f"no listing from the registry that offers {' '.join(sorted(wanted))}"
    for listed, candidates in known:
        if not any(wanted <= terms for terms in candidates):
            lacking = sorted(wanted - max(candidates, key=lambda t: len(wanted & t)))
            problems.append(f"#{listed.number} {listed.name} does not list {' '.join(lacking)}")
    if known and not any(any(wanted <= t for t in c) for _, c in known) \
            and not any(wanted <= terms for _, terms in named_virtual):
        problems.append("none of the listings offers all of it")
    limit = spec.get("within_miles")
    if limit is not None:
        far = [f"#{listed.number} {listed.name} at {listed.miles:g} mi" for listed, _ in known
               if listed.miles is not None and listed.miles > float(limit)]
        if far:
            problems.append(f"farther than {limit} mi: " + "; ".join(far))
    return "; ".join(problems) or None


# --- evaluation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    kind: str  # an expectation kind, or a global check
    detail: str
    turn: Optional[int] = None  # 0-based


def _alternatives(item: str) -> list[str]:
    return [normalize(a) for a in str(item).split("|") if a]


def evaluate_turn(expect: dict, reply: Reply, resolver: Optional[Resolver] = None) -> list[Failure]:
    """The expectations of one turn that the reply does not meet (an empty list: all met)."""
    failures = []
    text = normalize(reply.text)
    asked = asked_slots(reply.messages)
    if "crisis" in expect:
        number = CRISIS_NUMBER[expect["crisis"]]
        if number not in reply.first:
            failures.append(Failure("crisis", f"first message lacks {number}"))
    if "asks" in expect and expect["asks"] not in asked:
        failures.append(Failure("asks", f"does not ask {expect['asks']}"))
    if "not_asked" in expect:
        again = [slot for slot in expect["not_asked"] if slot in asked]
        if again:
            failures.append(Failure("not_asked", f"asks {', '.join(again)}"))
    if "lists" in expect:
        if resolver is None:
            raise ValueError("a lists expectation needs a resolver")
        problem = check_lists(expect["lists"], reply, resolver)
        if problem:
            failures.append(Failure("lists", problem))
    if "mentions_any" in expect:
        if not any(normalize(p) in text for p in expect["mentions_any"]):
            failures.append(Failure("mentions_any", f"none of {expect['mentions_any']}"))
    if "mentions_all" in expect:
        missing = [item for item in expect["mentions_all"] if not any(a in text for a in _alternatives(item))]
        if missing:
            failures.append(Failure("mentions_all", f"missing {missing}"))
    if "not_mentions" in expect:
        present = [p for p in expect["not_mentions"] if normalize(p) in text]
        if present:
            failures.append(Failure("not_mentions", f"says {present}"))
    if "max_chars" in expect and len(reply.text) > int(expect["max_chars"]):
        failures.append(Failure("max_chars", f"{len(reply.text)} > {expect['max_chars']} chars"))
    return failures


def evaluate_conversation(conversation: Conversation, replies: list[Reply],
                          resolver: Optional[Resolver] = None) -> tuple[list[Failure], Counter]:
    """Every failure in a played conversation, and how many checks of each kind were made."""
    failures: list[Failure] = []
    checks: Counter = Counter()
    asked_in: dict[str, list[int]] = defaultdict(list)
    for number, (turn, reply) in enumerate(zip(conversation.turns, replies)):
        for kind in turn.expect:
            checks[kind] += 1
        failures += [Failure(f.kind, f.detail, number) for f in evaluate_turn(turn.expect, reply, resolver)]
        for slot in asked_slots(reply.messages):
            asked_in[slot].append(number)
        if "crisis" in turn.expect:
            checks["sorry_on_crisis"] += 1
            if NOT_UNDERSTOOD.search(normalize(reply.text)):
                failures.append(Failure("sorry_on_crisis", "a not-understood reply on a crisis turn", number))
        if conversation.channel == "web":
            checks["web_wording"] += 1
            match = WEB_SMS_WORDING.search(normalize(reply.text))
            if match:
                failures.append(Failure("web_wording", f"SMS wording on the web: {match.group(0)!r}", number))
    checks["repeat_question"] += 1
    for slot, turns in asked_in.items():
        if len(turns) >= 3:
            failures.append(Failure("repeat_question", f"{slot} asked in turns {[t + 1 for t in turns]}", turns[2]))
    return failures, checks


# --- playing conversations -------------------------------------------------------------------------


def sms_text(message: dict) -> str:
    """A bot message as the SMS channel sends it: its text, then its buttons as numbered lines."""
    titles = [b.get("title") for b in message.get("buttons") or [] if b.get("title")]
    return "\n".join([message.get("text") or "", *(f"{n}) {t}" for n, t in enumerate(titles, start=1))]).strip()


def web_message(message: dict) -> tuple[Optional[str], list[Listed]]:
    """A socket.io bot message as the widget shows it: text, buttons, or result cards."""
    custom = message.get("custom")
    if isinstance(custom, dict) and custom.get("type") == "listings":
        lines, cards = [custom.get("intro") or ""], []
        for card in custom.get("listings") or []:
            miles = card.get("miles")
            cards.append(Listed(int(card.get("n") or 0), card.get("name") or "", miles, card.get("id")))
            head = f"{card.get('n')}. {card.get('name')}" + (f" - {miles:.1f} mi" if miles is not None else "")
            body = [head]
            if card.get("phone"):
                body.append(f"Call {card['phone']}")
            if card.get("matched"):
                body.append("Has: " + ", ".join(card["matched"]))
            if card.get("ask_about"):
                body.append("Ask about: " + ", ".join(card["ask_about"]))
            if card.get("source"):
                body.append(card["source"])
            lines.append("\n".join(body))
        lines += list(custom.get("extras") or [])
        if custom.get("footer"):
            lines.append(custom["footer"])
        return "\n\n".join(line for line in lines if line), cards
    if custom is not None:
        return json.dumps(custom, ensure_ascii=False), []
    buttons = message.get("quick_replies") or message.get("buttons") or []
    titles = [b.get("title") for b in buttons if b.get("title")]
    parts = [message.get("text") or ""] + [f"[{t}]" for t in titles]
    text = "\n".join(p for p in parts if p)
    return (text or None), []


class Player:
    """Plays conversations against a Rasa server at `base` (REST, and socket.io for the web)."""

    def __init__(self, base: str, token: Optional[str], web_over_rest: bool = False, timeout: float = 60.0) -> None:
        self.base = base.rstrip("/")
        self.token = token
        self.web_over_rest = web_over_rest
        self.timeout = timeout

    async def play(self, session, conversation: Conversation) -> tuple[list[Reply], list[float]]:
        if conversation.channel == "web" and not self.web_over_rest:
            return await self._play_web(session, conversation)
        sender = f"field-{conversation.id}-{uuid.uuid4().hex[:8]}"
        replies, seconds = [], []
        for turn in conversation.turns:
            started = time.monotonic()
            async with session.post(f"{self.base}/webhooks/rest/webhook",
                                    json={"sender": sender, "message": turn.user},
                                    timeout=self.timeout) as response:
                body = await response.json(content_type=None) if response.status == 200 else []
                if response.status != 200:
                    body = [{"text": f"[HTTP {response.status}]"}]
            seconds.append(time.monotonic() - started)
            replies.append(Reply([t for t in (sms_text(m) for m in body or []) if t]))
        return replies, seconds

    async def _tracker_done(self, session, sender: str, users: int) -> Optional[bool]:
        """Whether the conversation has `users` user messages and listens again (None: API unusable)."""
        if not self.token:
            return None
        async with session.get(f"{self.base}/conversations/{sender}/tracker",
                               params={"token": self.token}) as response:
            if response.status != 200:
                return None
            events = (await response.json()).get("events") or []
        user_events = [i for i, e in enumerate(events) if e.get("event") == "user"]
        if len(user_events) < users:
            return False
        last = events[-1]
        return last.get("event") == "action" and last.get("name") == "action_listen" and events.index(last) > user_events[-1]

    async def _play_web(self, session, conversation: Conversation) -> tuple[list[Reply], list[float]]:
        socket_url = self.base.replace("http://", "ws://").replace("https://", "wss://")
        ws = await session.ws_connect(f"{socket_url}/socket.io/?EIO=4&transport=websocket",
                                      headers={"Origin": WEB_ORIGIN})
        queue: asyncio.Queue = asyncio.Queue()

        async def reader() -> None:
            async for packet in ws:
                data = packet.data
                if not isinstance(data, str):
                    continue
                if data == "2":
                    await ws.send_str("3")
                elif data.startswith("42"):
                    event, *args = json.loads(data[2:])
                    await queue.put((event, args[0] if args else None))
                elif data.startswith("40"):
                    await queue.put(("connected", None))
                elif data.startswith("44"):
                    await queue.put(("refused", data[2:]))

        task = asyncio.create_task(reader())
        try:
            await ws.send_str("40")
            event, detail = await asyncio.wait_for(queue.get(), 10)
            if event != "connected":
                raise RuntimeError(f"the widget channel refused the connection: {detail}")
            await ws.send_str("42" + json.dumps(["session_request", {"session_id": None}]))
            while True:
                event, token = await asyncio.wait_for(queue.get(), 10)
                if event == "session_confirm":
                    break
            sender = "web-" + token.split(".")[0]
            replies, seconds = [], []
            for number, turn in enumerate(conversation.turns, start=1):
                started = time.monotonic()
                await ws.send_str("42" + json.dumps(["user_uttered", {"message": turn.user, "session_id": token}]))
                messages: list[dict] = []
                deadline = started + self.timeout
                quiet_since = None
                while time.monotonic() < deadline:
                    try:
                        event, data = await asyncio.wait_for(queue.get(), 0.2)
                        if event == "bot_uttered" and isinstance(data, dict):
                            messages.append(data)
                            quiet_since = None
                        continue
                    except asyncio.TimeoutError:
                        pass
                    done = await self._tracker_done(session, sender, number)
                    if done is None:  # no API: the turn is over after 2 s without a message
                        quiet_since = quiet_since or time.monotonic()
                        if messages and time.monotonic() - quiet_since > 2.0:
                            break
                    elif done:
                        await asyncio.sleep(0.3)  # frames already sent may still be in flight
                        while not queue.empty():
                            event, data = queue.get_nowait()
                            if event == "bot_uttered" and isinstance(data, dict):
                                messages.append(data)
                        break
                seconds.append(time.monotonic() - started)
                texts, cards = [], []
                for message in messages:
                    text, listed = web_message(message)
                    if text:
                        texts.append(text)
                    cards += listed
                replies.append(Reply(texts, cards))
            return replies, seconds
        finally:
            task.cancel()
            await ws.close()


# --- the report ------------------------------------------------------------------------------------


@dataclass
class Played:
    conversation: Conversation
    replies: list[Reply]
    failures: list[Failure]
    checks: Counter
    error: Optional[str] = None


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return 0.0
    k = (len(values) - 1) * p / 100
    lower, upper = int(k), min(int(k) + 1, len(values) - 1)
    return values[lower] + (values[upper] - values[lower]) * (k - lower)


def length_lines(lengths: list[int], label: str) -> list[str]:
    if not lengths:
        return [f"{label}: no turns"]
    n = len(lengths)
    over = "; ".join(f"over {limit}: {sum(x > limit for x in lengths)} ({100.0 * sum(x > limit for x in lengths) / n:.0f}%)"
                     for limit in (320, 480, 640))
    return [f"{label}: {n} turns, mean {statistics.mean(lengths):.0f}, median {statistics.median(lengths):.0f}, "
            f"p90 {percentile(lengths, 90):.0f}, max {max(lengths)} characters; {over}"]


def summary_lines(name: str, played: list[Played]) -> list[str]:
    lines = [f"== {name}: {len(played)} conversations, {sum(len(p.conversation.turns) for p in played)} turns =="]
    passed = sum(not p.failures and not p.error for p in played)
    lines.append(f"Conversations passing every check: {passed}/{len(played)}")
    turn_total = turn_passed = 0
    for p in played:
        bad_turns = {f.turn for f in p.failures}
        turn_total += len(p.conversation.turns)
        turn_passed += sum(1 for i in range(len(p.conversation.turns)) if i not in bad_turns) if not p.error else 0
    lines.append(f"Turns with no failed check: {turn_passed}/{turn_total}")
    if any(p.error for p in played):
        lines.append(f"Conversations that could not be played: {sum(bool(p.error) for p in played)}")
    lines.append("By persona kind (conversations passing):")
    kinds = sorted({p.conversation.kind for p in played})
    for kind in kinds:
        group = [p for p in played if p.conversation.kind == kind]
        lines.append(f"  {kind:16s} {sum(not p.failures and not p.error for p in group)}/{len(group)}")
    lines.append("By expectation kind (checks passing):")
    checks: Counter = Counter()
    failed: Counter = Counter()
    for p in played:
        checks.update(p.checks)
        # a check counts once as failed even when it reports several problems
        failed.update(kind for kind, _ in {(f.kind, f.turn) for f in p.failures})
    for kind in EXPECTATION_KINDS + GLOBAL_KINDS:
        if checks[kind]:
            lines.append(f"  {kind:16s} {checks[kind] - failed[kind]}/{checks[kind]}")
    return lines


def failure_lines(played: list[Played], max_reply: int = 700) -> list[str]:
    lines = []
    for p in played:
        if not p.failures and not p.error:
            continue
        c = p.conversation
        lines.append(f"--- {c.id} ({c.channel}): {c.persona}")
        if p.error:
            lines.append(f"    could not play: {p.error}")
            continue
        for number in sorted({f.turn for f in p.failures}, key=lambda t: -1 if t is None else t):
            turn = c.turns[number]
            lines.append(f"  turn {number + 1}: {turn.user!r}")
            for f in (f for f in p.failures if f.turn == number):
                expectation = turn.expect.get(f.kind, "(global)")
                lines.append(f"    FAIL {f.kind}: expected {json.dumps(expectation, ensure_ascii=False)}; {f.detail}")
            text = p.replies[number].text if number < len(p.replies) else ""
            shown = text if len(text) <= max_reply else text[:max_reply] + f" ...(+{len(text) - max_reply} chars)"
            lines.append("    reply: " + (shown.replace("\n", "\n           ") or "(nothing)"))
    return lines


async def play_all(player: Player, conversations: list[Conversation], resolver: Resolver,
                   concurrency: int = 3) -> tuple[list[Played], list[float]]:
    import aiohttp

    semaphore = asyncio.Semaphore(concurrency)
    seconds: list[float] = []

    async def one(session, conversation: Conversation) -> Played:
        async with semaphore:
            try:
                replies, took = await player.play(session, conversation)
            except Exception as error:  # a report goes on: the conversation counts as failed
                return Played(conversation, [], [], Counter(), error=f"{type(error).__name__}: {error}")
            seconds.extend(took)
            failures, checks = evaluate_conversation(conversation, replies, resolver)
            return Played(conversation, replies, failures, checks)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session:
        played = await asyncio.gather(*(one(session, c) for c in conversations))
    return list(played), seconds


def start_servers(model: Path, tmp: Path, token: str):
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))
    from bot.run import Assistant
    from support.services import free_port

    actions_port, rasa_port = free_port(), free_port()
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
        f"tracker_store:\n  type: bot.rasa_server.tracker_store.PrivateSQLTrackerStore\n  dialect: sqlite\n"
        f"  db: {tmp / 'tracker.db'}\n")
    env = {"NAVIGATOR_RASA_TOKEN": token, "NAVIGATOR_LIMIT_WIDGET_PER_IP": "100000",
           "NAVIGATOR_LIMIT_WIDGET_PER_SESSION": "100000", "NAVIGATOR_WIDGET_ORIGINS": WEB_ORIGIN}
    servers = Assistant(model, rasa_port=rasa_port, actions_port=actions_port, endpoints=endpoints, env=env,
                        web=False, quiet=True)
    servers.start()
    try:
        servers.wait_ready()
    except BaseException:
        servers.stop()
        raise
    return servers


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--only-split", choices=("dev", "holdout"))
    parser.add_argument("--url", help="a running Rasa server (http://host:port) instead of starting one")
    parser.add_argument("--token", help="its HTTP API token (default: NAVIGATOR_RASA_TOKEN or var/rasa-api.token)")
    parser.add_argument("--database", help="the registry's URL for checking listings (default: as the assistant's)")
    parser.add_argument("--show-holdout", action="store_true", help="also print the holdout's failures")
    parser.add_argument("--web-over-rest", action="store_true", help="play web conversations over REST too")
    parser.add_argument("--concurrency", type=int, default=3)
    parser.add_argument("--dump", type=Path, help="also write every turn, reply and failure to this JSON file")
    args = parser.parse_args(argv)

    splits = [args.only_split] if args.only_split else list(FILES)
    conversations = {name: load_conversations(FILES[name]) for name in splits}
    resolver = RegistryResolver(args.database)
    servers = None
    tmp = tempfile.TemporaryDirectory(prefix="field-report-")
    if args.url:
        base = args.url
        token = args.token or os.environ.get("NAVIGATOR_RASA_TOKEN")
        token_file = ROOT / "var" / "rasa-api.token"
        if not token and token_file.exists():
            token = token_file.read_text().strip()
    else:
        if not args.model.exists():
            print(f"No trained model at {args.model}: `make model` trains one.", file=sys.stderr)
            return 1
        token = secrets.token_urlsafe(24)
        servers = start_servers(args.model, Path(tmp.name), token)
        base = f"http://127.0.0.1:{servers.rasa_port}"
    try:
        player = Player(base, token, web_over_rest=args.web_over_rest)
        started = time.monotonic()
        everything = [c for name in splits for c in conversations[name]]
        played, seconds = asyncio.run(play_all(player, everything, resolver, args.concurrency))
        took = time.monotonic() - started
    finally:
        if servers is not None:
            servers.stop()
        tmp.cleanup()

    by_split = {name: [p for p in played if p.conversation.split == name] for name in splits}
    if args.dump:
        args.dump.write_text(json.dumps([{
            "id": p.conversation.id, "split": p.conversation.split, "channel": p.conversation.channel,
            "error": p.error,
            "turns": [{"user": t.user, "expect": t.expect, "reply": r.messages,
                       "listings": [vars(x) for x in r.listings()],
                       "failures": [f"{f.kind}: {f.detail}" for f in p.failures if f.turn == i]}
                      for i, (t, r) in enumerate(zip(p.conversation.turns, p.replies))],
        } for p in played], ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"Field corpus report, {'server ' + base if args.url else 'model ' + str(args.model)}; "
          f"{len(played)} conversations played in {took:.0f} s"
          + (f" (turn p50 {percentile(seconds, 50):.2f} s, p95 {percentile(seconds, 95):.2f} s)" if seconds else ""))
    print("web conversations over " + ("REST" if args.web_over_rest else "the widget's socket.io channel"))
    for name in splits:
        print()
        print("\n".join(summary_lines(name, by_split[name])))
    for name in splits:
        failing = [p for p in by_split[name] if p.failures or p.error]
        if not failing:
            continue
        print()
        if name == "dev" or args.show_holdout:
            print(f"== failing {name} conversations ({len(failing)}) ==")
            print("\n".join(failure_lines(failing)))
        else:
            print(f"== {name}: {len(failing)} failing conversations (not shown: holdout; --show-holdout shows them) ==")
    print()
    print("== reply length (characters per turn, all of the bot's messages for the turn) ==")
    every = [p for p in played if not p.error]
    print("\n".join(length_lines([len(r.text) for p in every for r in p.replies], "all turns")))
    print("\n".join(length_lines([len(r.text) for p in every if p.conversation.channel == "sms" for r in p.replies],
                                 "sms turns")))
    print("\n".join(length_lines([len(r.text) for p in every if p.conversation.channel == "web" for r in p.replies],
                                 "web turns")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
