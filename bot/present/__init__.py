"""Every way the assistant puts something into words or cards: one catalogue of texts per
language (catalogue.py, text/), pages and listings as text (listings.py) and as the widget's
cards (cards.py), the web API's JSON (api.py), a navigator's text to a client (navigator.py),
SMS shaping (sms.py), the responses rules send (domain.py), and what a channel's replies may
carry (channels.py)."""
