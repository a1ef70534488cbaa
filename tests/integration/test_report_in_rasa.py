"""Reporting a wrong place through Rasa itself (issue 18): the trained model, rules, the action
server and the conversation store that keeps no message text. "WRONG 2" gets the reason menu,
"closed" after it is stored with the SMS-free REST channel as "other", and the report row holds
the listing, reason, channel and day only."""
from __future__ import annotations

import shutil

from sqlalchemy import select

from bot.actions import common
from bot.present import catalogue
from providers.models import ListingReport
from providers.registry import Registry


async def test_wrong_2_then_closed_stores_a_report_and_an_emergency_still_comes_first(
        in_process_assistant, national_registry, tmp_path, monkeypatch):
    copy = tmp_path / "registry.db"
    shutil.copy(national_registry.engine.url.database, copy)
    registry = Registry(f"sqlite:///{copy}")
    monkeypatch.setattr(common, "registry", lambda: registry)
    agent = in_process_assistant

    results = await agent.handle_text("need subs near 19134 i have medicaid", sender_id="reporter")
    assert any("Reply 1-3" in m.get("text", "") for m in results)
    [menu] = await agent.handle_text("WRONG 2", sender_id="reporter")
    assert menu["text"].startswith("What is wrong with 2 (")
    [thanks] = await agent.handle_text("closed", sender_id="reporter")
    assert thanks["text"] == catalogue.text("report_thanks")
    with registry.Session() as session:
        [report] = session.execute(select(ListingReport)).scalars()
    assert (report.reason, report.channel, report.term) == ("closed", "other", None)

    # The menu is no form: an overdose right after it gets the 911 steps, and "closed" later is no report.
    await agent.handle_text("wrong 3", sender_id="reporter")
    crisis = await agent.handle_text("hes turning blue", sender_id="reporter")
    assert crisis[0]["text"] == catalogue.text("utter_overdose_steps")
    registry.engine.dispose()
