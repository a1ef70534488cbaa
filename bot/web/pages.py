"""The HTML pages: the widget's demo host page, the peer navigator's search page, and its
sign-in and sign-out forms. Templates are in bot/web/templates; every value put into one is
escaped unless it is markup built here from escaped parts (`SafeHtml`)."""
from __future__ import annotations

import html
from pathlib import Path
from string import Template
from typing import Any

from aiohttp import web

from bot.web.auth import (
    OFF_MESSAGE,
    SESSION_COOKIE,
    Secret,
    bearer_secret,
    check_secret,
    client_key,
    csrf_token,
    current_session,
    new_session,
    own_origin,
    retry_after,
    same_origin,
    set_session_cookie,
)
from bot.web.search_api import FACET_PARAMETERS
from bot.web.state import LOGIN_LIMIT, SETTINGS
from providers import taxonomy

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


class SafeHtml(str):
    """Markup built here from escaped parts; `render` inserts it as it is."""


def render(template_name: str, **fields: Any) -> str:
    template = Template((TEMPLATE_DIR / template_name).read_text(encoding="utf-8"))
    return template.substitute({name: value if isinstance(value, SafeHtml) else html.escape(str(value), quote=True)
                                for name, value in fields.items()})


def html_response(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


async def host_page(request: web.Request) -> web.Response:
    """The demo county's page with the widget in the embedded mode; in production a neutral page that
    names the deployer (NAVIGATOR_DEPLOYER_NAME): a fictional county must not greet the public."""
    settings = request.app[SETTINGS]
    if settings.production:
        name = settings.deployer_name
        run_by = SafeHtml(f"<p>This service is run by {html.escape(name)}.</p>" if name else "")
        contact = SafeHtml(f'<p><a href="{html.escape(settings.deployer_contact_url, quote=True)}">Contact '
                           f'{html.escape(name or "us")}</a></p>' if settings.deployer_contact_url else "")
        return html_response(render("service.html", title=f" - {name}" if name else "", run_by=run_by,
                                    contact=contact))
    return html_response(render("host.html", server=settings.rasa_public_url, exit_url=settings.exit_url,
                                widget_src=f"{own_origin(request)}/widget/widget.js"))


def options(facet: str) -> SafeHtml:
    return SafeHtml("".join(f'<option value="{html.escape(t.code)}">{html.escape(t.label)}</option>'
                            for t in taxonomy.terms_of(facet)))


def too_many_tries(retry_after_header: str) -> web.Response:
    page = html_response(render("login.html", error="Too many tries. Wait a few minutes."), status=429)
    page.headers["Retry-After"] = retry_after_header
    return page


async def navigator_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    if not settings.navigator_token:
        return html_response(render("off.html", message=OFF_MESSAGE), status=403)
    session = current_session(request)
    set_cookie = False
    if session is None and "Authorization" in request.headers:
        # A bearer token here is a guess like any other: counted, and refused while blocked.
        verdict = check_secret(request, bearer_secret(request))
        if verdict is Secret.BLOCKED:
            return too_many_tries(retry_after(request))
        if verdict is Secret.RIGHT:
            session, set_cookie = new_session(settings.navigator_token), True
    if session is None:
        return html_response(render("login.html", error=""), status=401)
    page = render("navigator.html", csrf_token=csrf_token(settings.navigator_token, session),
                  **{f"{facet}_options": options(facet) for facet in FACET_PARAMETERS})
    response = html_response(page)
    if set_cookie:
        set_session_cookie(request, response, session)
    return response


async def login(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    if not settings.navigator_token:
        return html_response(render("off.html", message=OFF_MESSAGE), status=403)
    if not same_origin(request):
        return html_response(render("login.html", error="Sign in from this site's own page."), status=403)
    # Per client (bot.web.auth.client_key): a known device has its own count, not its address's.
    verdict = request.app[LOGIN_LIMIT].check(client_key(request))
    if not verdict.allowed:
        return too_many_tries(verdict.retry_after_header)
    form = await request.post()
    passphrase = form.get("passphrase")
    # Even the right passphrase is refused while this client is blocked (check_secret says why).
    checked = check_secret(request, passphrase if isinstance(passphrase, str) else "")
    if checked is Secret.BLOCKED:
        return too_many_tries(retry_after(request))
    if checked is Secret.WRONG:
        return html_response(render("login.html", error="That passphrase is not right."), status=401)
    response = web.Response(status=303, headers={"Location": "/navigator"})
    set_session_cookie(request, response, new_session(settings.navigator_token))
    return response


async def logout(request: web.Request) -> web.Response:
    if not same_origin(request):
        raise web.HTTPForbidden(text="Sign out from this site's own page.")
    response = web.Response(status=303, headers={"Location": "/navigator"})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response
