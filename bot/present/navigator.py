"""The text a peer navigator sends to a client's phone from the navigator page: plain GSM-7,
split between listings, with the source and date of each."""
from __future__ import annotations

from bot.present.catalogue import text
from bot.present.listings import address_text, call_line
from bot.present.sms import split_reply, to_gsm7
from providers.search import Result


def client_text(listings: list[Result]) -> list[str]:
    """The SMS messages for a client."""
    blocks = [text("client_intro")]
    for n, listing in enumerate(listings, start=1):
        lines = [text("listing_heading", n=n, name=listing.name)]
        if listing.for_veterans:
            lines.append(text("listing_for_veterans"))
        lines.append(call_line(listing))
        address = address_text(listing)
        if address:
            lines.append(address)
        elif listing.card.get("how_to_start"):
            lines.append(listing.card["how_to_start"])
        lines.append(listing.source_line)
        blocks.append("\n".join(lines))
    blocks.append(text("client_closing"))
    return split_reply([to_gsm7(block) for block in blocks])
