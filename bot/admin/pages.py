"""The admin's own pages, beside sqladmin's lists and forms: import, stale listings, the venue
export, champion tools (flyers, QR codes) and the way to the reports.

Each is a sqladmin `BaseView`, so it sits in the same menu and sqladmin checks the login and
the role before any of it runs; every POST form carries the CSRF token (bot.staff.csrf).
"""

from __future__ import annotations

import io
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

import anyio
from sqladmin import BaseView, expose
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.admin import imports
from bot.admin.audit import record
from bot.admin.stale import STALE_MONTHS, mark_checked, stale_listings
from bot.db.models import DigitalChampion, Venue
from bot.db.session import get_engine
from bot.settings import VAR_DIR, Settings
from bot.venues.csvio import ImportFailed
from bot.venues.venue_csv import export_venues

UPLOAD_DIR = VAR_DIR / "imports"
_ZIP_MAGIC = b"PK\x03\x04"


class StaffPage(BaseView):
    database_url: ClassVar[str] = ""
    # The gateway's settings (set per admin by bot.admin.site.build_admin): links on flyers.
    settings: ClassVar[Settings]

    def session(self) -> Session:
        return Session(get_engine(self.database_url))

    async def render(self, request: Request, template: str, status: int = 200, **context: Any) -> Response:
        return await self.templates.TemplateResponse(request, template, context, status_code=status)


class ImportPage(StaffPage):
    name = "Import a spreadsheet"
    icon = "fa-solid fa-file-import"
    upload_dir: ClassVar[Path] = UPLOAD_DIR

    def store(self) -> imports.UploadStore:
        return imports.UploadStore(self.upload_dir)

    @expose("/import", methods=["GET"], identity="import")
    async def start(self, request: Request) -> Response:
        return await self.render(
            request, "admin/import.html", page_title="Import a spreadsheet", kinds=imports.KINDS.values()
        )

    async def _upload_problem(self, request: Request, message: str) -> Response:
        return await self.render(
            request,
            "admin/import.html",
            400,
            page_title="Import a spreadsheet",
            kinds=imports.KINDS.values(),
            error=message,
        )

    @expose("/import/preview", methods=["POST"], identity="import-preview")
    async def preview(self, request: Request) -> Response:
        staff = request.state.staff
        form = await request.form()
        kind = imports.KINDS.get(str(form.get("kind") or ""))
        upload = form.get("file")
        replace = form.get("replace") == "yes"
        if kind is None:
            return await self._upload_problem(
                request, "Choose what the file holds: venues, sessions or champions."
            )
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await self._upload_problem(request, "Choose a CSV file to upload.")
        if replace and not staff.is_admin:
            raise HTTPException(403, "Only an admin may remove listings with an import.")
        data = await upload.read(imports.MAX_UPLOAD_BYTES + 1)
        if len(data) > imports.MAX_UPLOAD_BYTES:
            return await self._upload_problem(request, "That file is bigger than 25 MB: split it into parts.")
        if data.startswith(_ZIP_MAGIC):
            return await self._upload_problem(
                request,
                "That is an Excel workbook, not a CSV file. In Excel choose File, Save As, and the type "
                "'CSV UTF-8 (Comma delimited)', then upload that file.",
            )
        if not data.strip():
            return await self._upload_problem(request, "That file is empty.")
        text = imports.decode_upload(data)
        filename = Path(upload.filename).name[:120]
        preview = await anyio.to_thread.run_sync(imports.run_preview, self.database_url, kind, text, replace)
        token = None
        if preview.ok:
            token = self.store().save(staff.id, kind.key, replace, filename, text)
        return await self.render(
            request,
            "admin/import_preview.html",
            page_title=f"Check the file: {filename}",
            preview=preview,
            filename=filename,
            token=token,
        )

    @expose("/import/confirm", methods=["POST"], identity="import-confirm")
    async def confirm(self, request: Request) -> Response:
        staff = request.state.staff
        form = await request.form()
        token = str(form.get("token") or "")
        store = self.store()
        pending = store.load(token, staff.id)
        if pending is None:
            return await self._upload_problem(
                request, "That upload has expired or was already imported. Please upload the file again."
            )
        kind = imports.KINDS[pending.kind]
        if pending.replace and not staff.is_admin:
            raise HTTPException(403, "Only an admin may remove listings with an import.")
        try:
            report = await anyio.to_thread.run_sync(
                imports.run_import,
                self.database_url,
                kind,
                pending.text,
                pending.replace,
                staff.email,
                pending.filename,
            )
        except ImportFailed:
            # The listings changed since the preview: show the problems as they are now.
            store.discard(token)
            preview = await anyio.to_thread.run_sync(
                imports.run_preview, self.database_url, kind, pending.text, pending.replace
            )
            return await self.render(
                request,
                "admin/import_preview.html",
                page_title=f"Check the file: {pending.filename}",
                preview=preview,
                filename=pending.filename,
                token=None,
            )
        store.discard(token)
        return await self.render(
            request,
            "admin/import_done.html",
            page_title="Import finished",
            report=report,
            kind=kind,
            filename=pending.filename,
        )

    @expose("/import/cancel", methods=["POST"], identity="import-cancel")
    async def cancel(self, request: Request) -> Response:
        form = await request.form()
        self.store().discard(str(form.get("token") or ""))
        return RedirectResponse(request.url_for("admin:view-import"), status_code=303)


