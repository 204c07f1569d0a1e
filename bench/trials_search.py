"""Benchmark of trial search latency over the bundled snapshot and a generated 100,000-trial copy.

Usage: python bench/trials_search.py OUTPUT.json [--trials 100000] [--repeats 20]

Builds both databases as temporary SQLite files, runs a fixed mix of searches (condition, age,
location, filters) and writes p50/p95/max in milliseconds per database as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.store.models import Base  # noqa: E402
from bot.trials.cli import SNAPSHOT_PATH  # noqa: E402
from bot.trials.geo import Geocoder  # noqa: E402
from bot.trials.importer import TrialImporter  # noqa: E402
from bot.trials.search import SearchQuery, TrialSearch  # noqa: E402

# (condition, place, age, extra filters): what people ask, with and without a location.
SEARCHES: list[tuple[str | None, str | None, float | None, dict]] = [
    ("breast cancer", "Boston, MA", 45, {}),
    ("TNBC", "10001", 38, {}),
    ("NSCLC", "Houston, TX", 62, {"phases": ("3",)}),
    ("lung cancer", "Los Angeles, CA", 70, {}),
    ("prostate cancer", "60637", 68, {"sex": "male"}),
    ("leukemia", "Seattle, WA", 19, {}),
    ("AML", "Toronto", 34, {}),
    ("blood cancer", "Chicago", 27, {}),
    ("brain tumor", "Paris, France", 16, {}),
    ("colon cancer", "London, UK", 55, {}),
    ("melanoma", "San Francisco, CA", 48, {}),
    ("cancer", "New York, NY", 30, {}),
    ("brest cancer", None, 50, {"sex": "female"}),
    ("lymphoma", None, 25, {}),
    ("GBM", None, 45, {"phases": ("2",)}),
    (None, "02115", 40, {}),
    ("sarcoma", "Madrid, Spain", 21, {"radius_miles": 250}),
    ("hodgkins", "Philadelphia, PA", 22, {}),
    ("pancreatic cancer", "Rochester, MN", 66, {}),
    ("ovarian cancer", "Tokyo, Japan", 52, {"sex": "female"}),
]


def build_queries(geocoder: Geocoder) -> list[SearchQuery]:
    """The benchmark's searches, with their places geocoded."""
    queries = []
    for condition, place, age, extra in SEARCHES:
        point = geocoder.locate(place) if place else None
        queries.append(
            SearchQuery(
                condition=condition,
                age=age,
                latitude=point.latitude if point else None,
                longitude=point.longitude if point else None,
                **extra,
            )
        )
    return queries


def import_snapshot(path: Path) -> float:
    """Create the schema in a new SQLite file and import the snapshot; seconds taken."""
    engine = create_engine(f"sqlite:///{path}", future=True)
    Base.metadata.create_all(engine)
    started = time.perf_counter()
    with Session(engine, future=True) as session:
        TrialImporter(session).import_path(SNAPSHOT_PATH)
        session.commit()
    engine.dispose()
    return time.perf_counter() - started


