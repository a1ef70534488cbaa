"""The navigators' review page (issue 18): open reports per listing, most urgent first, each with
the listing's sources and a form to say what a navigator found when they checked.

    GET  /navigator/reviews   the open reports (signed in, as /navigator)
    POST /navigator/reviews   a review, as a form with the page's CSRF token; the page again, with
                              "Saved: ..." or the reason it was not saved and the form as it was sent

A review is stored under the deployer's name (NAVIGATOR_DEPLOYER_NAME, "Local" when unset) as the
source "<name> navigators" with the day (providers.reports); saving one rebuilds the search index
(a few seconds), off the event loop. Every value on the page is escaped: names and addresses come
from federal files and reports."""
from __future__ import annotations

import asyncio
import hmac
import html
import logging
from collections.abc import Mapping

from aiohttp import web

from bot.web.auth import OFF_MESSAGE, csrf_token, current_session, same_origin
from bot.web.pages import SafeHtml, html_response, render
from bot.web.state import REGISTRY, SETTINGS
from providers import taxonomy
from providers.reports import OUTCOMES, REASONS, OpenReports, ReviewError
from providers.search import format_checked

logger = logging.getLogger(__name__)

# Who signs a review when the deployer has not named itself (development, a pilot).
DEFAULT_ORGANIZATION = "Local"
REVIEW_FIELDS = ("csrf_token", "listing_id", "outcome", "address_1", "city", "state", "postal_code", "phone", "term")
MAX_FIELD_CHARS = 200

REASON_LABELS = {"closed": "closed", "wrong_phone": "wrong phone", "wrong_address": "wrong address",
                 "not_offered": "doesn't offer a service", "other": "other"}
OUTCOME_LABELS = {
    "confirmed": "Confirmed: the listing is right",
    "closed": "Closed",
    "moved": "Moved (new address below)",
    "new_phone": "New phone (below)",
    "not_offered": "Doesn't offer a service (pick it below)",
}
# The services a reviewer can strike from a listing: what a report about "not offered" names.
STRIKABLE_FACETS = ("medication", "support")
assert set(REASON_LABELS) == set(REASONS) and set(OUTCOME_LABELS) == set(OUTCOMES)


def page_token(request: web.Request, session: str) -> str:
    """The CSRF token of a signed-in session (there is one only when the navigator token is set)."""
    return csrf_token(request.app[SETTINGS].navigator_token or "", session)


def organization(request: web.Request) -> str:
    return (request.app[SETTINGS].deployer_name or "").strip() or DEFAULT_ORGANIZATION


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def counts(values: Mapping[str, int], labels: Mapping[str, str] | None = None) -> str:
    return ", ".join(f"{(labels or {}).get(k, k)} ({n})" for k, n in sorted(values.items(), key=lambda kv: -kv[1]))


def term_label(term_id: str) -> str:
    term = taxonomy.BY_ID.get(term_id)
    return f"{term.facet}: {term.label}" if term else term_id


def strikable_terms(own: frozenset[str], reported: list[str]) -> list[str]:
    """The listing's own medication and support terms, then any other term a report named."""
    mine = sorted(t for t in own if t.split(":", 1)[0] in STRIKABLE_FACETS)
    return mine + [t for t in reported if t not in mine]


def review_form(n: int, report: OpenReports, terms: list[str], token: str, kept: Mapping[str, str]) -> str:
    def field(name: str, label: str, size: str = "", **attributes: str) -> str:
        extra = "".join(f' {k}="{e(v)}"' for k, v in attributes.items())
        return (f'<div class="field{size}"><label for="r{n}-{name}">{e(label)}</label>'
                f'<input id="r{n}-{name}" name="{name}" value="{e(kept.get(name, ""))}" '
                f'maxlength="{MAX_FIELD_CHARS}" autocomplete="off"{extra}></div>')

    chosen = kept.get("outcome", "")
    # No outcome is chosen for the navigator: a review saved by mistake would close real reports.
    outcomes = '<option value="">Pick one</option>' + "".join(
        f'<option value="{o}"{" selected" if o == chosen else ""}>{e(OUTCOME_LABELS[o])}</option>' for o in OUTCOMES)
    term_options = "".join(f'<option value="{e(t)}"{" selected" if t == kept.get("term") else ""}>'
                           f'{e(term_label(t))}</option>' for t in terms)
    return (
        f'<form method="post" action="/navigator/reviews" class="review">'
        f'<input type="hidden" name="csrf_token" value="{e(token)}">'
        f'<input type="hidden" name="listing_id" value="{e(report.listing_id)}">'
        f'<div class="field wide"><label for="r{n}-outcome">What did you find?</label>'
        f'<select id="r{n}-outcome" name="outcome">{outcomes}</select></div>'
        f'<fieldset><legend>If it moved: the new address</legend>'
        + field("address_1", "Street", " wide") + field("city", "City") + field("state", "State", maxlength="2")
        + field("postal_code", "ZIP", inputmode="numeric") +
        '</fieldset>'
        + field("phone", "If the phone changed: the new number", " wide", type="tel", inputmode="tel") +
        f'<div class="field wide"><label for="r{n}-term">If it does not offer a service: which</label>'
        f'<select id="r{n}-term" name="term"><option value="">-</option>{term_options}</select></div>'
        f'<div class="actions"><button type="submit">Save review</button></div></form>'
    )


