"""The console's outreach insights under /console/insights: dashboard, CSV export, questions the bot missed.

Every page needs a signed-in coordinator or admin (`bot.console.auth`); forms carry the session's
CSRF token. Charts are inline SVG drawn on the server (`bot.insights.charts`), so the console's
strict Content-Security-Policy stays as it is. Reading what people wrote on the missed questions
pages, and attaching or marking a question, is recorded in the audit log.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.config import Settings
from bot.console import auth, pages
from bot.console.auth import Visitor
from bot.faq.attached_questions import MissedFileError, MissedFolder
from bot.faq.catalog import CatalogError, load_catalog
from bot.insights import charts, csv_export
from bot.insights.attach import MAX_NOTE_CHARS, Attacher, AttachError
from bot.insights.figures import Figures
from bot.insights.missed import MissedQuestions, group_similar
from bot.insights.period import Period, PeriodError, from_query, last_days
from bot.store import audit

HOME = "/console/insights"
MISSED = f"{HOME}/missed"
MAX_FIELD_CHARS = 2000
SHOWN_PER_GROUP = 5
"""A group's newest messages shown at once; the others open on demand."""

logger = logging.getLogger(__name__)


def _secure(request: Request) -> bool:
    settings: Settings = request.app.state.settings
    return settings.console_secure_cookies or request.url.scheme == "https"


def _period(request: Request) -> tuple[Period, str]:
    """The period asked for in the query string, or the last 30 days and why when it is malformed."""
    zone = request.app.state.settings.office_hours.zone
    try:
        return from_query(request.query_params, zone), ""
    except PeriodError as problem:
        return last_days(zone), str(problem)


def _folder(request: Request) -> MissedFolder:
    return MissedFolder(request.app.state.settings.faq_missed_dir)


def _topic_titles(request: Request) -> Dict[str, str]:
    """FAQ topic id → title (ids alone if the FAQ files are broken: the dashboard still shows)."""
    try:
        return {t.id: t.title for t in load_catalog(missed=_folder(request).directory)}
    except CatalogError:
        logger.exception("The FAQ catalog could not be read")
        return {}


def missed_url(period: Optional[Period] = None) -> str:
    """The missed questions page, for a period."""
    return f"{MISSED}?{period.query()}" if period else MISSED


@auth.require()
async def dashboard_page(request: Request, visitor: Visitor) -> Response:
    """GET /console/insights: the figures of a period as charts, each with a table of its numbers."""
    period, problem = _period(request)
    dashboard = await Figures(request.app.state.sessions, _topic_titles(request)).dashboard(period)
    drawn = await asyncio.to_thread(charts.draw, dashboard)
    context = {"me": visitor, "d": dashboard, "charts": drawn, "problem": problem, "top": 10}
    return pages.render(request, "insights.html", context)


