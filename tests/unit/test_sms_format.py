"""SMS text shaping: GSM-7 replacements, segment counting and packing replies into messages."""
from __future__ import annotations

import string
import xml.etree.ElementTree as ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rasa_server.channels.twilio_sms import MAX_MESSAGES, render_twiml
from bot.present.sms import _REPLACEMENTS, GSM7_BASIC, GSM7_EXTENSION, is_gsm7, segments, split_reply, to_gsm7


def test_typographic_punctuation_becomes_plain():
    text = "“Walk-ins” aren’t taken 9–5 — call first…"
    assert to_gsm7(text) == "\"Walk-ins\" aren't taken 9-5 - call first..."
    assert is_gsm7(to_gsm7(text))


def test_spaces_bullets_and_times_become_plain():
    assert to_gsm7("Open\u00a0today • Mon×Fri") == "Open today - MonxFri"


def test_accents_outside_gsm7_lose_them_and_the_others_stay():
    assert to_gsm7("Clínica de Recuperación, Año Nuevo") == "Clinica de Recuperacion, Año Nuevo"
    assert to_gsm7("Café Ça è ü ñ") == "Café Ça è ü ñ"
    assert to_gsm7("Ame\u0301lie") == "Amélie"  # e + combining accent is é, which GSM-7 has


def test_extension_characters_are_kept():
    assert to_gsm7("{[~^|\\]} €5") == "{[~^|\\]} €5"


def test_emoji_are_dropped_with_their_space():
    assert to_gsm7("You did it 🎉 see you soon 👍🏽") == "You did it see you soon"
    assert to_gsm7("🎉 🎉 Hi\n🙂 🙂 there") == "Hi\nthere"
    assert to_gsm7("❤️ Take care") == "Take care"
    assert to_gsm7("Family 👨‍👩‍👧 support") == "Family support"


def test_other_scripts_are_left_as_they_are():
    assert to_gsm7("美沙酮诊所 “今天”") == '美沙酮诊所 "今天"'
    assert not is_gsm7(to_gsm7("美沙酮诊所"))


def test_gsm7_segments():
    assert segments("") == 0
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("a" * 306) == 2
    assert segments("a" * 307) == 3


def test_extension_characters_count_twice():
    assert segments("€" * 80) == 1
    assert segments("€" * 81) == 2
    assert segments("a" * 159 + "{") == 2
    assert is_gsm7("{}[]~|^€\\")


def test_ucs2_segments():
    assert segments("é" * 160) == 1  # é is GSM-7
    assert segments("á" * 70) == 1
    assert segments("á" * 71) == 2
    assert segments("á" * 134) == 2
    assert segments("á" * 135) == 3


def test_emoji_count_as_two_utf16_units():
    assert segments("😀" * 35) == 1
    assert segments("😀" * 36) == 2
    assert segments("a" * 69 + "😀") == 2


def test_split_reply_packs_blocks_in_order_without_splitting_them():
    blocks = [f"Listing {n}: " + "x" * 120 for n in range(6)]
    messages = split_reply(blocks)
    assert [block for message in messages for block in message.split("\n\n")] == blocks
    assert all(len(message) <= 320 for message in messages)
    assert len(messages) == 3


def test_split_reply_keeps_a_block_over_target_whole_when_it_fits_the_segments():
    block = "word " * 80  # 400 characters: over 320, within 3 segments (459)
    assert split_reply(["Hi", block.strip(), "Bye"]) == ["Hi", block.strip(), "Bye"]


def test_split_reply_cuts_an_oversized_block_between_words():
    block = " ".join(f"w{n}" for n in range(300))
    messages = split_reply([block])
    assert len(messages) > 1
    assert all(segments(message) <= 3 for message in messages)
    assert " ".join(messages).split() == block.split()


def test_split_reply_cuts_a_word_longer_than_a_message():
    link = "https://example.org/" + "a" * 1000
    messages = split_reply([link])
    assert "".join(messages) == link
    assert all(segments(message) <= 3 and len(message) <= 320 for message in messages)


def test_split_reply_honours_max_segments():
    messages = split_reply(["a" * 150, "b" * 150], target=1000, max_segments=1)
    assert messages == ["a" * 150, "b" * 150]


