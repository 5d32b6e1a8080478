"""Views of the matchmaker, the click-through redirect, "pick one for me" and fairness."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from directory import exposure, public
from directory.db import get_session
from directory.probes import summary
from directory.timeutil import utcnow
from directory.web.match import bp
from directory.web.match.forms import MatchForm
from directory.web.matching import offered_countries, run_match, stand_ins
from search import IndexUnavailable, get_search
from search.match import Need


def ledger() -> exposure.ExposureLedger:
    return current_app.extensions["portee.exposure"]


@bp.get("/match")
def match():
    session = get_session()
    form = MatchForm(formdata=request.args)
    form.fill_choices(
        public.categories(session), public.software_list(session), offered_countries()
    )
    outcome = None
    if form.asked() and form.validate():
        outcome = run_match(form.to_request())
        ledger().note_shown(host.organization.id for host in outcome.hosts)
    status = 400 if form.errors else 200
    return render_template("match/match.html", form=form, outcome=outcome), status


@bp.get("/go/<int:service_id>")
def go(service_id: int):
    """Records that someone went on to an offer (no personal data), then sends them there;
    never to a service whose last check failed: a page says so and proposes others instead."""
    session = get_session()
    services = public.services_in_order(session, [service_id])
    if not services:
        abort(404)
    service = services[0]
    if summary.unreachable(session, service.id) and not public.has_ended(service):
        health = summary.health_of(session, [service.id], utcnow())[service.id]
        others, need = stand_ins(service)
        return render_template(
            "match/unreachable.html", service=service, health=health, others=others, need=need
        )
    ledger().note_click(service.organization_id)
    if service.website and not public.has_ended(service):
        return redirect(service.website, code=302)
    return redirect(url_for("public.organization", slug=service.organization.slug))


@bp.get("/pick/<any(category, software):kind>/<slug>")
def pick(kind: str, slug: str):
    """'Pick one for me': one open, healthy, confirmed offer, fewer referrals more likely."""
    session = get_session()
    entry = public.category(session, slug) if kind == "category" else public.software(session, slug)
    if entry is None:
        abort(404)
    back = url_for("public.category" if kind == "category" else "public.software", slug=slug)
    try:
        service_id = get_search().pick(Need(kind, slug))
    except IndexUnavailable:
        service_id = None
    if service_id is None:
        flash(_("No open offer can be picked right now; choose one from the list below."), "error")
        return redirect(back)
    return redirect(url_for("match.go", service_id=service_id))


@bp.get("/fairness")
def fairness():
    session = get_session()
    shares = exposure.referrals(session, 30)
    organizations = public.organizations_by_id(session, list(shares))
    rows = sorted(
        ((organizations[org], share) for org, share in shares.items() if org in organizations),
        key=lambda row: (-row[1].clicks, -row[1].shown, row[0].name),
    )
    total = sum(share.clicks for _org, share in rows)
    return render_template("match/fairness.html", rows=rows, total=total)