@auth.require()
async def export_csv(request: Request, visitor: Visitor) -> Response:
    """GET /console/insights/export.csv: the dashboard's figures for the period as CSV (no message text)."""
    period, problem = _period(request)
    if problem:
        return pages.error(request, 400, "Wrong dates", problem)
    dashboard = await Figures(request.app.state.sessions, _topic_titles(request)).dashboard(period)
    name = f"trialbot-insights-{period.first.isoformat()}-to-{period.last.isoformat()}.csv"
    return pages.protect(
        Response(
            csv_export.render(dashboard),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    )


@auth.require()
async def missed_page(request: Request, visitor: Visitor) -> Response:
    """GET /console/insights/missed: missed questions of the period grouped by similarity (reading is audited)."""
    period, problem = _period(request)
    try:
        handled = _folder(request).handled_message_ids()
    except MissedFileError as error:
        return pages.error(request, 500, "FAQ files need fixing", f"faq/missed/{error}")
    questions = await MissedQuestions(request.app.state.sessions).find(period, handled)
    groups = await asyncio.to_thread(group_similar, questions)
    async with request.app.state.sessions() as session:
        await audit.record(
            session,
            audit.MISSED_VIEWED,
            coordinator_id=visitor.coordinator.id,
            detail=f"{len(questions)} messages from {period.first.isoformat()} to {period.last.isoformat()}",
        )
        await session.commit()
    context = {
        "me": visitor,
        "period": period,
        "problem": problem,
        "groups": groups,
        "count": len(questions),
        "titles": _topic_titles(request),
        "shown": SHOWN_PER_GROUP,
    }
    return pages.render(request, "missed.html", context)


async def _question_context(request: Request, visitor: Visitor) -> Optional[Dict[str, Any]]:
    question = await MissedQuestions(request.app.state.sessions).one(request.path_params["message_id"])
    if question is None:
        return None
    period, _ = _period(request)
    try:
        topics = list(Attacher(_folder(request)).catalog())
    except AttachError as problem:
        return {"me": visitor, "question": question, "topics": [], "catalog_problem": str(problem), "period": period}
    return {
        "me": visitor,
        "question": question,
        "topics": topics,
        "catalog_problem": "",
        "period": period,
        "max_note": MAX_NOTE_CHARS,
    }


@auth.require()
async def question_page(request: Request, visitor: Visitor) -> Response:
    """GET /console/insights/missed/{message id}: one question, with forms to attach or mark it (audited)."""
    context = await _question_context(request, visitor)
    if context is None:
        return pages.error(request, 404, "Not found", "There is no such message from a person.")
    question = context["question"]
    async with request.app.state.sessions() as session:
        await audit.record(
            session,
            audit.MISSED_VIEWED,
            coordinator_id=visitor.coordinator.id,
            conversation_id=question.conversation_id,
            detail=f"message {question.message_id}",
        )
        await session.commit()
    return pages.render(request, "missed_question.html", context)


async def _form(request: Request) -> Dict[str, str]:
    form = await request.form(max_files=0, max_fields=20)
    return {key: str(form.get(key) or "")[:MAX_FIELD_CHARS] for key in ("topic", "text", "note", "from", "to")}


def _back(fields: Dict[str, str], request: Request) -> str:
    """The missed questions page of the period the form came from (dates checked, else the default)."""
    zone = request.app.state.settings.office_hours.zone
    try:
        return missed_url(from_query({"from": fields["from"], "to": fields["to"]}, zone))
    except PeriodError:
        return MISSED


async def _act(request: Request, visitor: Visitor, new_topic: bool) -> Response:
    message_id = request.path_params["message_id"]
    question = await MissedQuestions(request.app.state.sessions).one(message_id)
    if question is None:
        return pages.error(request, 404, "Not found", "There is no such message from a person.")
    fields = await _form(request)
    attacher = Attacher(_folder(request))
    here = f"{MISSED}/{message_id}"
    try:
        if new_topic:
            attacher.mark_new_topic(message_id, fields["text"], fields["note"], visitor.coordinator.id)
            action, detail = audit.FAQ_NEW_TOPIC, f"message {message_id}"
            done = "Marked for a new FAQ topic (faq/missed/new-topics.yml)."
        else:
            topic = attacher.attach(message_id, fields["topic"], fields["text"], visitor.coordinator.id)
            action, detail = audit.FAQ_ATTACHED, f"message {message_id} to {topic.id}"
            done = f"Attached to “{topic.title}”. It becomes a training example at the next FAQ build (make faq)."
    except AttachError as problem:
        return pages.redirect(here, str(problem), True, _secure(request))
    async with request.app.state.sessions() as session:
        await audit.record(
            session,
            action,
            coordinator_id=visitor.coordinator.id,
            conversation_id=question.conversation_id,
            detail=detail,
        )
        await session.commit()
    return pages.redirect(_back(fields, request), done, secure=_secure(request))


@auth.require()
async def attach(request: Request, visitor: Visitor) -> Response:
    """POST /console/insights/missed/{message id}/attach: the (edited) text becomes an example of a FAQ topic."""
    return await _act(request, visitor, new_topic=False)


@auth.require()
async def mark_new_topic(request: Request, visitor: Visitor) -> Response:
    """POST /console/insights/missed/{message id}/new-topic: the question needs a FAQ topic that does not exist."""
    return await _act(request, visitor, new_topic=True)


def routes(settings: Settings) -> List[BaseRoute]:
    """The insights routes, for `bot.console.views.routes`."""
    item = MISSED + "/{message_id:int}"
    return [
        Route(HOME, dashboard_page, methods=["GET"]),
        Route(f"{HOME}/export.csv", export_csv, methods=["GET"]),
        Route(MISSED, missed_page, methods=["GET"]),
        Route(item, question_page, methods=["GET"]),
        Route(f"{item}/attach", attach, methods=["POST"]),
        Route(f"{item}/new-topic", mark_new_topic, methods=["POST"]),
    ]
