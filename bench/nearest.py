"""Benchmark the nearest-help finder: nearest-3 latency at 1k, 10k and 100k venues, and import speed.

    python bench/nearest.py                        # SQLite, 1k/10k/100k venues, 1,000 queries each
    python bench/nearest.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/nearest.py --sizes 1000 --queries 200   # a quick run

Venues sit at postcodes drawn at random from all of Great Britain (Code-Point Open), so they
cluster like real venues do; half are imported with coordinates, half with a postcode only
(placed offline from the Leeds-area postcodes, as staff imports are). Queries start at random
LS postcodes. Each size is measured three ways, in process:
- `indexed`: `nearest_venues(limit=3, max_km=10 miles)`, the spatial-index search (with the
  next session of each result);
- `find_help`: the whole call the conversation makes (by coordinates), widening included;
- `full scan`: the naive way, every active venue read and measured in Python.
Targets: indexed p95 <= 5 ms at 100k venues; import >= 20,000 rows/s.
"""

from __future__ import annotations

import argparse
import csv
import heapq
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, insert, make_url, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bot.db import migrate  # noqa: E402
from bot.db.models import HelpSession, Network, Recurrence, Venue  # noqa: E402
from bot.db.session import dispose_engines, get_engine  # noqa: E402
from bot.geo.codepoint import available_areas, default_data_dir, load_postcodes, read_area  # noqa: E402
from bot.geo.distance import haversine_km, miles_to_km  # noqa: E402
from bot.venues.nearest import nearest_venues  # noqa: E402
from bot.venues.search import find_help  # noqa: E402

LEEDS_AREAS = ["LS", "BD", "WF", "HX", "HD", "HG", "YO"]
NOW = datetime(2026, 3, 4, 9, tzinfo=UTC)
TEN_MILES_KM = miles_to_km(10)

Point = tuple[str, float, float]


def gb_points(rng: random.Random) -> tuple[list[Point], list[Point]]:
    """(every located GB postcode, the located LS postcodes), read from Code-Point Open."""
    everything: list[Point] = []
    leeds: list[Point] = []
    directory = default_data_dir()
    for area in available_areas(directory):
        for row in read_area(directory, area):
            if row.latitude is None or row.longitude is None:
                continue
            point = (row.postcode, row.latitude, row.longitude)
            everything.append(point)
            if area == "LS":
                leeds.append(point)
    rng.shuffle(everything)
    return everything, leeds


