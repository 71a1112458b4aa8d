"""/reports: the programme's figures for staff, as charts with their numbers, and CSV downloads.

Every page and download needs a staff login (`require_staff`). The figures are counts of people
from pseudonymous rows (bot.reports.queries): no page shows one person's conversation.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import anyio
from jinja2 import ChoiceLoader, FileSystemLoader
from sqladmin.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.callbacks import report as callback_report
from bot.db.session import get_engine
from bot.loop.funnel import STEP_LABELS, Funnel, csv_table
from bot.loop.funnel import funnel as loop_funnel
from bot.reports import charts, queries
from bot.settings import Settings
from bot.spreadsheet import safe_cell
from bot.staff.auth import StaffAuth, require_staff

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
PERIODS = (4, 12, 26, 52)
DEFAULT_WEEKS = 12
CHANNEL_NAMES = {
    "web": "Web chat",
    "telegram": "Telegram",
    "sms": "Text message (SMS)",
    "voice": "Phone call",
}


@dataclass(frozen=True)
class Figures:
    period: queries.Period
    weeks: list[queries.WeekCounts]
    questions: list[queries.Count]
    levels: list[queries.Count]
    retakes: queries.Retakes
    referrals: list[queries.Referral]
    searches: list[queries.Count]
    not_understood: list[queries.Count]
    # The loop's funnel (issue 13): searched -> shown -> asked -> reminded -> went -> retook -> up.
    funnel: Funnel | None = None
    # Call backs (issue 15): requests, waits and outcomes per week and organisation; never numbers.
    callbacks: list[callback_report.CallbackRow] | None = None

    @property
    def people(self) -> int:
        return sum(week.total for week in self.weeks)


def _level_names(settings: Settings) -> list[str]:
    try:
        from bot.confidence.content import cached_check

        return [level.name for level in cached_check(settings.content_dir / "confidence.yml").levels]
    except Exception:  # the report still works, only ordered by name
        log.exception("Could not read the confidence levels")
        return []


def _topic_titles(settings: Settings) -> dict[str, str]:
    try:
        from bot.kb.topics import cached_topics

        return {name: topic.title for name, topic in cached_topics(settings.kb_dir).items()}
    except Exception:
        log.exception("Could not read the knowledge base topics")
        return {}


def gather(database_url: str, period: queries.Period, levels: Sequence[str]) -> Figures:
    with Session(get_engine(database_url)) as session:
        return Figures(
            period=period,
            weeks=queries.conversations_by_week(session, period),
            questions=queries.top_questions(session, period),
            levels=queries.confidence_levels(session, period, levels),
            retakes=queries.retake_changes(session, period),
            referrals=queries.referrals_by_code(session, period),
            searches=queries.searches_by_area(session, period),
            not_understood=queries.not_understood(session, period),
            funnel=loop_funnel(session, period),
            callbacks=callback_report.callback_rows(session, period.first_week, period.last_day),
        )


def period_of(request: Request, today: date) -> queries.Period:
    try:
        weeks = int(request.query_params.get("weeks", DEFAULT_WEEKS))
    except ValueError:
        weeks = DEFAULT_WEEKS
    return queries.Period.last_weeks(weeks if weeks in PERIODS else DEFAULT_WEEKS, today)


def week_label(week: date) -> str:
    return f"{week.day} {week:%b}"


def charts_for(figures: Figures, titles: dict[str, str]) -> dict[str, Any]:
    labels = [week_label(week.week) for week in figures.weeks]
    series = [
        charts.Series(CHANNEL_NAMES[channel], [w.by_channel.get(channel, 0) for w in figures.weeks], colour)
        for channel, colour in charts.SERIES_COLOURS.items()
    ]
    busiest = max(figures.weeks, key=lambda w: w.total, default=None)
    weekly_summary = f"{figures.people:,} people talked to the bot over {len(figures.weeks)} weeks" + (
        f"; the busiest week began {week_label(busiest.week)}, with {busiest.total:,}." if busiest else "."
    )

    def top_summary(items: Sequence[tuple[str, int]], what: str) -> str:
        if not items:
            return f"No {what} in this period."
        first = ", ".join(f"{label}: {count:,}" for label, count in items[:3])
        return f"The most common {what}: {first}."

    questions = [(titles.get(q.label, q.label), q.count) for q in figures.questions]
    levels = [(level.label, level.count) for level in figures.levels]
    referrals = [(f"{r.code}: {r.who}", r.count) for r in figures.referrals]
    searches = [(s.label, s.count) for s in figures.searches]
    steps = (
        [(STEP_LABELS[step], count) for step, count in figures.funnel.total.counts.items()]
        if figures.funnel
        else []
    )
    outcomes = [(label, count) for label, count in callback_report.totals(figures.callbacks or []).items()]
    asked = sum(row.requests for row in figures.callbacks or [])
    drawn = {
        "callbacks": charts.bar_chart(
            "chart-callbacks",
            "Call backs, by outcome",
            f"{asked:,} call backs asked for. " + top_summary([o for o in outcomes if o[1]], "outcomes"),
            outcomes,
        ),
        "funnel": charts.bar_chart(
            "chart-funnel",
            "From a search to going, and getting more confident",
            "; ".join(f"{label}: {count:,}" for label, count in steps) + "." if steps else "No searches yet.",
            steps,
        ),
        "weekly": charts.stacked_columns(
            "chart-weekly", "People who talked to the bot each week", weekly_summary, labels, series
        ),
        "questions": charts.bar_chart(
            "chart-questions", "Top questions", top_summary(questions, "questions"), questions
        ),
        "levels": charts.bar_chart(
            "chart-levels", "Confidence checks by result", top_summary(levels, "results"), levels
        ),
        "referrals": charts.bar_chart(
            "chart-referrals", "People referred, by code", top_summary(referrals, "codes"), referrals
        ),
        "searches": charts.bar_chart(
            "chart-searches", "Searches for help, by area", top_summary(searches, "areas"), searches
        ),
    }
    return {
        "charts": drawn,
        "rows": {"questions": questions, "levels": levels, "referrals": referrals, "searches": searches},
    }


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def csv_rows(report: str, figures: Figures, titles: dict[str, str]) -> tuple[list[str], list[list[object]]]:
    """The header and rows of one report's CSV, or KeyError for an unknown report."""
    if report == "conversations":
        header = ["week_beginning", *queries.CHANNELS, "total"]
        return header, [
            [w.week.isoformat(), *(w.by_channel.get(c, 0) for c in queries.CHANNELS), w.total]
            for w in figures.weeks
        ]
    if report == "questions":
        rows = [[q.label, titles.get(q.label, ""), q.count] for q in figures.questions]
        return ["topic", "title", "people"], rows
    if report == "confidence":
        return ["level", "checks"], [[level.label, level.count] for level in figures.levels]
    if report == "retakes":
        rows = [[before, after, count] for (before, after), count in sorted(figures.retakes.moves.items())]
        return ["level_before", "level_after", "retakes"], rows
    if report == "referrals":
        return ["code", "whose_code", "people"], [[r.code, r.who, r.count] for r in figures.referrals]
    if report == "searches":
        return ["area", "people"], [[s.label, s.count] for s in figures.searches]
    if report.startswith("funnel-") and figures.funnel is not None:
        grouping = {
            "funnel-weeks": (figures.funnel.weeks, "week_beginning"),
            "funnel-venues": (figures.funnel.venues, "venue"),
            "funnel-referrals": (figures.funnel.referrals, "code"),
        }
        funnel_rows, first = grouping[report]
        return csv_table(funnel_rows, first)
    if report == "callbacks":
        return callback_report.csv_table(figures.callbacks or [])
    if report == "not-understood":
        return ["message", "people"], [[m.label, m.count] for m in figures.not_understood]
    raise KeyError(report)


