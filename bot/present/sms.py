"""Shaping text for SMS: keep it in GSM-7, count what it costs, and pack it into few messages.

A single character outside GSM-7 (a curly quote pasted from a word processor, an emoji)
turns the whole message into UCS-2, which cuts a segment from 160 characters to 70 and
multiplies what a reply costs. Old phones may also show such characters as boxes.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

from bot import vocabulary
from bot.present import catalogue
from bot.present.catalogue import text
from bot.present.listings import (
    DETAIL_FACETS,
    Page,
    address_text,
    call_script,
    footer_text,
    health_center_line,
    label,
    listing_text,
    miles,
    requested_labels,
)
from providers.search import Result, format_checked

# GSM 03.38 default alphabet (without the escape character 0x1B) and its extension table,
# whose characters are sent as escape + character and so take two septets.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153  # a multi-part message loses 7 septets to its header
UCS2_SINGLE, UCS2_PART = 70, 67

TARGET_CHARS = 320
MAX_SEGMENTS = 3

# Plain equivalents for characters that word processors, phones and web pages put in text.
_REPLACEMENTS = {
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "´": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    "…": "...",
    "•": "-", "·": "-", "‣": "-", "◦": "-", "⁃": "-", "●": "-", "▪": "-",
    "×": "x", "÷": "/",
    "→": "->", "←": "<-",
    "©": "(c)", "®": "(R)",
    "\t": " ",
    # Invisible characters: nothing to replace them with.
    "\u00ad": "", "\u200b": "", "\u200c": "", "\u2060": "", "\ufeff": "",
}

# Emoji and the joiners, variation selectors and tags that build emoji sequences.
_EMOJI_CHARS = (
    "\U0001F000-\U0001FAFF"  # pictographs, emoticons, transport, flags, skin tones
    "\u2600-\u27BF"  # miscellaneous symbols and dingbats
    "\u231A\u231B\u23E9-\u23F3\u23F8-\u23FA"
    "\u2B05-\u2B07\u2B1B\u2B1C\u2B50\u2B55"
    "\u2934\u2935\u3030\u303D\u3297\u3299"
    "\u200D\u20E3\uFE0E\uFE0F"
    "\U000E0020-\U000E007F"
)
# An emoji between words takes one of its surrounding spaces with it.
_LEADING_EMOJI = re.compile(f"^(?:[{_EMOJI_CHARS}]+ *)+", re.MULTILINE)  # "🎉 🎉 Hi": all of them
_OTHER_EMOJI = re.compile(f" *[{_EMOJI_CHARS}]+")


# Control characters a person's message has no use for: all but tab and newline.
_INCOMING_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_incoming(text: str) -> str:
    """A message as people and the assistant should read it: line breaks as \\n, no other control
    characters (NUL, escape sequences, backspaces), which no one types on purpose."""
    return _INCOMING_CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def to_gsm7(text: str) -> str:
    """Replace characters outside GSM-7 that have a plain equivalent; leave the others.

    Text in a script GSM-7 cannot write (Chinese, say) stays as it is and goes as UCS-2.
    """
    text = unicodedata.normalize("NFC", text)  # a letter + combining accent -> one letter
    text = _OTHER_EMOJI.sub("", _LEADING_EMOJI.sub("", text))
    return "".join(_gsm7_char(char) for char in text)


def _gsm7_char(char: str) -> str:
    if char in GSM7_BASIC or char in GSM7_EXTENSION:
        return char
    if char in _REPLACEMENTS:
        return _REPLACEMENTS[char]
    if unicodedata.category(char) == "Cc":  # control characters other than \n \r \f
        return ""
    # Accented letters (á -> a), ligatures, full-width forms, non-breaking spaces.
    plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return plain if plain and is_gsm7(plain) else char


def segments(text: str) -> int:
    """How many SMS segments `text` is billed as (0 for no text)."""
    if is_gsm7(text):
        units = [2 if char in GSM7_EXTENSION else 1 for char in text]
        single, part = GSM7_SINGLE, GSM7_PART
    else:
        units = [len(char.encode("utf-16-le")) // 2 for char in text]
        single, part = UCS2_SINGLE, UCS2_PART
    if sum(units) <= single:
        return 1 if units else 0
    # Parts are filled greedily: an escaped character or a surrogate pair is never cut in two.
    count, used = 1, 0
    for size in units:
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return count


def split_reply(blocks: list[str], target: int = TARGET_CHARS, max_segments: int = MAX_SEGMENTS) -> list[str]:
    """Pack blocks (paragraphs, one listing each) into messages, in order, separated by a blank line.

    A message holds at most `target` characters where possible and never more than
    `max_segments` segments. A block is never cut unless it alone is over `max_segments`;
    then it is cut between words.
    """
    def fits(text: str) -> bool:
        return len(text) <= target and segments(text) <= max_segments

    messages: list[str] = []
    current = ""
    for block in (block.strip() for block in blocks):
        if not block:
            continue
        pieces = [block] if segments(block) <= max_segments else _split_between_words(block, fits)
        for piece in pieces:
            candidate = f"{current}\n\n{piece}" if current else piece
            if current and not fits(candidate):
                messages.append(current)
                current = piece
            else:
                current = candidate
    if current:
        messages.append(current)
    return messages


def _split_between_words(block: str, fits: Callable[[str], bool]) -> list[str]:
    pieces: list[str] = []
    current = separator = ""
    for word, space in re.findall(r"(\S+)(\s*)", block):
        if current and fits(current + separator + word):
            current += separator + word
        else:
            if current:
                pieces.append(current)
            *whole_chunks, word = _chunks_that_fit(word, fits)
            pieces.extend(whole_chunks)
            current = word
        separator = space
    if current:
        pieces.append(current)
    return pieces


def _chunks_that_fit(word: str, fits: Callable[[str], bool]) -> Iterator[str]:
    """Cut a word too long for one message (a long link) into pieces that fit."""
    while not fits(word):
        low, high = 1, len(word) - 1  # the longest prefix that fits, by bisection
        while low < high:
            middle = (low + high + 1) // 2
            if fits(word[:middle]):
                low = middle
            else:
                high = middle - 1
        yield word[:low]
        word = word[low:]
    yield word


# --- results and details as SMS text ------------------------------------------------------------
#
# What a person on an old phone pays for and scrolls through. A page of results (intro, three
# listings, the lines that go with them, the source and the footer) fits in PAGE_CHARS, and the
# details of one listing in DETAILS_CHARS. Words are cut, never facts: each listing keeps its name,
# distance, phone (or "No phone listed") and what it has; the page says once where its listings
# came from and when they were checked, not once per listing. REST and `rasa shell` get the same
# text (tests/unit/test_sms_pages.py runs real searches through it and checks the limits).

PAGE_CHARS = 480  # three GSM-7 segments' worth
DETAILS_CHARS = 320  # two


def page_text(page: Page, limit: int = PAGE_CHARS) -> str:
    """A page of results as text, in `limit` characters: the first of ever shorter wordings that fits."""
    candidates = [_page(page, level) for level in range(len(_LEVELS))]
    # Grouping the labels is shorter only when listings differ.
    tightest = next(level for level, cuts in enumerate(_LEVELS) if "tightest" in cuts)
    candidates[tightest - 1] = min(candidates[tightest - 2:tightest], key=len)
    for level in range(tightest, len(_LEVELS)):
        candidates[level] = min(candidates[level], _page(page, level, grouped=False), key=len)
    chosen = to_gsm7(next((candidate for candidate in candidates if len(to_gsm7(candidate)) <= limit),
                          candidates[-1]))
    return with_report_hint(page, chosen, limit)


def with_report_hint(page: Page, reply: str, limit: int = PAGE_CHARS) -> str:
    """The first page of results says how to report a wrong place, before its footer, when that
    still fits: never at the cost of a word about the places themselves."""
    if not page.listings or page.listings[0][0] != 1:
        return reply
    body, _, footer = reply.rpartition("\n\n")
    hinted = f"{body}\n\n{text('report_hint')}\n\n{footer}" if body else reply
    return hinted if len(hinted) <= limit else reply


_NAME_CHARS, _TIGHT_NAME_CHARS = 36, 28  # a name cut to this, late (a few names run past 100 characters)
_CENTER_NAME_CHARS = 22  # a health center's name, where its line needs the room: its phone and miles say the rest
# Lines of a page with fewer words that say the same, for a page that does not fit.
_SHORTER = {"stay_safer": "stay_safer_short", "telehealth_few_listed": "telehealth_few_listed_short",
            "open_now_line": "open_now_line_short", "telehealth_beyond": "telehealth_beyond_short"}
# What each level of shortness cuts, each level keeping the cuts before it:
_LEVELS: tuple[frozenset[str], ...] = (
    frozenset(),
    frozenset({"sources", "extras"}),  # the sources' short names, the lines about staying safer in fewer words
    frozenset({"sources", "extras", "footer", "names"}),  # the footer in fewer words, a very long name cut
    frozenset({"sources", "extras", "footer", "names", "intro"}),  # no "nothing within 25 miles": the miles say it
    frozenset({"sources", "extras", "footer", "names", "intro", "asides"}),  # words in brackets: (brand names)
    frozenset({"sources", "extras", "footer", "names", "intro", "asides", "grouped"}),  # "Medicaid: 1, 3 have it"
    frozenset({"sources", "extras", "footer", "names", "intro", "asides", "grouped", "tight"}),  # fewest words
    # names cut shorter, the intro names only the place
    frozenset({"sources", "extras", "footer", "names", "intro", "asides", "grouped", "tight", "tightest"}),
    # beside a health center, of the other lines only harm reduction and, at night, "call first, open 24/7"
    frozenset({"sources", "extras", "footer", "names", "intro", "asides", "grouped", "tight", "tightest", "center"}),
    # the health center's phone and miles without its name (one without a phone is left off)
    frozenset({"sources", "extras", "footer", "names", "intro", "asides", "grouped", "tight", "tightest", "center",
               "bare_center"}),
    # harm reduction and where to go now before a health center to call (the web and the API keep it)
    frozenset({"sources", "extras", "footer", "names", "intro", "asides", "grouped", "tight", "tightest", "center",
               "bare_center", "no_center"}),
)
# Not an area code, and not the year a phone was listed: those are facts, not asides.
_ASIDE = re.compile(r" \((?!\d|phone listed)[^()]*\)")


def _page(page: Page, level: int, grouped: bool = True) -> str:
    cuts = _LEVELS[level] if grouped else _LEVELS[level] - {"grouped"}
    shown = [r for _, r in page.listings]
    has = _common(shown, lambda r: requested_labels(r.matched))
    ask = _common(shown, lambda r: requested_labels(r.unknown) + requested_labels(r.missing))
    intro = [page.intro_short if "intro" in cuts and page.intro_short else page.intro]
    if "grouped" in cuts:
        by_number = _grouped(page)
        if by_number and "tightest" in cuts and page.where:  # the lines under it name what was asked for
            intro = [text("intro_where", where=page.where)]
        intro += by_number
        has = ask = ["said"]
    # What the intro names, it says they all have.
    said = [label for label in has if label not in intro[0] and label != "said"]
    if said:
        intro.append(text("listing_all_have", labels=", ".join(said)))
    if ask and ask != ["said"]:
        intro.append(text("listing_all_ask_about", labels=", ".join(ask)))
    blocks = ["\n".join(intro)]
    name_chars = _TIGHT_NAME_CHARS if "tightest" in cuts else _NAME_CHARS if "names" in cuts else None
    # One health center fits a page; the web and the API show both.
    centers = [] if "no_center" in cuts else [r for r in page.health_centers[:1]
                                              if r.phone or "bare_center" not in cuts]
    call = text("listing_call", phone="@").split("@")[0]  # "Call "
    for n, r in page.listings:
        block = listing_text(n, r, name_chars=name_chars, has=not has, ask=not ask)
        if "tight" in cuts:  # "Call (215) 426-8100 (phone listed 2015)" -> "... (2015)": still says the year
            block = block.replace(text("listing_phone_listed", year="@").split("@")[0], " (")
        if "asides" in cuts:  # "Has: opioid treatment program (methadone clinic)" -> "Has: opioid treatment program"
            heading, _, rest = block.partition("\n")
            block = heading + "\n" + _ASIDE.sub("", rest)
        if "center" in cuts and centers:  # "Call (803) 726-3100" -> "(803) 726-3100": room for the health center
            block = block.replace("\n" + call, "\n", 1)
        blocks.append(block)
    if "asides" in cuts:
        blocks[0] = _ASIDE.sub("", blocks[0])
    blocks += [health_center_line(r, short="bare" if "bare_center" in cuts else "tight" if "tight" in cuts
                                  else "short" if "extras" in cuts else "",
                                  name_chars=_CENTER_NAME_CHARS if "center" in cuts else name_chars)
               for r in centers]
    shorter = {text(key): text(short_key + ("_tight" if "tight" in cuts else "")) for key, short_key in
               _SHORTER.items()} if "extras" in cuts else {}
    extras = page.extras
    if "center" in cuts and centers:  # harm reduction goes alongside treatment, health center or not
        extras = [extra for extra in extras if _kept_beside_a_center(extra)]
    blocks += [_tight_harm_reduction(shorter.get(extra, extra)) if "tight" in cuts else shorter.get(extra, extra)
               for extra in extras]
    sources = page_source(shown + centers, short="sources" in cuts, by_agency="footer" in cuts)
    if sources:
        blocks.append(sources)
    footer = footer_text(page, short="tight" if "tight" in cuts else "short" if "footer" in cuts else "")
    if footer:
        blocks.append(footer)
    return "\n\n".join(blocks)


def _nearby_prefix(key: str) -> str:
    return text(key, name="@", miles="@", phone="").split("@")[0]  # "Naloxone and supplies nearby: "


def _kept_beside_a_center(extra: str) -> bool:
    """Whether a page's line stays when a health center's line needs the room: where to go now at night,
    and the line of harm reduction (Never Use Alone and naloxone by mail, or the nearest service)."""
    return extra in (text("open_now_line"), text("stay_safer")) or extra.startswith(
        _nearby_prefix("harm_reduction_nearby"))


def _tight_harm_reduction(extra: str) -> str:
    """The nearest harm reduction service in fewer words: "Naloxone nearby: ..."."""
    long, short = _nearby_prefix("harm_reduction_nearby"), _nearby_prefix("harm_reduction_nearby_tight")
    return short + extra[len(long):] if extra.startswith(long) else extra


def _grouped(page: Page) -> list[str]:
    """What the listings have or should be asked about, one line a label with the listings' numbers."""
    have: dict[str, list[str]] = {}
    ask: dict[str, list[str]] = {}
    for n, r in page.listings:
        # Several ways of paying asked for (no insurance) are one question, had or not.
        several = sum(t.startswith("payment:") for t in r.matched + r.unknown + r.missing) > 1
        matched = [t for t in r.matched if not (several and t.startswith("payment:"))]
        unsure = [t for t in r.unknown + r.missing if not (several and t.startswith("payment:"))]
        payments = (["payment:"] if several and any(t.startswith("payment:") for t in r.matched) else [],
                    ["payment:"] if several and not any(t.startswith("payment:") for t in r.matched) else [])
        for labels, by_label, paid in ((requested_labels(matched), have, payments[0]),
                                       (requested_labels(unsure), ask, payments[1])):
            for label_ in labels + ([text("payment_options")] if paid else []):
                by_label.setdefault(_ASIDE.sub("", label_), []).append(str(n))
    # Labels with the same listings behind them share a line: "naltrexone shot, Medicaid: 3 have it; ask 1, 2."
    alike: dict[tuple[str, str], list[str]] = {}
    for label_ in dict.fromkeys([*have, *ask]):
        alike.setdefault((", ".join(have.get(label_, [])), ", ".join(ask.get(label_, []))), []).append(label_)
    lines = []
    for (have_numbers, ask_numbers), labels in alike.items():
        parts = [text(key, numbers=numbers) for key, numbers in
                 (("listings_have", have_numbers), ("listings_ask", ask_numbers)) if numbers]
        lines.append(text("listings_label", label=", ".join(labels), parts="; ".join(parts)))
    return lines


