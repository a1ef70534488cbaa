"""Shaping text for SMS: keep it in GSM-7, count what it costs, and pack it into few messages.

A single character outside GSM-7 (a curly quote pasted from a word processor, an emoji)
turns the whole message into UCS-2, which cuts a segment from 160 characters to 70 and
multiplies what a reply costs. Old phones may also show such characters as boxes.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

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