def write_venues_csv(path: Path, size: int, gb: list[Point], local: list[Point], rng: random.Random) -> None:
    """`size` venues: even rows by coordinates anywhere in GB, odd rows by a Leeds-area postcode only."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "address", "postcode", "latitude", "longitude", "step_free", "languages"])
        for number in range(size):
            step_free = "yes" if rng.random() < 0.7 else "no"
            languages = "English | Urdu" if rng.random() < 0.2 else "English"
            if number % 2:
                postcode = local[rng.randrange(len(local))][0]
                writer.writerow([f"Venue {number}", f"{number} High Street", postcode, "", "", step_free, languages])
            else:
                _, lat, lon = gb[number % len(gb)]
                writer.writerow([f"Venue {number}", f"{number} High Street", "", lat, lon, step_free, languages])


def add_sessions(session: Session, rng: random.Random) -> None:
    """One weekly session per venue, in a random network, so next-session lookups do real work."""
    networks = list(Network)
    ids = session.scalars(select(Venue.id)).all()
    rows = [
        {
            "venue_id": venue_id,
            "title": "Drop-in",
            "network": networks[rng.randrange(len(networks))],
            "recurrence": Recurrence.WEEKLY,
            "weekday": rng.randrange(7),
            "start_time": datetime(2026, 1, 1, rng.choice((10, 14))).time(),
        }
        for venue_id in ids
    ]
    for start in range(0, len(rows), 10_000):
        session.execute(insert(HelpSession), rows[start : start + 10_000])


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return p50 * 1000, p95 * 1000


def timed(queries: list[Point], call: Callable[[float, float], object]) -> tuple[float, float]:
    for _, lat, lon in queries[:20]:  # warm the statement cache and the page cache
        call(lat, lon)
    samples = []
    for _, lat, lon in queries:
        started = time.perf_counter()
        call(lat, lon)
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def full_scan(session: Session, lat: float, lon: float) -> list[tuple[float, int]]:
    rows = session.execute(select(Venue.id, Venue.latitude, Venue.longitude).where(Venue.active.is_(True)))
    return heapq.nsmallest(3, ((haversine_km(lat, lon, r.latitude, r.longitude), r.id) for r in rows))


def fresh_database(kind: str, postgres: str | None, workdir: Path, size: int) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        return f"sqlite:///{workdir / f'bench_{size}.db'}", lambda: None
    assert postgres is not None
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        dispose_engines()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    url = make_url(postgres).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), drop


def run(kind: str, postgres: str | None, sizes: list[int], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    print(f"[{kind}] reading Code-Point Open for venue positions...", file=sys.stderr)
    gb, leeds = gb_points(rng)
    queries = [leeds[rng.randrange(len(leeds))] for _ in range(count)]
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for size in sizes:
            url, cleanup = fresh_database(kind, postgres, workdir, size)
            try:
                migrate.upgrade(url)
                engine = get_engine(url)
                with Session(engine) as session:
                    load_postcodes(session, LEEDS_AREAS)
                    session.commit()
                csv_path = workdir / f"venues_{size}.csv"
                write_venues_csv(csv_path, size, gb, leeds, rng)
                from bot.venues.venue_csv import import_venues

                with Session(engine) as session:
                    started = time.perf_counter()
                    import_venues(session, csv_path)
                    session.commit()
                    elapsed = time.perf_counter() - started
                with Session(engine) as session:
                    add_sessions(session, rng)
                    session.commit()
                    if kind == "postgresql":
                        session.execute(text("ANALYZE"))
                        session.commit()
                    assert session.scalar(select(func.count()).select_from(Venue)) == size
                with Session(engine) as session:
                    indexed = timed(
                        queries, lambda lat, lon: nearest_venues(session, lat, lon, limit=3, max_km=TEN_MILES_KM, now=NOW)
                    )
                    helped = timed(queries, lambda lat, lon: find_help(session, lat=lat, lon=lon, now=NOW))
                    scan = timed(queries[: max(50, count // 10)], lambda lat, lon: full_scan(session, lat, lon))
                    _check_same_answers(session, queries[:50])
                rate = size / elapsed
                line = (
                    f"| {kind} | {size:,} | {indexed[0]:.2f} | {indexed[1]:.2f} | {helped[0]:.2f} | {helped[1]:.2f} "
                    f"| {scan[0]:.1f} | {scan[1]:.1f} | {rate:,.0f} |"
                )
                print(line, flush=True)
                lines.append(line)
            finally:
                dispose_engines()
                migrate.forget(url)
                cleanup()
    return lines


def _check_same_answers(session: Session, queries: list[Point]) -> None:
    """The indexed search and the full scan must agree (within 10 miles)."""
    for _, lat, lon in queries:
        fast = [n.venue_id for n in nearest_venues(session, lat, lon, limit=3, max_km=TEN_MILES_KM, now=NOW)]
        slow = [venue_id for distance, venue_id in full_scan(session, lat, lon) if distance <= TEN_MILES_KM]
        assert fast == slow, (lat, lon, fast, slow)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="venue counts, comma separated")
    parser.add_argument("--queries", type=int, default=1000, help="queries per size")
    parser.add_argument("--postgres", help="also run on this PostgreSQL URL (a scratch schema is used)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"Python {platform.python_version()} on {platform.platform()}, {platform.processor() or 'cpu'}")
    print(
        "| backend | venues | indexed p50 ms | indexed p95 ms | find_help p50 ms | find_help p95 ms "
        "| full scan p50 ms | full scan p95 ms | import rows/s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    run("sqlite", None, sizes, args.queries, args.seed)
    if args.postgres:
        run("postgresql", args.postgres, sizes, args.queries, args.seed)


if __name__ == "__main__":
    main()
