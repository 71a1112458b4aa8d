"""Spreadsheet imports from the admin: upload, see every problem, then confirm; all or nothing.

The preview runs the real import (bot.venues.*_csv, the same code as the command line) in a
transaction that is always rolled back, so what it says is exactly what confirming will do:
"3 added, 2 updated", or each problem by row number. The file waits on the server between the
two steps (`UploadStore`), tied to the member of staff who sent it, for an hour at most.
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from bot.admin.audit import record
from bot.db.session import get_engine
from bot.venues import champion_csv, session_csv, venue_csv
from bot.venues.csvio import ImportFailed, ImportReport, RowError

PREVIEW_ROWS = 100
UPLOAD_HOURS = 1
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")

Importer = Callable[..., ImportReport]


@dataclass(frozen=True)
class ImportKind:
    key: str
    label: str
    importer: Importer
    required: tuple[str, ...]
    columns: tuple[str, ...]


KINDS = {
    kind.key: kind
    for kind in (
        ImportKind(
            "venues", "Venues", venue_csv.import_venues, venue_csv.REQUIRED_COLUMNS, venue_csv.VENUE_COLUMNS
        ),
        ImportKind(
            "sessions",
            "Sessions",
            session_csv.import_sessions,
            session_csv.REQUIRED_COLUMNS,
            session_csv.SESSION_COLUMNS,
        ),
        ImportKind(
            "champions",
            "Digital Champions",
            champion_csv.import_champions,
            champion_csv.REQUIRED_COLUMNS,
            champion_csv.CHAMPION_COLUMNS,
        ),
    )
}


def decode_upload(data: bytes) -> str:
    """The file's text: UTF-8 (with or without Excel's byte-order mark), else Windows-1252,
    which is what Excel's plain "CSV" option writes on a council laptop."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


@dataclass
class PreviewRow:
    number: int
    values: list[str]
    problems: list[str] = field(default_factory=list)


@dataclass
class Preview:
    kind: ImportKind
    replace: bool
    columns: list[str]
    rows: list[PreviewRow]
    total_rows: int
    header_problems: list[str]
    errors: list[RowError]
    report: ImportReport | None

    @property
    def ok(self) -> bool:
        return not self.errors and self.report is not None

    @property
    def problem_rows(self) -> int:
        return len({error.row for error in self.errors if error.row > 1})


def _table(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the numbered, non-blank rows, as the importers number them."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    rows = [
        (number, values) for number, values in enumerate(reader, start=2) if any(v.strip() for v in values)
    ]
    return [name.strip() for name in header], rows


def _binary_rows(text: str) -> list[RowError]:
    """Rows with NUL characters: a file that is not text (or is damaged), refused by PostgreSQL."""
    return [
        RowError(number, "this row has characters that are not text: save the file again as CSV")
        for number, line in enumerate(text.splitlines(), start=1)
        if "\0" in line
    ]


def preview_import(session: Session, kind: ImportKind, text: str, *, replace: bool = False) -> Preview:
    """What importing `text` would do, computed by importing it and rolling back."""
    report: ImportReport | None = None
    errors: list[RowError] = []
    try:
        if "\0" in text:
            raise ImportFailed(_binary_rows(text))
        report = kind.importer(session, text, replace=replace)
    except ImportFailed as failure:
        errors = sorted(failure.errors, key=lambda error: error.row)
    except csv.Error as unreadable:
        errors = [RowError(1, f"this does not read as a CSV file ({unreadable})")]
    finally:
        session.rollback()
    columns, table = _table(text)
    by_row: dict[int, list[str]] = {}
    for error in errors:
        by_row.setdefault(error.row, []).append(error.message)
    shown = [
        PreviewRow(number, values, by_row.get(number, []))
        for index, (number, values) in enumerate(table)
        if index < PREVIEW_ROWS or number in by_row
    ]
    return Preview(
        kind=kind,
        replace=replace,
        columns=columns,
        rows=shown,
        total_rows=len(table),
        header_problems=by_row.get(1, []),
        errors=errors,
        report=report,
    )


def apply_import(
    session: Session, kind: ImportKind, text: str, *, replace: bool, staff_email: str, filename: str
) -> ImportReport:
    """Import for real, with one audit entry; ImportFailed (nothing written) if the data changed."""
    if "\0" in text:
        raise ImportFailed(_binary_rows(text))
    report = kind.importer(session, text, replace=replace)
    record(
        session,
        staff_email,
        "import",
        kind.key,
        None,
        f"Imported {filename} ({kind.label.lower()}): {report}",
        {"file": filename, "added": report.created, "updated": report.updated, "removed": report.deleted},
    )
    return report


def run_preview(database_url: str, kind: ImportKind, text: str, replace: bool) -> Preview:
    with Session(get_engine(database_url)) as session:
        return preview_import(session, kind, text, replace=replace)


def run_import(
    database_url: str, kind: ImportKind, text: str, replace: bool, staff_email: str, filename: str
) -> ImportReport:
    with Session(get_engine(database_url)) as session:
        report = apply_import(
            session, kind, text, replace=replace, staff_email=staff_email, filename=filename
        )
        session.commit()
        return report


@dataclass(frozen=True)
class PendingUpload:
    token: str
    staff_id: int
    kind: str
    replace: bool
    filename: str
    text: str


class UploadStore:
    """Uploaded files waiting for "Import these rows", one pair of files per upload."""

    def __init__(self, directory: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.directory = directory
        self.clock = clock

    def _paths(self, token: str) -> tuple[Path, Path]:
        return self.directory / f"{token}.csv", self.directory / f"{token}.json"

    def save(self, staff_id: int, kind: str, replace: bool, filename: str, text: str) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)
        self.sweep()
        token = secrets.token_urlsafe(24)
        data, meta = self._paths(token)
        data.write_text(text, encoding="utf-8")
        meta.write_text(
            json.dumps(
                {
                    "staff_id": staff_id,
                    "kind": kind,
                    "replace": replace,
                    "filename": filename,
                    "at": self.clock(),
                }
            ),
            encoding="utf-8",
        )
        return token

    def load(self, token: str, staff_id: int) -> PendingUpload | None:
        """The upload, if it exists, is this person's, and is less than an hour old."""
        if not _TOKEN.match(token or ""):
            return None
        data, meta = self._paths(token)
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
            text = data.read_text(encoding="utf-8")
        except (OSError, ValueError):
            return None
        if info.get("staff_id") != staff_id or self.clock() - float(info.get("at", 0)) > UPLOAD_HOURS * 3600:
            return None
        return PendingUpload(
            token, staff_id, str(info["kind"]), bool(info["replace"]), str(info["filename"]), text
        )

    def discard(self, token: str) -> None:
        if _TOKEN.match(token or ""):
            for path in self._paths(token):
                path.unlink(missing_ok=True)

    def sweep(self) -> None:
        """Forget uploads older than an hour (nobody confirmed them)."""
        cutoff = self.clock() - UPLOAD_HOURS * 3600
        for meta in self.directory.glob("*.json"):
            try:
                if float(json.loads(meta.read_text(encoding="utf-8")).get("at", 0)) < cutoff:
                    self.discard(meta.stem)
            except (OSError, ValueError):
                continue
