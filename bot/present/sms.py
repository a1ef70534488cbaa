"""Shaping text for SMS: keep it in GSM-7, count what it costs, and pack it into few messages.

A single character outside GSM-7 (a curly quote pasted from a word processor, an emoji)
turns the whole message into UCS-2, which cuts a segment from 160 characters to 70 and
multiplies what a reply costs. Old phones may also show such characters as boxes.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

from bot.present import catalogue
from bot.present.catalogue import text
from bot.present.listings import (
    DETAIL_FACETS,
    Page,
    call_script,
    footer_text,
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
    return next((candidate for candidate in candidates if len(to_gsm7(candidate)) <= limit), candidates[-1])


_NAME_CHARS = 36  # a name cut to this, late (a few names run past 100 characters)
# Lines of a page with fewer words that say the same, for a page that does not fit.
_SHORTER = {"stay_safer": "stay_safer_short"}
# What each level of shortness cuts, each level keeping the cuts before it:
_LEVELS: tuple[frozenset[str], ...] = (
    frozenset(),
    frozenset({"sources", "extras"}),  # the sources' short names, the lines about staying safer in fewer words
    frozenset({"sources", "extras", "footer", "names"}),  # the footer in fewer words, a very long name cut
    frozenset({"sources", "extras", "footer", "names", "intro"}),  # no "nothing within 25 miles": the miles say it
    frozenset({"sources", "extras", "footer", "names", "intro", "asides"}),  # labels without (brand names)
    frozenset({"sources", "extras", "footer", "names", "intro", "asides", "grouped"}),  # "Medicaid: 1, 3 have it"
)
_ASIDE = re.compile(r" \([^()]*\)")


def _page(page: Page, level: int) -> str:
    cuts = _LEVELS[level]
    shown = [r for _, r in page.listings]
    has = _common(shown, lambda r: requested_labels(r.matched))
    ask = _common(shown, lambda r: requested_labels(r.unknown) + requested_labels(r.missing))
    intro = [page.intro_short if "intro" in cuts and page.intro_short else page.intro]
    if "grouped" in cuts and not (has and ask):
        intro += _grouped(page)
        has = ask = ["said"]
    # What the intro names, it says they all have.
    said = [label for label in has if label not in intro[0] and label != "said"]
    if said:
        intro.append(text("listing_all_have", labels=", ".join(said)))
    if ask and ask != ["said"]:
        intro.append(text("listing_all_ask_about", labels=", ".join(ask)))
    blocks = ["\n".join(intro)]
    for n, r in page.listings:
        block = listing_text(n, r, name_chars=_NAME_CHARS if "names" in cuts else None, has=not has, ask=not ask)
        if "asides" in cuts:  # "Has: opioid treatment program (methadone clinic)" -> "Has: opioid treatment program"
            heading, _, rest = block.partition("\n")
            block = heading + "\n" + _ASIDE.sub("", rest)
        blocks.append(block)
    if "asides" in cuts:
        blocks[0] = intro[0] + "".join("\n" + _ASIDE.sub("", line) for line in intro[1:])
    shorter = {text(key): text(short_key) for key, short_key in _SHORTER.items()} if "extras" in cuts else {}
    blocks += [shorter.get(extra, extra) for extra in page.extras]
    sources = page_source(shown, short="sources" in cuts)
    if sources:
        blocks.append(sources)
    footer = footer_text(page, short="footer" in cuts)
    if footer:
        blocks.append(footer)
    return "\n\n".join(blocks)


def _grouped(page: Page) -> list[str]:
    """What the listings have or should be asked about, one line a label with the listings' numbers."""
    have: dict[str, list[str]] = {}
    ask: dict[str, list[str]] = {}
    for n, r in page.listings:
        for label_ in requested_labels(r.matched):
            have.setdefault(_ASIDE.sub("", label_), []).append(str(n))
        for label_ in requested_labels(r.unknown) + requested_labels(r.missing):
            ask.setdefault(_ASIDE.sub("", label_), []).append(str(n))
    lines = []
    for label_ in dict.fromkeys([*have, *ask]):
        parts = []
        if label_ in have:
            parts.append(text("listings_have", label=label_, numbers=", ".join(have[label_])))
        if label_ in ask:
            parts.append(text("listings_ask", label=label_, numbers=", ".join(ask[label_])))
        lines.append(" ".join(parts))
    return lines


def _common(shown: list[Result], labels: Callable[[Result], list[str]]) -> list[str]:
    """Labels every listing on a page has alike (what they have, what to ask about): said once."""
    if len(shown) < 2:
        return []
    alike = {tuple(labels(r)) for r in shown}
    return list(next(iter(alike))) if len(alike) == 1 else []


def page_source(shown: list[Result], short: bool = False) -> str | None:
    """One line for the page: each source its listings came from, with the date it was checked
    (by its short name, where the catalogue has one, when `short`)."""
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


def details_text(r: Result, medication: str | None, payment: str | None, limit: int = DETAILS_CHARS) -> str:
    """One listing's details as text in `limit` characters: where it is, how to reach it and what it
    offers first; how to start and what to say when calling while they fit."""
    heading = (text("details_heading_miles", name=r.name, miles=miles(r.miles)) if r.miles is not None
               else text("details_heading", name=r.name))
    contact = [r.address_line] if r.address_line else []
    phones = r.card.get("phones") or []
    for phone in phones:
        key = "listing_text_us" if phone.get("type") == "text" else "listing_call"
        note = text("details_phone_note", note=phone["description"]) if phone.get("description") else ""
        contact.append(text(key, phone=phone["number"]) + note)
    if not phones:
        contact.append(text("details_no_phone_short"))
    if r.card.get("url"):
        contact.append(r.card["url"])
    offered = [text(f"details_{facet}", labels=", ".join(labels)) for facet, labels in _offered(r)]
    if not any(t.startswith("payment:") for t in r.card["terms"]):
        offered.append(text("details_payment_unknown"))
    source = text("details_source", source=r.source_line)
    essential = [heading, "\n".join(contact), "\n".join(offered), source]
    blocks = essential
    for extra in ([text("details_how_to_start", how=r.card["how_to_start"])] if r.card.get("how_to_start") else []) + [
            call_script(medication, payment)]:
        candidate = blocks[:-1] + [extra, blocks[-1]]
        if len(to_gsm7("\n\n".join(candidate))) <= limit:
            blocks = candidate
    return "\n\n".join(blocks)


def _offered(r: Result) -> list[tuple[str, list[str]]]:
    return [(facet, labels) for facet in DETAIL_FACETS
            if (labels := [label(t) for t in r.card["terms"] if t.startswith(facet + ":")])]
