"""The web side of the navigator: the chat widget a health department embeds, its demo host
page, and the peer navigators' protected search page with its JSON API.

    app.py             the app factory (`make_app`), start-up and clean-up, `python -m bot.web.app`
    server.py          aiohttp's server with the connection limits 3.9.5 lacks (`serve`)
    static_files.py    the widget's and the pages' files, read at start-up and served by name
    config.py          the web app's `Settings`, read through bot.settings
    state.py           the typed keys for what the handlers share
    middleware.py      body cap, API errors as JSON, security headers, the path-only access log
    errors.py          `ApiError`: an API answer other than 200
    auth.py            the navigator token: sessions, CSRF, bearer, where a request comes from
    login_throttle.py  failed sign-ins per address
    pages.py           the HTML pages and the sign-in and sign-out forms
    search_api.py      GET /api/search: its parameters, geocoding, the search
    nlu_client.py      a one-line query read through Rasa's /model/parse
    send_api.py        POST /api/send: texting listings to a client
    openapi.py         the API's OpenAPI document
"""
