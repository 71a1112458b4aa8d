"""What every CSV import shares: reading the file, checking the header, the rows and repeats,
failing with every row's problems, and working out what to add, update and remove.

Imports are all or nothing: every row is checked first, and any error stops the import before
anything is written, with each problem named by its row number (the header is row 1), so
staff can fix the spreadsheet and run it again. Each importer (venues, sessions, champions)
says only how to read one row, what makes two rows the same, and how to write.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Protocol, TextIO, TypeVar

from bot.spreadsheet import safe_cell, unsafe_cell

T = TypeVar("T")


class KeyedRow(Protocol):
    """A checked row: its number in the file, and what makes two rows the same listing."""

    @property
    def row(self) -> int: ...

    @property
    def key(self) -> Hashable: ...


R = TypeVar("R", bound=KeyedRow)


@dataclass(frozen=True)
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


class ImportFailed(Exception):
    """Nothing was imported; `errors` says why, row by row."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(error) for error in self.errors[:5]))


@dataclass(frozen=True)
class ImportReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def rows(self) -> int:
        return self.created + self.updated

    def __str__(self) -> str:
        return f"{self.created} added, {self.updated} updated, {self.deleted} removed"


# A file path, the CSV text itself (tests, an admin upload), or an open text file.
Source = Path | str | TextIO


def _open(source: Source) -> TextIO:
    if isinstance(source, Path):
        # utf-8-sig: Excel's "CSV UTF-8" starts with a byte-order mark.
        return source.open(newline="", encoding="utf-8-sig")
    if isinstance(source, str):
        return io.StringIO(source, newline="")
    return source


Rows = Iterator[tuple[int, dict[str, str]]]


def read_table(source: Source, *, required: Sequence[str], known: Sequence[str]) -> tuple[list[str], Rows]:
    """The header's columns, and (row number, row) for each data row, blank rows skipped.

    Column names are matched without regard to case or surrounding spaces; a missing required
    column or an unknown one (a typo such as "step free" would otherwise be ignored without a
    word) is an ImportFailed for row 1, raised at once.
    """
    handle = _open(source)
    owned = handle is not source
    try:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except csv.Error as error:
            raise ImportFailed([RowError(1, f"the file can't be read as CSV ({error})")]) from None
        if header is None:
            raise ImportFailed([RowError(1, "the file is empty")])
        columns = [name.strip().lower() for name in header]
        errors = [RowError(1, f"missing column '{name}'") for name in required if name not in columns]
        errors += [RowError(1, f"unknown column '{name}'") for name in columns if name and name not in known]
        if errors:
            raise ImportFailed(errors)
    except BaseException:
        if owned:
            handle.close()
        raise

    def rows() -> Rows:
        number = 1
        try:
            for number, values in enumerate(reader, start=2):
                if any("\x00" in value for value in values):
                    # Python reads it, but no database column can hold it (PostgreSQL refuses).
                    raise ImportFailed(
                        [RowError(number, "this row has a NUL character: save the file again")]
                    )
                if any(value.strip() for value in values):
                    yield (
                        number,
                        {
                            name: unsafe_cell(value)
                            for name, value in zip(columns, values, strict=False)
                            if name
                        },
                    )
        except csv.Error as error:
            # A stray quote or a NUL byte: the row after the last good one can't be read.
            raise ImportFailed([RowError(number + 1, f"this row can't be read as CSV ({error})")]) from None
        finally:
            if owned:
                handle.close()

    return [name for name in columns if name], rows()


def read_rows(source: Source, *, required: Sequence[str], known: Sequence[str]) -> Rows:
    """(row number, row) for each data row (see `read_table`)."""
    return read_table(source, required=required, known=known)[1]


class RowChecker:
    """Collects the errors of one row: `check(parse, ...)` returns the value or None and notes why."""

    def __init__(self, row: int, errors: list[RowError]) -> None:
        self.row = row
        self.errors = errors
        self.failed = False

    def check(self, parse: Callable[..., T], *args: object, **kwargs: object) -> T | None:
        try:
            return parse(*args, **kwargs)
        except ValueError as error:
            self.fail(str(error))
            return None

    def fail(self, message: str) -> None:
        self.failed = True
        self.errors.append(RowError(self.row, message))


def checked_rows(
    table: Rows, parse: Callable[[int, dict[str, str]], R | None], errors: list[RowError], same: str = ""
) -> list[R]:
    """Every row `parse` accepts (it adds the problems of the others to `errors`), and a problem
    for each row that repeats an earlier one's key (`same` says what matched, for staff)."""
    rows: list[R] = []
    seen: dict[Hashable, int] = {}
    for number, raw in table:
        parsed = parse(number, raw)
        if parsed is None:
            continue
        first = seen.setdefault(parsed.key, number)
        if first != number:
            errors.append(RowError(number, f"repeats row {first}" + (f" ({same})" if same else "")))
            continue
        rows.append(parsed)
    return rows


def fail_on(errors: Sequence[RowError]) -> None:
    """Stop the import, naming every problem in row order, if there are any."""
    if errors:
        raise ImportFailed(sorted(errors, key=lambda error: error.row))


@dataclass
class Changes(Generic[R]):
    """What an import does: rows to add, rows to update (with the id they update), ids to remove."""

    new: list[R] = field(default_factory=list)
    changed: list[tuple[R, int]] = field(default_factory=list)
    gone: list[int] = field(default_factory=list)

    def report(self) -> ImportReport:
        return ImportReport(created=len(self.new), updated=len(self.changed), deleted=len(self.gone))


def changes(rows: Iterable[R], existing: Mapping[Hashable, int], *, replace: bool) -> Changes[R]:
    """Match rows to what is stored (`existing`: key -> id); with `replace`, the rest goes."""
    plan: Changes[R] = Changes()
    keep: set[Hashable] = set()
    for row in rows:
        keep.add(row.key)
        id_ = existing.get(row.key)
        if id_ is None:
            plan.new.append(row)
        else:
            plan.changed.append((row, id_))
    if replace:
        plan.gone = [id_ for key, id_ in existing.items() if key not in keep]
    return plan


def write_rows(target: TextIO, columns: Sequence[str], rows: Iterator[dict[str, object]]) -> int:
    """The rows as CSV, every text made safe to open in a spreadsheet (bot.spreadsheet)."""
    writer = csv.DictWriter(target, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({name: safe_cell(value) for name, value in row.items()})
        count += 1
    return count