def scale_up(path: Path, trials: int, sites_per_trial: int, seed: int = 7) -> dict[str, int]:
    """Grow an imported snapshot into `trials` trials: copies with new NCT ids, a random subset of
    the original's sites jittered by up to ~20 miles, and shifted update dates."""
    rng = random.Random(seed)
    db = sqlite3.connect(path)
    columns = "brief_title, official_title, brief_summary, lead_sponsor, overall_status, phases, "
    columns += "study_type, start_date, completion_date, last_update_date, source_updated_at, "
    columns += "content_hash, imported_at, changed_at, refreshed_at"
    originals = db.execute(f"SELECT id, {columns} FROM trials ORDER BY id").fetchall()
    eligibility = {
        row[0]: row[1:]
        for row in db.execute(
            "SELECT trial_id, minimum_age_years, maximum_age_years, sex, healthy_volunteers " "FROM trial_eligibility"
        )
    }
    conditions: dict[int, list[tuple[int, str]]] = {}
    for trial_id, term_id, kind in db.execute("SELECT trial_id, term_id, kind FROM trial_conditions"):
        conditions.setdefault(trial_id, []).append((term_id, kind))
    sites: dict[int, list[tuple]] = {}
    for row in db.execute(
        "SELECT trial_id, site_key, facility, city, state, zip, country, status, latitude, "
        "longitude FROM trial_sites WHERE latitude IS NOT NULL"
    ):
        sites.setdefault(row[0], []).append(row[1:])
    next_id = db.execute("SELECT max(id) FROM trials").fetchone()[0] + 1
    made = {"trials": len(originals), "sites": 0, "conditions": 0}
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA journal_mode = MEMORY")
    while made["trials"] < trials:
        batch_trials, batch_elig, batch_cond, batch_sites = [], [], [], []
        for original in originals:
            if made["trials"] >= trials:
                break
            old_id, values = original[0], list(original[1:])
            updated = values[9]
            if updated:
                shifted = date.fromisoformat(updated) - timedelta(days=rng.randint(0, 400))
                values[9] = shifted.isoformat()
            nct = f"NCT9{next_id:07d}"
            batch_trials.append((next_id, nct, *values))
            minimum, maximum, sex, volunteers = eligibility[old_id]
            batch_elig.append((next_id, minimum, maximum, sex, volunteers))
            batch_cond += [(next_id, term, kind) for term, kind in conditions.get(old_id, [])]
            chosen = sites.get(old_id, [])
            if len(chosen) > sites_per_trial:
                chosen = rng.sample(chosen, sites_per_trial)
            for site in chosen:
                lat = max(-89.9, min(89.9, site[7] + rng.uniform(-0.3, 0.3)))
                lon = ((site[8] + rng.uniform(-0.3, 0.3) + 180.0) % 360.0) - 180.0
                batch_sites.append((next_id, *site[:7], lat, lon))
            next_id += 1
            made["trials"] += 1
        db.executemany(
            f"INSERT INTO trials (id, nct_id, {columns}) VALUES ({', '.join('?' * 17)})",
            batch_trials,
        )
        db.executemany(
            "INSERT INTO trial_eligibility (trial_id, minimum_age_years, maximum_age_years, sex, "
            "healthy_volunteers) VALUES (?, ?, ?, ?, ?)",
            batch_elig,
        )
        db.executemany("INSERT INTO trial_conditions (trial_id, term_id, kind) VALUES (?, ?, ?)", batch_cond)
        db.executemany(
            "INSERT INTO trial_sites (trial_id, site_key, facility, city, state, zip, country, "
            "status, latitude, longitude) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch_sites,
        )
        made["sites"] += len(batch_sites)
        made["conditions"] += len(batch_cond)
        db.commit()
    db.execute("ANALYZE")
    db.commit()
    made["sites"] = db.execute("SELECT count(*) FROM trial_sites").fetchone()[0]
    db.close()
    return made


def _label(index: int) -> str:
    condition, place, _, _ = SEARCHES[index]
    return f"{condition or '(any condition)'} @ {place or '(anywhere)'}"


def measure(path: Path, queries: list[SearchQuery], repeats: int) -> dict[str, object]:
    """Run every query `repeats` times (after one warm-up round); latency figures in ms."""
    engine = create_engine(f"sqlite:///{path}", future=True)
    timings: list[float] = []
    per_query: dict[str, list[float]] = {}
    with Session(engine, future=True) as session:
        search = TrialSearch(session)
        started = time.perf_counter()
        search.conditions  # noqa: B018 - loads the vocabulary once, as the app does at start-up
        load_ms = (time.perf_counter() - started) * 1000
        for query in queries:
            search.search(query)
        for _ in range(repeats):
            for index, query in enumerate(queries):
                started = time.perf_counter()
                search.search(query)
                elapsed = (time.perf_counter() - started) * 1000
                timings.append(elapsed)
                per_query.setdefault(_label(index), []).append(elapsed)
    engine.dispose()
    timings.sort()
    medians = sorted(((statistics.median(t), label) for label, t in per_query.items()), reverse=True)
    return {
        "searches": len(timings),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
        "max_ms": round(timings[-1], 2),
        "vocabulary_load_ms": round(load_ms, 1),
        "slowest_median_ms": {label: round(ms, 1) for ms, label in medians[:3]},
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="where to write the figures (JSON)")
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--sites-per-trial", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    queries = build_queries(Geocoder())
    figures: dict[str, object] = {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "queries": len(queries),
    }
    with tempfile.TemporaryDirectory() as tmp:
        snapshot_db = Path(tmp) / "snapshot.db"
        import_seconds = import_snapshot(snapshot_db)
        figures["snapshot"] = {"import_s": round(import_seconds, 2)} | measure(snapshot_db, queries, args.repeats)
        print("snapshot", figures["snapshot"], flush=True)
        scaled_db = Path(tmp) / "scaled.db"
        import_snapshot(scaled_db)
        started = time.perf_counter()
        counts = scale_up(scaled_db, args.trials, args.sites_per_trial)
        figures["scaled"] = (
            counts
            | {"build_s": round(time.perf_counter() - started, 1)}
            | measure(scaled_db, queries, max(3, args.repeats // 4))
        )
        print("scaled", figures["scaled"], flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
