"""The web side of the navigator: the chat widget a health department embeds, its demo host
page, and the peer navigators' protected search page with its JSON API (`bot.web.app`)."""
