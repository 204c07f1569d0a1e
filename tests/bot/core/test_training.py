from pathlib import Path

import pytest

from bot.core.training import fingerprint, input_files, is_current, stamp_path


def _project(root: Path) -> None:
    (root / "data" / "nlu").mkdir(parents=True)
    (root / "data" / "trials").mkdir(parents=True)
    (root / "faq").mkdir()
    (root / "data" / "nlu" / "chitchat.yml").write_text("nlu: []\n")
    (root / "data" / "trials" / "snapshot.jsonl").write_text("{}\n")
    (root / "faq" / "basics.yml").write_text("topics: []\n")
    (root / "domain.yml").write_text("intents: []\n")
    (root / "config.yml").write_text("pipeline: []\n")


def test_fingerprint_follows_model_inputs_only(tmp_path: Path) -> None:
    _project(tmp_path)
    first = fingerprint(tmp_path)
    assert fingerprint(tmp_path) == first

    (tmp_path / "data" / "trials" / "snapshot.jsonl").write_text('{"changed": true}\n')
    (tmp_path / "README.md").write_text("docs\n")
    assert fingerprint(tmp_path) == first, "files that are not model inputs must not force a retrain"

    for changed in ("faq/basics.yml", "domain.yml", "config.yml", "data/nlu/chitchat.yml"):
        before = fingerprint(tmp_path)
        (tmp_path / changed).write_text((tmp_path / changed).read_text() + "# edit\n")
        assert fingerprint(tmp_path) != before, changed

    (tmp_path / "data" / "nlu" / "new.yml").write_text("nlu: []\n")
    assert tmp_path / "data" / "nlu" / "new.yml" in input_files(tmp_path)


def test_model_is_current_only_with_matching_stamp(tmp_path: Path) -> None:
    _project(tmp_path)
    model = tmp_path / "models" / "trialbot.tar.gz"
    assert not is_current(model, tmp_path)
    model.parent.mkdir()
    model.write_bytes(b"model")
    assert not is_current(model, tmp_path)
    stamp_path(model).write_text(fingerprint(tmp_path) + "\n")
    assert is_current(model, tmp_path)
    (tmp_path / "domain.yml").write_text("intents: [greet]\n")
    assert not is_current(model, tmp_path)


def test_training_record_is_kept_next_to_the_model(tmp_path: Path) -> None:
    from bot.core.training import read_record, record_path, write_record

    model = tmp_path / "trialbot.tar.gz"
    assert read_record(model) is None
    written = write_record(model, 481.26, "abc123")
    assert record_path(model) == tmp_path / "trialbot.tar.gz.training.json"
    assert read_record(model) == written
    assert written["seconds"] == 481.3 and written["fingerprint"] == "abc123" and written["cpus"]
    record_path(model).write_text("not json")
    assert read_record(model) is None


@pytest.mark.slow
def test_quiet_training_keeps_rasas_output_in_its_log_and_a_failure_shows_its_end(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from bot.core.training import TrainingError, train

    _project(tmp_path)
    # rasa train stops at once: the config lacks its mandatory language
    log = tmp_path / "models" / "training.log"
    with pytest.raises(TrainingError) as failed:
        train(tmp_path / "models" / "trialbot.tar.gz", tmp_path, log=log)
    printed = capfd.readouterr()
    assert printed.out == "" and printed.err == ""  # nothing of Rasa's reached the terminal
    written = log.read_text()
    assert "missing mandatory parameters" in written
    assert str(log) in str(failed.value) and written.splitlines()[-1] in str(failed.value)