def _common(shown: list[Result], labels: Callable[[Result], list[str]]) -> list[str]:
    """Labels every listing on a page has alike (what they have, what to ask about): said once."""
    if len(shown) < 2:
        return []
    alike = {tuple(labels(r)) for r in shown}
    return list(next(iter(alike))) if len(alike) == 1 else []


_AGENCY = re.compile(r"\b[A-Z]{3,}\b")


def page_source(shown: list[Result], short: bool = False, by_agency: bool = False) -> str | None:
    """One line for the page: each source its listings came from, with the date it was checked
    (by its short name, where the catalogue has one, when `short`; when `by_agency`, each agency
    once with the years of its lists: "SAMHSA 2015-2021, CMS 2022")."""
    if by_agency:
        years: dict[str, set[str]] = {}
        for r in shown:
            for source in r.card.get("sources") or []:
                agency = _AGENCY.search(source["label"])
                name = agency.group(0) if agency else source["label"]
                years.setdefault(name, set()).add((source.get("checked") or "")[:4] or "?")
        if not years:
            return None
        return text("page_source", sources=", ".join(
            text("page_source_one", source=name, checked=min(y) if len(y) == 1 else f"{min(y)}-{max(y)}")
            for name, y in years.items()))
    seen: dict[tuple[str, str], None] = {}
    for r in shown:
        for source in r.card.get("sources") or []:
            name = source["label"]
            short_key = "source_short_" + re.sub(r"\W+", "_", name.lower()).strip("_")
            if short and catalogue.has(short_key):
                name = text(short_key)
            seen[(name, format_checked(source.get("checked")))] = None
    if not seen:
        return None
    return text("page_source", sources=", ".join(text("page_source_one", source=label, checked=checked)
                                                 for label, checked in seen))