def report_block(n: int, report: OpenReports, own_terms: frozenset[str], token: str,
                 kept: Mapping[str, str] | None, error: str | None) -> str:
    name = report.name or f"A listing no longer in the registry ({report.listing_id})"
    parts = [f'<article class="report" id="listing-{n}"><h2>{e(name)}</h2>']
    if report.reported_closed:
        parts.append('<p class="warning">Reported closed on two different days: searches show it last, with a '
                     'warning, until you review it.</p>')
    if report.address:
        parts.append(f"<p>{e(report.address)}</p>")
    parts.append(f"<p>Phone: {e(', '.join(report.phones)) if report.phones else 'none listed'}</p>")
    days = report.first_day if report.first_day == report.last_day else f"{report.first_day} to {report.last_day}"
    parts.append(f"<p><strong>Reported:</strong> {e(counts(report.reasons, REASON_LABELS))}; "
                 f"<strong>from:</strong> {e(counts(report.channels))}; <strong>on:</strong> {e(days)}</p>")
    if report.terms:
        parts.append(f"<p>Said not offered: {e(', '.join(term_label(t) for t in report.terms))}</p>")
    if report.sources:
        items = "".join(f"<li>{e(s.get('label') or s.get('file') or 'unnamed source')}, checked "
                        f"{e(format_checked(s.get('checked')))}</li>" for s in report.sources)
        parts.append(f'<p class="sources-title">Sources, newest first:</p><ul class="sources">{items}</ul>')
    if error is not None:
        parts.append(f'<p class="error" role="alert">Not saved: {e(error)}</p>')
    parts.append(review_form(n, report, strikable_terms(own_terms, report.terms), token, kept or {}))
    parts.append("</article>")
    return "".join(parts)


async def reviews_response(request: web.Request, session: str, *, notice: str = "",
                           kept: Mapping[str, str] | None = None, error: str | None = None,
                           status: int = 200) -> web.Response:
    registry = request.app[REGISTRY]
    reports = await asyncio.to_thread(registry.open_reports)
    token = page_token(request, session)
    blocks = []
    shown_error = False
    for n, report in enumerate(reports, start=1):
        listing = await asyncio.to_thread(registry.listing, report.listing_id)
        mine = kept is not None and kept.get("listing_id") == report.listing_id
        shown_error = shown_error or (mine and error is not None)
        blocks.append(report_block(n, report, listing.terms if listing else frozenset(), token,
                                   kept if mine else None, error if mine else None))
    if not blocks:
        blocks.append('<p class="hint">No open reports. Reports come from the navigator page\'s "Report a '
                      'problem" button.</p>')
    count = f"{len(reports)} listing{'s' if len(reports) != 1 else ''} with open reports." if reports else ""
    if error is not None and not shown_error:  # a listing without open reports (a second tab saved it)
        notice = f"Not saved: {error}"
    page = render("reviews.html", csrf_token=token, notice=notice, count=count, reviewer=organization(request),
                  reports=SafeHtml("".join(blocks)))
    return html_response(page, status=status)


def signed_in_session(request: web.Request) -> str | web.Response:
    """The session of a signed-in navigator, or the page to show instead (off, or the sign-in form)."""
    if not request.app[SETTINGS].navigator_token:
        return html_response(render("off.html", message=OFF_MESSAGE), status=403)
    session = current_session(request)
    if session is None:
        return html_response(render("login.html", error="Sign in to review reports."), status=401)
    return session


async def reviews_page(request: web.Request) -> web.Response:
    session = signed_in_session(request)
    if isinstance(session, web.Response):
        return session
    return await reviews_response(request, session)


def review_address(form: Mapping[str, str]) -> dict | None:
    address = {"address_1": form.get("address_1", ""), "city": form.get("city", ""), "state": form.get("state", ""),
               "postal_code": form.get("postal_code", "")}
    return address if any(v.strip() for v in address.values()) else None


async def post_review(request: web.Request) -> web.Response:
    session = signed_in_session(request)
    if isinstance(session, web.Response):
        return session
    form_data = await request.post()
    form = {name: value for name, value in form_data.items() if name in REVIEW_FIELDS and isinstance(value, str)}
    token = page_token(request, session)
    if not same_origin(request) or not hmac.compare_digest(form.get("csrf_token", ""), token):
        return html_response("Send reviews from this site's own review page.", status=403)
    kept = {name: value[:MAX_FIELD_CHARS] for name, value in form.items() if name != "csrf_token"}
    outcome = kept.get("outcome", "")
    if outcome not in OUTCOMES or any(len(v) >= MAX_FIELD_CHARS for v in form.values()):
        return await reviews_response(request, session, kept=kept, status=400,
                                      error=f"pick what you found: one of {', '.join(OUTCOMES)}"
                                      if outcome not in OUTCOMES else "a field is too long")
    listing_id = kept.get("listing_id", "")
    registry = request.app[REGISTRY]
    listing = await asyncio.to_thread(registry.listing, listing_id) if listing_id else None
    try:
        await asyncio.to_thread(
            registry.review, listing_id, outcome, organization(request),
            address=review_address(kept) if outcome == "moved" else None,
            phone=kept.get("phone") if outcome == "new_phone" else None,
            term=(kept.get("term") or None) if outcome == "not_offered" else None)
    except ReviewError as error:
        return await reviews_response(request, session, kept=kept, error=str(error), status=400)
    logger.info("a listing was reviewed: %s", outcome)
    name = listing.name if listing is not None else listing_id
    return await reviews_response(request, session, notice=f"Saved: {name} marked {outcome.replace('_', ' ')}.")
