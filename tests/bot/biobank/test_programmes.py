"""The curated programmes file: every fact sourced and dated, readable, and the facts the issue names."""

import datetime as dt
from pathlib import Path

import pytest
import textstat
import yaml

from bot.biobank.programmes import PROGRAMMES_PATH, ProgrammeError, load_programmes
from bot.yaml_files import parse_yaml

PROGRAMMES = load_programmes()
FACTS = list(PROGRAMMES.all_facts())


def test_every_fact_has_an_https_government_source_and_a_review_date() -> None:
    raw = parse_yaml(PROGRAMMES_PATH.read_text())
    written = [*raw["facts"].values()]
    for programme in raw["programmes"]:
        written += [*programme.get("facts", {}).values(), *programme.get("criteria", [])]
    assert len(FACTS) == len(written) >= 20
    for entry in written:  # straight from the file, so nothing the loader fills in can hide a gap
        assert str(entry["source"]).startswith("https://"), entry
        assert isinstance(entry["reviewed"], dt.date), entry
    for fact in FACTS:
        host = fact.source.split("/")[2]
        assert host.endswith(".gov"), fact.source
        assert fact.reviewed == dt.date(2026, 11, 21)


@pytest.mark.parametrize("fact", FACTS, ids=lambda f: f.text[:40])
def test_each_fact_reads_at_grade_10_or_below(fact) -> None:  # type: ignore[no-untyped-def]
    assert textstat.flesch_kincaid_grade(fact.text) <= 10


def test_facts_read_at_grade_8_on_average() -> None:
    grades = [textstat.flesch_kincaid_grade(f.text) for f in FACTS]
    assert sum(grades) / len(grades) <= 8


def test_the_moonshot_biobank_has_the_facts_the_issue_names() -> None:
    moonshot = PROGRAMMES.get("moonshot")
    assert moonshot.nct_id == "NCT04314401"
    text = {topic: moonshot.fact(topic).text.lower() for topic in moonshot.facts}
    assert "tumor tissue" in text["collected"] and "already having" in text["collected"]
    assert "blood" in text["collected"] and "over time" in text["collected"]
    assert "costs nothing" in text["cost"]
    assert "researchers" in text["sharing"] and "name taken off" in text["sharing"]
    assert "you and your doctor" in text["results"]
    assert "only the study team can decide" in text["team_decides"]
    assert {c.check for c in moonshot.criteria} >= {"age", "cancer"}
    assert moonshot.min_age == 13 and len(moonshot.cancers) == 9


def test_donating_through_ones_own_hospital_is_explained() -> None:
    hospital = PROGRAMMES.get("hospital")
    assert "ask your surgeon or care team" in hospital.fact("how_to_join").text.lower()
    assert "your choice" in hospital.fact("choice").text.lower()


@pytest.mark.parametrize(
    ("condition", "expected", "sure"),
    [
        ("breast cancer", ["breast cancer"], True),
        ("TNBC", ["breast cancer"], True),
        ("nsclc", ["lung cancer (non-small cell or small cell)"], True),
        ("stage 4 colon cancer", ["colorectal cancer"], True),
        ("AML", ["acute myeloid leukemia (AML)"], True),
        ("bowel cancer", ["colorectal cancer"], True),
        ("blood cancer", ["multiple myeloma"], False),  # a broader term: "may fit", never "is on the list"
        ("hodgkin lymphoma", [], False),
        ("leukemia", [], False),  # not every leukemia: only AML is on the list
    ],
)
def test_a_cancer_type_is_held_against_the_list(condition, expected, sure) -> None:  # type: ignore[no-untyped-def]
    check = PROGRAMMES.get("moonshot").check(condition, None)
    assert [c.name for c in check.matches] == expected
    assert check.sure is sure


def test_age_is_held_against_the_lower_limit() -> None:
    moonshot = PROGRAMMES.get("moonshot")
    assert moonshot.check(None, 13).age_fits is True
    assert moonshot.check(None, 12).age_fits is False
    assert moonshot.check(None, None).age_fits is None


def _write(path: Path, fact: dict) -> Path:
    path.write_text(
        yaml.safe_dump({"programmes": [{"id": "p", "name": "P", "url": "https://www.cancer.gov/p", "facts": fact}]})
    )
    return path


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"about": {"text": "A fact.", "reviewed": "2026-11-21"}}, "https"),
        ({"about": {"text": "A fact.", "source": "http://example.com", "reviewed": "2026-11-21"}}, "https"),
        ({"about": {"text": "A fact.", "source": "https://www.cancer.gov/x"}}, "reviewed"),
        ({"about": {"text": "A fact.", "source": "https://www.cancer.gov/x", "reviewed": "soon"}}, "reviewed"),
        ({"about": {"source": "https://www.cancer.gov/x", "reviewed": "2026-11-21"}}, "no text"),
        ({"gossip": {"text": "A fact.", "source": "https://www.cancer.gov/x", "reviewed": "2026-11-21"}}, "topic"),
    ],
)
def test_a_fact_without_source_or_date_is_refused(tmp_path: Path, facts, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ProgrammeError, match=message):
        load_programmes(_write(tmp_path / "p.yml", facts))