def details_text(r: Result, medication: str | None, payment: str | None, limit: int = DETAILS_CHARS,
                 number: int | None = None) -> str:
    """One listing's details as text in `limit` characters (see `_details_text`), and, when it is
    result `number` and there is room, how to report it wrong."""
    details = _details_text(r, medication, payment, limit)
    if number is None:
        return details
    hinted = f"{details}\n{text('report_hint_details', number=number)}"
    return hinted if len(hinted) <= limit else details


def _details_text(r: Result, medication: str | None, payment: str | None, limit: int = DETAILS_CHARS) -> str:
    """One listing's details as text in `limit` characters.

    Always: its name and distance, address, phones (or that none is listed, and who can help),
    website, medications, how it is paid for and its source. Then, while they fit, what else it
    offers (care, programs, languages, other support), how to start and what to say when calling;
    what does not fit is named in a last line, so the person knows to ask.
    """
    fitting = [(left_out, tight, details) for tight in (False, True)
               for details, left_out in [_details(r, medication, payment, limit, tight)]
               if len(to_gsm7(details)) <= limit]
    if fitting:  # the most facts, then the most words
        return to_gsm7(min(fitting, key=lambda candidate: (candidate[0], candidate[1]))[2])
    # A listing with the most to say (several phones and sources, every payment): what it offers
    # beyond medications and payment is left to ask about without naming it.
    return _details(r, medication, payment, limit, tight=True, name_left_out=False)[0]