class StalePage(StaffPage):
    name = "Not checked for 6 months"
    icon = "fa-solid fa-hourglass-half"

    def _groups(self) -> list[Any]:
        with self.session() as session:
            return stale_listings(session, date.today())

    def _topics_due(self) -> list[Any]:
        from bot.admin.kb_review import KnowledgeBasePage, topics_due
        from bot.settings import get_settings

        kb_dir = KnowledgeBasePage.kb_dir or get_settings().kb_dir
        return topics_due(self.database_url, kb_dir, KnowledgeBasePage.clock().date())

    @expose("/stale", methods=["GET"], identity="stale")
    async def page(self, request: Request) -> Response:
        groups = await anyio.to_thread.run_sync(self._groups)
        topics = await anyio.to_thread.run_sync(self._topics_due)
        return await self.render(
            request,
            "admin/stale.html",
            page_title=f"Listings not checked for {STALE_MONTHS} months",
            groups=groups,
            topics=topics,
            done=request.query_params.get("done"),
        )

    def _mark(self, kind: str, listing_id: int, email: str) -> str | None:
        with self.session() as session:
            name = mark_checked(session, kind, listing_id, email, date.today())
            session.commit()
            return name

    @expose("/stale/checked", methods=["POST"], identity="stale-checked")
    async def checked(self, request: Request) -> Response:
        form = await request.form()
        try:
            listing_id = int(str(form.get("id")))
        except ValueError:
            raise HTTPException(400, "Which listing?") from None
        name = await anyio.to_thread.run_sync(
            self._mark, str(form.get("kind") or ""), listing_id, request.state.staff.email
        )
        if name is None:
            raise HTTPException(404, "There is no such listing.")
        url = str(request.url_for("admin:view-stale")) + "?" + urlencode({"done": name})
        return RedirectResponse(url, status_code=303)


class ExportPage(StaffPage):
    name = "Download venues (CSV)"
    icon = "fa-solid fa-file-export"

    def _csv(self) -> str:
        out = io.StringIO()
        out.write("\ufeff")  # so Excel reads the file as UTF-8
        with self.session() as session:
            export_venues(session, out)
        return out.getvalue()

    @expose("/export/venues.csv", methods=["GET"], identity="export-venues")
    async def venues(self, request: Request) -> Response:
        text = await anyio.to_thread.run_sync(self._csv)
        filename = f"venues-{date.today().isoformat()}.csv"
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )


