"""The generated Rasa data is current, valid for Rasa, and the held-out set stays separate."""

import subprocess
import sys

import pytest
import yaml

from bot.faq.catalog import load_catalog
from bot.faq.evaluate import DEFAULT_HELDOUT, load_heldout, predicted_topic
from bot.faq.training_data import is_stale, render, response_text, training_examples
from bot.store.db import PROJECT_ROOT

CATALOG = load_catalog()


def test_generated_training_data_is_current() -> None:
    assert not is_stale(CATALOG), "faq/ changed: run `make faq` and commit data/nlu/faq.yml"


def test_generated_file_holds_every_topic_with_source_and_follow_ups() -> None:
    data = yaml.safe_load(render(CATALOG))
    intents = {item["intent"]: item["examples"] for item in data["nlu"]}
    for topic in CATALOG:
        generated = [line[2:] for line in intents[f"faq/{topic.id}"].splitlines()]
        assert generated == training_examples(topic)
        assert generated[: len(topic.examples)] == list(topic.examples)
        assert topic.title in generated
        [response] = data["responses"][f"utter_faq/{topic.id}"]
        assert response["text"] == response_text(topic)
        assert response["text"].endswith(f"Source: {topic.source}")
        titles = [b["title"] for b in response.get("buttons", [])]
        assert titles == [t for t, _ in topic.actions] + [CATALOG.get(f).title for f in topic.follow_ups]


@pytest.mark.slow  # Rasa's validator in a subprocess (as `make validate`)
def test_rasa_data_validate_is_clean() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "data",
            "validate",
            "--domain",
            "domain.yml",
            "--data",
            "data/nlu",
            "data/stories",
            "data/rules",
            "--fail-on-warnings",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if ("UserWarning" in line or "ERROR" in line) and "duplicated intents" not in line
    ]
    assert problems == []


def test_heldout_set_is_separate_and_covers_every_topic() -> None:
    heldout = load_heldout(DEFAULT_HELDOUT)
    assert set(heldout) == {t.id for t in CATALOG}
    trained = {e.lower().strip(" ?!.") for t in CATALOG for e in (*t.examples, *t.attached)}
    for topic, phrasings in heldout.items():
        assert len(phrasings) >= 3, topic
        overlap = [p for p in phrasings if p.lower().strip(" ?!.") in trained]
        assert overlap == [], f"held-out phrasings also used for training: {overlap}"


def test_predicted_topic_reads_the_response_selector() -> None:
    parse = {
        "intent": {"name": "faq"},
        "response_selector": {"faq": {"response": {"intent_response_key": "faq/placebo"}}},
    }
    assert predicted_topic(parse) == "placebo"
    assert predicted_topic({"intent": {"name": "greet"}}) == "<greet>"


@pytest.mark.model
def test_heldout_accuracy_is_at_least_90_percent(model_path) -> None:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [sys.executable, "-m", "bot.faq.evaluate", "--model", str(model_path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = yaml.safe_load(result.stdout[result.stdout.index("{") :])
    assert report["phrasings"] >= 3 * len(CATALOG)
    assert report["top1_accuracy"] >= 0.90, report["misses"]
