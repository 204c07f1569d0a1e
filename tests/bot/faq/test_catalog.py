"""Quality gates on the curated FAQ content itself."""

from pathlib import Path

import pytest
import textstat
import yaml

from bot.faq.catalog import MAX_ANSWER_WORDS, CatalogError, load_catalog

REQUIRED_TOPICS = {
    # basics
    "what_is_a_trial",
    "why_trials_matter",
    "trial_phases",
    "randomization",
    "placebo",
    "blinding",
    "standard_of_care",
    "trial_length_visits",
    # joining
    "eligibility_criteria",
    "who_can_join",
    "informed_consent",
    "assent_minors",
    "questions_to_ask",
    "find_a_trial",
    # safety and rights
    "benefits",
    "risks_side_effects",
    "protections",
    "leaving_a_trial",
    "keep_my_doctor",
    "data_privacy",
    "after_the_trial",
    "trial_results",
    # costs
    "routine_vs_research_costs",
    "insurance_coverage",
    "medicare",
    "medicaid",
    "va_benefits",
    "tricare",
    "travel_lodging_help",
    # biobank and profiling
    "what_is_a_biobank",
    "biobank_samples_use",
    "biobank_cost",
    "withdraw_samples",
    "biobank_results",
    "moonshot_biobank",
    "tumor_profiling",
    "rare_cancers",
    # AYA
    "school_and_work",
    "fertility",
    "talking_with_parents",
    "young_adult_insurance",
    # social media
    "keep_health_private",
    "posting_unblinds_trial",
    "spot_misinformation",
    # myths
    "myth_guinea_pigs",
    "myth_last_resort",
    "myth_guaranteed_cure",
    "myth_placebo_instead",
}

CATALOG = load_catalog()


def test_at_least_45_topics_covering_every_required_subject() -> None:
    assert len(CATALOG) >= 45
    assert {t.id for t in CATALOG} >= REQUIRED_TOPICS


@pytest.mark.parametrize("topic", CATALOG.topics, ids=lambda t: t.id)
def test_every_answer_is_sourced_dated_short_and_readable(topic) -> None:  # type: ignore[no-untyped-def]
    assert topic.source.startswith("https://")
    assert topic.source_name.endswith((".gov", ".mil", ".org")), topic.source
    assert topic.reviewed.year >= 2025
    assert len(topic.answer.split()) <= MAX_ANSWER_WORDS
    assert len(set(topic.examples)) >= 12
    assert textstat.flesch_kincaid_grade(topic.answer) <= 10


def test_average_reading_grade_is_at_most_8() -> None:
    grades = [textstat.flesch_kincaid_grade(t.answer) for t in CATALOG]
    assert sum(grades) / len(grades) <= 8


def test_facts_the_issue_names_are_in_the_answers() -> None:
    moonshot = CATALOG.get("moonshot_biobank").answer
    assert "NCT04314401" in moonshot and "free" in moonshot and "biomarker results" in moonshot
    for topic_id in ("placebo", "myth_placebo_instead"):
        answer = CATALOG.get(topic_id).answer.lower()
        assert "rare" in answer and "standard" in answer, topic_id
    find = CATALOG.get("find_a_trial").answer.lower()
    assert "cancer type" in find and "where you live" in find, "find_a_trial offers to start the search"


def _write(directory: Path, topics: list) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "x.yml").write_text(yaml.safe_dump({"topics": topics}))


def _topic(**overrides):  # type: ignore[no-untyped-def]
    topic = {
        "id": "sample_topic",
        "title": "Sample",
        "answer": "A short answer.",
        "source": "https://www.cancer.gov/x",
        "reviewed": "2026-11-21",
        "examples": [f"question number {i}" for i in range(12)],
    }
    topic.update(overrides)
    return topic


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"source": "http://example.com"}, "https"),
        ({"answer": "word " * 91}, "90 words"),
        ({"examples": ["one", "two"]}, "at least 12"),
        ({"id": "Bad-Id"}, "snake_case"),
        ({"reviewed": "last year"}, "malformed"),
        ({"follow_ups": ["nowhere"]}, "unknown follow-up"),
        ({"examples": [f"[entity](x) {i}" for i in range(12)]}, "entity syntax"),
    ],
)
def test_broken_entries_are_refused_with_a_reason(tmp_path: Path, overrides, message) -> None:  # type: ignore[no-untyped-def]
    _write(tmp_path, [_topic(**overrides)])
    with pytest.raises(CatalogError, match=message):
        load_catalog(tmp_path)


def test_duplicate_ids_and_shared_examples_are_refused(tmp_path: Path) -> None:
    _write(tmp_path / "a", [_topic(), _topic()])
    with pytest.raises(CatalogError, match="duplicate"):
        load_catalog(tmp_path / "a")
    _write(tmp_path / "b", [_topic(), _topic(id="other_topic")])
    with pytest.raises(CatalogError, match="in both"):
        load_catalog(tmp_path / "b")
