"""The "did you mean" menu through Rasa itself: a message the classifier is unsure of gets its
best guesses as choices, and a numbered reply goes on as if the person had said the choice,
keeping what they named. The classifier's doubt is fixed here (how unsure a trained model is of
a given message changes with every training); everything after it is the real pipeline, rules,
action server and conversation store."""
from __future__ import annotations

import pytest

from bot.present import catalogue

UNSURE_TEXT = "im sick as hell need bupe now"
# What the fallback classifier leaves when unsure: its own intent first, then the classifier's guesses.
UNSURE_RANKING = [{"name": "nlu_fallback", "confidence": 0.55}, {"name": "ask_how_to_start", "confidence": 0.41},
                  {"name": "find_treatment", "confidence": 0.38}, {"name": "greet", "confidence": 0.1}]


@pytest.fixture
def unsure_of_one_message(in_process_assistant, monkeypatch):
    processor = in_process_assistant.processor
    parse = processor.parse_message

    async def parse_unsure(message, tracker=None, only_output_properties=True):
        parsed = await parse(message, tracker, only_output_properties)
        if message.text == UNSURE_TEXT:
            parsed = dict(parsed, intent=dict(UNSURE_RANKING[0]), intent_ranking=list(UNSURE_RANKING))
        return parsed

    monkeypatch.setattr(processor, "parse_message", parse_unsure)
    return in_process_assistant


async def test_an_unsure_request_offers_choices_and_a_numbered_reply_goes_on_with_it(unsure_of_one_message):
    agent = unsure_of_one_message
    [menu] = await agent.handle_text(UNSURE_TEXT, sender_id="unsure")
    assert menu["text"] == catalogue.text("did_you_mean")
    titles = [button["title"] for button in menu["buttons"]]
    # The medication the message named comes with each choice that can name it.
    assert titles == ["How to start buprenorphine (Suboxone)", "Find buprenorphine (Suboxone) near me"]
    after_choice = await agent.handle_text("2", sender_id="unsure")
    assert [m["text"] for m in after_choice] == [catalogue.text("ask_where")]
    # The medication came along with the choice: next is payment, not which medication.
    after_place = await agent.handle_text("19134", sender_id="unsure")
    assert after_place[-1]["text"] == catalogue.text("ask_payment")