REPORTS = (
    "conversations",
    "questions",
    "confidence",
    "retakes",
    "referrals",
    "searches",
    "not-understood",
    "funnel-weeks",
    "funnel-venues",
    "funnel-referrals",
    "callbacks",
)


def build_reports(
    auth: StaffAuth, templates: Jinja2Templates, settings: Settings, *, today: Callable[[], date] = date.today
) -> Starlette:
    """The /reports app: same staff session and CSRF check as /admin, pages rendered in its layout."""
    env = templates.env
    env.loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES)), env.loader])  # type: ignore[list-item]

    async def figures(request: Request) -> tuple[Figures, dict[str, str]]:
        period = period_of(request, request.app.state.today())
        levels = _level_names(settings)
        found = await anyio.to_thread.run_sync(gather, settings.database_url, period, levels)
        return found, _topic_titles(settings)

    @require_staff
    async def page(request: Request) -> Response:
        found, titles = await figures(request)
        context = {
            "page_title": "Programme figures",
            "figures": found,
            **charts_for(found, titles),
            "periods": PERIODS,
            "weeks": len(found.weeks),
            "channels": queries.CHANNELS,
            "channel_names": CHANNEL_NAMES,
            "week_label": week_label,
            "funnel_labels": STEP_LABELS,
        }
        return await templates.TemplateResponse(request, "reports/index.html", context)

    @require_staff
    async def download(request: Request) -> Response:
        report = request.path_params["report"]
        if report not in REPORTS:
            raise HTTPException(404, "No such report.")
        found, titles = await figures(request)
        header, rows = csv_rows(report, found, titles)
        name = f"{report}-{found.period.first_week}-to-{found.period.last_day}.csv"
        return csv_response(name, header, rows)

    app = Starlette(
        routes=[Route("/", page), Route("/{report}.csv", download)],
        middleware=auth.middleware(),
    )
    app.state.staff_auth = auth
    app.state.today = today
    return app