class ToolsPage(StaffPage):
    """Flyers and QR codes for each champion and venue with a referral code (bot.champions)."""

    name = "Flyers and QR codes"
    icon = "fa-solid fa-qrcode"

    def _entries(self) -> dict[str, list[Any]]:
        with self.session() as session:
            champions = session.scalars(
                select(DigitalChampion)
                .options(selectinload(DigitalChampion.organisation))
                .where(DigitalChampion.active.is_(True))
                .order_by(DigitalChampion.name, DigitalChampion.id)
            ).all()
            venues = session.scalars(select(Venue).where(Venue.active.is_(True)).order_by(Venue.name)).all()
            return {"champion": list(champions), "venue": list(venues)}

    @expose("/tools", methods=["GET"], identity="tools")
    async def page(self, request: Request) -> Response:
        from bot.champions.links import deep_link, sms_keyword_text

        entries = await anyio.to_thread.run_sync(self._entries)
        return await self.render(
            request,
            "admin/tools.html",
            page_title="Flyers and QR codes",
            entries=entries,
            deep_link=partial(deep_link, username=self.settings.telegram_bot_username),
            sms_text=partial(sms_keyword_text, number=self.settings.sms_number),
            given=request.query_params.get("given"),
        )

    def _give_codes(self, email: str) -> int:
        from bot.champions.codes import ensure_codes

        with self.session() as session:
            new = [entry for entry in ensure_codes(session) if entry.is_new]
            for entry in new:
                record(
                    session,
                    email,
                    "update",
                    "digital-champion" if entry.kind == "champion" else "venue",
                    entry.id,
                    f"Gave {entry.name} the referral code {entry.code}",
                    {"referral_code": [None, entry.code]},
                )
            session.commit()
            return len(new)

    @expose("/tools/codes", methods=["POST"], identity="tools-codes")
    async def give_codes(self, request: Request) -> Response:
        count = await anyio.to_thread.run_sync(self._give_codes, request.state.staff.email)
        url = str(request.url_for("admin:view-tools")) + "?" + urlencode({"given": count})
        return RedirectResponse(url, status_code=303)

    def _flyer(self, kind: str, listing_id: int) -> bytes:
        from bot.champions.flyer import flyer_for

        with self.session() as session:
            return flyer_for(session, kind, listing_id, settings=self.settings)

    @expose("/flyers/{kind}/{id:int}.pdf", methods=["GET"], identity="flyer")
    async def flyer(self, request: Request) -> Response:
        from bot.champions.flyer import FlyerUnavailable

        kind, listing_id = request.path_params["kind"], request.path_params["id"]
        try:
            pdf = await anyio.to_thread.run_sync(self._flyer, kind, listing_id)
        except FlyerUnavailable as error:
            raise HTTPException(404, str(error)) from None
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="flyer-{kind}-{listing_id}.pdf"'},
        )

    def _code(self, kind: str, listing_id: int) -> str | None:
        model: Any = {"champion": DigitalChampion, "venue": Venue}.get(kind)
        with self.session() as session:
            row = session.get(model, listing_id) if model else None
            return row.referral_code if row is not None and row.active else None

    @expose("/qr/{kind}/{id:int}.png", methods=["GET"], identity="qr")
    async def qr(self, request: Request) -> Response:
        from bot.champions.codes import InvalidCode
        from bot.champions.links import deep_link
        from bot.champions.qr import qr_png

        kind, listing_id = request.path_params["kind"], request.path_params["id"]
        code = await anyio.to_thread.run_sync(self._code, kind, listing_id)
        if not code:
            raise HTTPException(404, "No QR code: this listing is hidden or has no referral code.")
        try:
            png = qr_png(deep_link(code, self.settings.telegram_bot_username))
        except InvalidCode as error:
            raise HTTPException(404, str(error)) from None
        return Response(
            png,
            media_type="image/png",
            headers={"Content-Disposition": f'inline; filename="qr-{kind}-{listing_id}.png"'},
        )


class ReportsLink(StaffPage):
    name = "Reports"
    icon = "fa-solid fa-chart-column"

    @expose("/go/reports", methods=["GET"], identity="reports")
    async def go(self, request: Request) -> Response:
        return RedirectResponse("/reports/", status_code=303)


PAGES: tuple[type[StaffPage], ...] = (ImportPage, StalePage, ExportPage, ToolsPage, ReportsLink)
