"""Tests of the `trials` command group and of loading the bundled snapshot on first run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.trials.cli import load_bundled_snapshot_if_empty, register
from bot.trials.models import Trial


def parser(with_database_url: bool = False) -> argparse.ArgumentParser:
    """A parent command line as the application builds one, with the trials group added."""
    parent = argparse.ArgumentParser(prog="trialbot")
    if with_database_url:
        parent.add_argument("--database-url")
    register(parent.add_subparsers(dest="command", required=True))
    return parent


@pytest.fixture
def url(empty_engine: Engine) -> str:
    return str(empty_engine.url)


def stored(engine: Engine) -> set[str]:
    with Session(engine, future=True) as session:
        return set(session.scalars(select(Trial.nct_id)))


@pytest.fixture
def records_file(tmp_path: Path, snapshot_records) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "studies.json"
    path.write_text(json.dumps(snapshot_records[:4]))
    return path


def test_import(url: str, empty_engine: Engine, records_file: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    args = parser().parse_args(["trials", "--database-url", url, "import", str(records_file)])

    assert args.func(args) == 0
    assert len(stored(empty_engine)) == 4
    assert "4 inserted, 0 updated, 0 unchanged, 0 skipped" in capsys.readouterr().out


def test_the_database_url_may_come_from_the_parent_or_the_settings(
    url: str, empty_engine: Engine, records_file: Path
) -> None:
    args = parser(with_database_url=True).parse_args(["--database-url", url, "trials", "import", str(records_file)])
    assert args.database_url == url
    assert args.func(args) == 0

    args = parser().parse_args(["trials", "import", str(records_file)])
    args.settings = SimpleNamespace(database_url=url.replace("sqlite://", "sqlite+aiosqlite://"))
    assert args.func(args) == 0
    assert len(stored(empty_engine)) == 4


def test_import_of_a_missing_file_fails_cleanly(url: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    args = parser().parse_args(["trials", "--database-url", url, "import", str(tmp_path / "nope.json")])
    assert args.func(args) == 1
    assert "nope.json" in capsys.readouterr().err


def test_fetch(url: str, empty_engine: Engine, registry, capsys) -> None:  # type: ignore[no-untyped-def]
    argv = ["trials", "--database-url", url, "fetch", "--condition", "breast cancer"]
    args = parser().parse_args([*argv, "--max-pages", "2", "--base-url", registry.url])

    assert args.func(args) == 0
    assert len(stored(empty_engine)) == 5
    assert registry.requests[0]["query.cond"] == "breast cancer"
    out = capsys.readouterr().out
    assert "2 pages: 5 inserted" in out and "page-3" in out


def test_fetch_reports_a_refusal(url: str, registry, capsys) -> None:  # type: ignore[no-untyped-def]
    registry.fail(400)
    args = parser().parse_args(
        ["trials", "--database-url", url, "fetch", "--condition", "x", "--base-url", registry.url]
    )
    assert args.func(args) == 1
    assert "HTTP 400" in capsys.readouterr().err


def test_the_subcommand_is_required() -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["trials"])


def test_the_bundled_snapshot_is_loaded_only_into_an_empty_database(snapshot_db, snapshot_session) -> None:  # type: ignore[no-untyped-def]
    assert snapshot_db.loaded == 489  # the session fixture loaded it into an empty database
    assert load_bundled_snapshot_if_empty(snapshot_session) == 0