def test_split_reply_drops_empty_blocks():
    assert split_reply(["", "  ", "Hello", "\n"]) == ["Hello"]


typographic = st.sampled_from(list("‘’“”–—…\u00a0•×áíóúç🎉👍❤️\u200d"))
ascii_compatible = st.text(st.one_of(st.characters(max_codepoint=127), typographic))


@given(ascii_compatible)
def test_ascii_compatible_text_becomes_gsm7(text):
    assert is_gsm7(to_gsm7(text))


@given(st.lists(st.text(max_size=600), max_size=12), st.integers(1, 5))
def test_split_reply_keeps_the_text_and_the_segment_limit(blocks, max_segments):
    messages = split_reply(blocks, max_segments=max_segments)
    assert "".join("".join(messages).split()) == "".join("".join(blocks).split())
    assert all(1 <= segments(message) <= max_segments for message in messages)


@given(st.lists(st.text(string.ascii_letters + " ", min_size=1, max_size=200), max_size=10))
def test_split_reply_never_splits_blocks_that_fit(blocks):
    blocks = [block.strip() for block in blocks if block.strip()]
    messages = split_reply(blocks)
    assert [block for message in messages for block in message.split("\n\n")] == blocks


@pytest.mark.parametrize("text", ["Hello", "a" * 500, "美沙酮" * 40])
def test_default_split_never_exceeds_three_segments(text):
    assert all(segments(message) <= 3 for message in split_reply([text]))


# Characters to_gsm7 can map: GSM-7 itself, the typographic replacements, accented Latin letters,
# and emoji (dropped).
MAPPABLE = st.lists(st.one_of(
    st.sampled_from(sorted((GSM7_BASIC | GSM7_EXTENSION) - {"\r"})),
    st.sampled_from(sorted(_REPLACEMENTS)),
    st.sampled_from(list("áíóúâêîôûãõçÁÍÓÚÂÊÎÔÛÃÕčšžńśźżőű\u00a0\u2009")),
    st.sampled_from(["🎉", "👍🏽", "❤️", "👨‍👩‍👧", "🙂"]),
), max_size=400).map("".join)
GSM7_WORD = st.text(st.sampled_from(sorted((GSM7_BASIC | GSM7_EXTENSION) - set(" \n\r\f"))), min_size=1, max_size=15)
EMOJI_TOKENS = ("🎉", "👍🏽", "❤️", "👨‍👩‍👧", "🙂", "☀️")
EMOJI = st.sampled_from(EMOJI_TOKENS)


@settings(deadline=None)  # the machine is shared: no timing in these
@given(MAPPABLE)
def test_mappable_text_becomes_gsm7_and_so_do_the_messages_made_from_it(text):
    plain = to_gsm7(text)
    assert is_gsm7(plain)
    messages = split_reply([plain])
    assert all(is_gsm7(message) and 1 <= segments(message) <= 3 for message in messages)


@settings(deadline=None)  # the machine is shared: no timing in these
@given(st.lists(st.one_of(GSM7_WORD, EMOJI), max_size=30))
def test_no_text_is_lost_but_the_emoji(tokens):
    text = " ".join(tokens)
    assert to_gsm7(text) == " ".join(token for token in tokens if token not in EMOJI_TOKENS)



@settings(deadline=None)  # the machine is shared: no timing in these
@given(st.lists(st.lists(GSM7_WORD, min_size=1, max_size=60).map(" ".join), min_size=1, max_size=10),
       st.integers(1, 4))
def test_blocks_of_gsm7_text_that_fit_are_never_split(blocks, max_segments):
    fitting = [block for block in blocks if segments(block) <= max_segments]
    messages = split_reply(fitting, max_segments=max_segments)
    assert [block for message in messages for block in message.split("\n\n")] == fitting
    assert all(segments(message) <= max_segments for message in messages)


@settings(deadline=None)  # the machine is shared: no timing in these
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=300), max_size=8))
def test_twiml_replies_are_well_formed_and_within_the_limits(texts):
    root = ElementTree.fromstring(render_twiml(texts))
    messages = [child.text or "" for child in root]
    assert len(messages) <= MAX_MESSAGES
    assert all(segments(message) <= 3 for message in messages)
    if all(is_gsm7(to_gsm7(text)) for text in texts):
        assert all(is_gsm7(message) for message in messages)
