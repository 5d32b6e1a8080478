"""Views of open data: change feeds (Atom), the ChatonsInfos export and librehost.json, the
badge, and the public validator. Parse the request, call directory/opendata, serve."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from directory import public, trust
from directory.db import get_session
from directory.editing import summarize_preview
from directory.feeds import runner
from directory.opendata import badge, changes, export
from directory.outbound.fetch import Fetcher
from directory.timeutil import utcnow
from directory.web.extensions import limiter
from directory.web.filters import localized
from directory.web.opendata import atom, bp, forms

FEED_SECONDS = 900
EXPORT_SECONDS = 3600
BADGE_SECONDS = 86400
PROPERTIES = "text/plain; charset=utf-8"  # what ChatonsInfos files are served as


def _base() -> str:
    return current_app.config["PORTEE_BASE_URL"].rstrip("/")


def _public(body, mimetype: str, seconds: int) -> Response:
    """A public, cacheable answer other sites may read (no cookie is set by these views)."""
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# -- change feeds ----------------------------------------------------------------------------


def _feed_language() -> str:
    asked = request.args.get("lang", "")
    return asked if asked in current_app.config["LANGUAGES"] else str(get_locale())


def _feed(scope: changes.Scope, key: str, title, page_url: str) -> Response:
    lang = _feed_language()
    found = changes.changes(get_session(), scope)
    with force_locale(lang):
        self_url = _base() + url_for(request.endpoint, **request.view_args, lang=lang)
        body = atom.feed(found, str(title()), key, self_url, _base() + page_url, lang)
    return _public(body, "application/atom+xml", FEED_SECONDS)


@bp.get("/changes.atom")
def changes_feed():
    return _feed(
        changes.Scope(),
        "changes",
        lambda: _("Portée: changes in the directory"),
        url_for("public.home"),
    )


@bp.get("/hosts/<slug>/changes.atom")
def host_feed(slug: str):
    item = public.public_organization(get_session(), slug) or abort(404)
    return _feed(
        changes.Scope(organization_id=item.id),
        f"changes/organization/{item.id}",
        lambda: _("Portée: changes at %(name)s", name=item.name),
        url_for("public.organization", slug=slug),
    )


@bp.get("/categories/<slug>/changes.atom")
def category_feed(slug: str):
    item, scope = changes.category_scope(get_session(), slug) or abort(404)
    return _feed(
        scope,
        f"changes/category/{item.id}",
        lambda: _("Portée: hosts for %(task)s", task=localized(item.name)),
        url_for("public.category", slug=slug),
    )


@bp.get("/software/<slug>/changes.atom")
def software_feed(slug: str):
    item, scope = changes.software_scope(get_session(), slug) or abort(404)
    return _feed(
        scope,
        f"changes/software/{item.id}",
        lambda: _("Portée: new %(software)s hosts", software=localized(item.name)),
        url_for("public.software", slug=slug),
    )


# -- ChatonsInfos export ---------------------------------------------------------------------


def _organization_url(organization) -> str:
    return _base() + url_for(".organization_file", slug=organization.slug)


def _service_url(service) -> str:
    return _base() + url_for(".service_file", slug=service.organization.slug, service_id=service.id)


@bp.get("/export/chatonsinfos/federation.properties")
def federation():
    members = export.public_members(get_session())
    body = export.federation_file(
        _("Portée"),
        _("A fair directory of alternative hosts."),
        _base() + "/",
        _base() + url_for(".federation"),
        [(organization, _organization_url(organization)) for organization in members],
        utcnow(),
    )
    return _public(body, PROPERTIES, EXPORT_SECONDS)


@bp.get("/export/chatonsinfos/<slug>/organization.properties")
def organization_file(slug: str):
    item = export.public_member(get_session(), slug) or abort(404)
    services = [(service, _service_url(service)) for service in export.offered(item)]
    body = export.organization_file(item, _organization_url(item), services, utcnow())
    return _public(body, PROPERTIES, EXPORT_SECONDS)


@bp.get("/export/chatonsinfos/<slug>/services/<int:service_id>.properties")
def service_file(slug: str, service_id: int):
    item = export.public_member(get_session(), slug) or abort(404)
    service = next((s for s in export.offered(item) if s.id == service_id), None) or abort(404)
    return _public(
        export.service_file(service, _service_url(service), utcnow()), PROPERTIES, EXPORT_SECONDS
    )


@bp.get("/hosts/<slug>/librehost.json")
def librehost(slug: str):
    item = export.public_member(get_session(), slug) or abort(404)
    return _public(export.librehost(item), "application/json", EXPORT_SECONDS)


# -- badge -----------------------------------------------------------------------------------


@bp.get("/hosts/<slug>/badge.svg")
def host_badge(slug: str):
    session = get_session()
    item = export.public_member(session, slug) or abort(404)
    lang = _feed_language()
    since = trust.decided_facts(session, item)[0].value
    days = max(0, (date.today() - item.confirmed_at.date()).days)
    with force_locale(lang):
        lines = (
            _("member of %(collective)s since %(year)s", collective=_("Portée"), year=since.year),
            ngettext(
                "listing confirmed %(num)d day ago", "listing confirmed %(num)d days ago", days
            ),
        )
        body = badge.svg(lines, f"{item.name}: {lines[0]} · {lines[1]}", lang)
    return _public(body, "image/svg+xml", BADGE_SECONDS)


# -- public validator ------------------------------------------------------------------------


@bp.route("/validate", methods=["GET", "POST"])
@limiter.limit("20 per hour;5 per minute", methods=["POST"], key_func=get_remote_address)
def validate():
    """Anyone checks a ChatonsInfos organization file or a librehost.json: the same preview a
    member's dashboard gives. Nothing is stored."""
    form = forms.ValidateForm()
    preview = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with Fetcher.from_config(current_app.config) as fetcher:
                preview = summarize_preview(
                    runner.preview_source(fetcher, form.url.data, form.kind.data)
                )
        else:
            status = 400
    return render_template("opendata/validate.html", form=form, preview=preview), status