# The facets a listing's details always show, then those shown while they fit, most useful first.
_DETAILS_ALWAYS = ("medication", "payment")
_DETAILS_IF_ROOM = ("setting", "population", "language", "support")
_URL_NOISE = re.compile(r"^https?://(www\.)?", re.I)


def _details(r: Result, medication: str | None, payment: str | None, limit: int, tight: bool,
             name_left_out: bool = True) -> tuple[str, int]:
    """The details and how many facets they leave out."""
    def words(line: str) -> str:
        return _ASIDE.sub("", line) if tight else line

    heading = (text("details_heading_miles", name=r.name, miles=miles(r.miles)) if r.miles is not None
               else text("details_heading", name=r.name))
    if r.for_veterans:
        heading += "\n" + text("listing_for_veterans")
    if r.reported_closed:
        heading += "\n" + text("reported_closed_warning")
    address = address_text(r)
    contact = [address] if address else []
    phones = r.card.get("phones") or []
    voice = [p["number"] for p in phones if p.get("type") != "text"]
    for phone in phones:
        key = "listing_text_us" if phone.get("type") == "text" else "listing_call"
        if tight and key == "listing_call":  # "Call 540-217-6366 x110 or 540-217-6366"
            if phone["number"] == voice[0]:
                # Two numbers are enough to reach a place; the rest are in the web details.
                contact.append(text(key, phone=text("either_or").join(voice[:2])))
            continue
        note = text("details_phone_note", note=phone["description"]) if phone.get("description") else ""
        contact.append(text(key, phone=phone["number"]) + note)
    if not phones:
        contact.append(text("details_no_phone_tight" if tight else "details_no_phone_short"))
    if r.card.get("url"):  # phones make a link of "example.org" too
        contact.append(_URL_NOISE.sub("", r.card["url"]).rstrip("/") if tight else r.card["url"])
    offered = dict(_offered(r))
    if not name_left_out:  # the medication and payment asked for first, then how many more
        asked = {"payment": [label(t) for t in vocabulary.payment_terms(payment)],
                 "medication": [label(t) for t in vocabulary.entity_terms("medication", medication or "")]}
        for facet in _DETAILS_ALWAYS:
            labels = offered.get(facet, [])
            if len(labels) > 1:
                first = [x for x in labels if x in asked[facet]][:1] or labels[:1]
                offered[facet] = first + [text("details_more_labels", count=len(labels) - 1)]
    always = [words(text(f"details_{facet}", labels=", ".join(offered[facet])))
              for facet in _DETAILS_ALWAYS if facet in offered]
    left_out: list[str] = []
    if "payment" not in offered:
        always.append(text("details_payment_unknown_tight" if tight else "details_payment_unknown"))
    source = page_source([r], short=tight, by_agency=tight) or ""
    separator = "\n" if tight else "\n\n"

    def join(lines: list[str], extras: list[str], left_out: list[str]) -> str:
        more = ([text("details_more_tight" if tight else "details_more", facets=", ".join(left_out))]
                if left_out and name_left_out else [])
        return separator.join([heading, "\n".join(contact), "\n".join(lines + more), *extras, source])

    lines = list(always)
    for facet in _DETAILS_IF_ROOM:
        if facet not in offered:
            continue
        line = words(text(f"details_{facet}", labels=", ".join(offered[facet])))
        if len(to_gsm7(join(lines + [line], [], left_out))) <= limit:
            lines.append(line)
        else:
            left_out.append(text(f"details_facet_{facet}"))
    extras: list[str] = []
    how = [text("details_how_to_start", how=r.card["how_to_start"])] if r.card.get("how_to_start") else []
    for extra in how + [call_script(medication, payment)]:
        if len(to_gsm7(join(lines, extras + [extra], left_out))) <= limit:
            extras.append(extra)
    return join(lines, extras, left_out), len(left_out)


def _offered(r: Result) -> list[tuple[str, list[str]]]:
    return [(facet, labels) for facet in DETAIL_FACETS
            if (labels := [label(t) for t in r.card["terms"] if t.startswith(facet + ":")])]
