"""Missed questions attached to a FAQ topic become training examples at the next FAQ build; marked ones are listed
for a new topic; the rules keep the catalog valid."""

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.faq.attached_questions import MissedFolder
from bot.faq.catalog import FAQ_DIR, CatalogError, load_catalog
from bot.faq.training_data import RETRIEVAL_INTENT, build
from bot.insights.attach import Attacher, AttachError
from bot.yaml_files import read_yaml

NOW = datetime(2025, 3, 12, 15, 30, tzinfo=timezone.utc)


@pytest.fixture
def faq_root(tmp_path: Path) -> Path:
    """A copy of the curated topics with an empty missed/ folder next to them."""
    shutil.copytree(FAQ_DIR, tmp_path / "faq" / "topics")
    return tmp_path / "faq"


def _examples(generated: Path, topic_id: str) -> list:
    data = read_yaml(generated)
    [entry] = [e for e in data["nlu"] if e["intent"] == f"{RETRIEVAL_INTENT}/{topic_id}"]
    return [line[2:] for line in entry["examples"].splitlines()]


def test_an_attached_question_is_in_the_training_data_the_build_writes(faq_root: Path, tmp_path: Path) -> None:
    folder = MissedFolder(faq_root / "missed")
    attacher = Attacher(folder, faq_root / "topics")
    before = _examples_after_build(faq_root, tmp_path / "before.yml", "travel_lodging_help")

    topic = attacher.attach(41, "travel_lodging_help", "  does the study [pay] for\nparking ", 7, NOW)

    assert topic.id == "travel_lodging_help"
    after = _examples_after_build(faq_root, tmp_path / "after.yml", "travel_lodging_help")
    assert "does the study (pay) for parking" in after and "does the study (pay) for parking" not in before
    curated = load_catalog(faq_root / "topics", faq_root / "missed").get("travel_lodging_help")
    assert after[: len(curated.examples) + 1] == [
        *curated.examples,
        "does the study (pay) for parking",
    ], "attached examples come right after the curated ones"
    saved = read_yaml(faq_root / "missed" / "travel_lodging_help.yml")
    assert saved == {
        "topic": "travel_lodging_help",
        "examples": [
            {
                "text": "does the study (pay) for parking",
                "message_id": 41,
                "coordinator_id": 7,
                "at": "2025-03-12T15:30:00+00:00",
            },
        ],
    }
    assert folder.handled_message_ids() == {41}


def _examples_after_build(faq_root: Path, out: Path, topic_id: str) -> list:
    catalog, changed = build(faq_root / "topics", faq_root / "missed", out)
    assert changed and len(catalog) >= 45
    return _examples(out, topic_id)


def test_attaching_refuses_unknown_topics_known_examples_empty_text_and_a_second_time(faq_root: Path) -> None:
    attacher = Attacher(MissedFolder(faq_root / "missed"), faq_root / "topics")
    with pytest.raises(AttachError, match="choose one of the FAQ topics"):
        attacher.attach(1, "no_such_topic", "is there parking", 7, NOW)
    with pytest.raises(AttachError, match="already an example of “Do I have to pay\\?”"):
        attacher.attach(1, "placebo", "Do I have to pay to be in a trial", 7, NOW)
    with pytest.raises(AttachError, match="empty"):
        attacher.attach(1, "placebo", " \n ", 7, NOW)
    attacher.attach(1, "placebo", "will i get a fake pill", 7, NOW)
    with pytest.raises(AttachError, match="already attached"):
        attacher.attach(1, "travel_lodging_help", "anything else", 7, NOW)
    with pytest.raises(AttachError, match="already an example of “What is a placebo"):
        attacher.attach(2, "myth_placebo_instead", "Will I get a FAKE pill", 7, NOW)
    with pytest.raises(AttachError, match="already attached"):
        attacher.mark_new_topic(1, "will i get a fake pill", "", 7, NOW)
    with pytest.raises(AttachError, match="empty"):
        attacher.attach(3, "placebo", "\x00\u200b\x1b", 7, NOW)
    attacher.attach(3, "placebo", "sugar\x00pill\u200b?", 7, NOW)
    assert load_catalog(faq_root / "topics", faq_root / "missed").get("placebo").attached == (
        "will i get a fake pill",
        "sugar pill ?",
    ), "control and invisible characters never reach the training data"


def test_a_question_marked_for_a_new_topic_is_listed_and_not_trained(faq_root: Path, tmp_path: Path) -> None:
    folder = MissedFolder(faq_root / "missed")
    Attacher(folder, faq_root / "topics").mark_new_topic(9, "is there parking at the hospital", "  parking\n", 3, NOW)

    [entry] = folder.new_topics()
    assert (entry.text, entry.note, entry.message_id, entry.coordinator_id) == (
        "is there parking at the hospital",
        "parking",
        9,
        3,
    )
    assert folder.handled_message_ids() == {9}
    build(faq_root / "topics", faq_root / "missed", tmp_path / "faq.yml")
    assert "is there parking at the hospital" not in (tmp_path / "faq.yml").read_text(encoding="utf-8")


def test_broken_missed_files_fail_the_build_with_their_name(faq_root: Path) -> None:
    missed = faq_root / "missed"
    missed.mkdir()
    (missed / "gone_topic.yml").write_text(
        "topic: gone_topic\nexamples:\n  - {text: hi there, message_id: 1, " "coordinator_id: 1, at: x}\n"
    )
    with pytest.raises(CatalogError, match="gone_topic.yml: there is no FAQ topic"):
        load_catalog(faq_root / "topics", missed)
    (missed / "gone_topic.yml").unlink()
    (missed / "placebo.yml").write_text("examples:\n  - {text: who pays}\n")
    with pytest.raises(CatalogError, match="placebo.yml: malformed"):
        load_catalog(faq_root / "topics", missed)
    (missed / "placebo.yml").write_text(
        "examples:\n  - {text: do i have to pay to be in a trial, message_id: 1, " "coordinator_id: 1, at: x}\n"
    )
    with pytest.raises(CatalogError, match="is an example of routine_vs_research_costs"):
        load_catalog(faq_root / "topics", missed)


def test_the_build_reads_faq_missed_next_to_the_topics_by_default(faq_root: Path) -> None:
    Attacher(MissedFolder(faq_root / "missed"), faq_root / "topics").attach(5, "placebo", "fake pill?", 7, NOW)
    assert load_catalog(faq_root / "topics").get("placebo").attached == ("fake pill?",)
    assert load_catalog() == load_catalog(FAQ_DIR, FAQ_DIR.parent / "missed")
