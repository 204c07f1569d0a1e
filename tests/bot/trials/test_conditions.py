"""Tests of condition matching on the snapshot's vocabulary: lay terms, abbreviations, typos."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.trials.conditions import ConditionIndex, ConditionMatch, canonical_words, term_key
from bot.trials.geo import Geocoder
from bot.trials.models import ConditionTerm
from bot.trials.service import TrialService
from tests.bot.trials.conftest import SnapshotDatabase


@pytest.fixture(scope="module")
def names(snapshot_db) -> dict[int, str]:  # type: ignore[no-untyped-def]
    with Session(snapshot_db.engine, future=True) as session:
        return dict(session.execute(select(ConditionTerm.id, ConditionTerm.name)).all())


def matched(match: ConditionMatch, names: dict[int, str]) -> set[str]:
    return {names[i] for i in match.broad_ids}


def test_term_keys_and_canonical_words() -> None:
    assert term_key("Non-Small Cell Lung Cancer (NSCLC)") == "nonsmall cell lung cancer nsclc"
    assert term_key("Hodgkin's Lymphoma") == "hodgkins lymphoma"
    assert term_key("Leucémie") == "leucemie"
    assert canonical_words("Breast Neoplasms") == ["breast", "cancer"]
    assert canonical_words("Tumours of the brain") == ["cancer", "brain"]
    assert canonical_words("Hodgkin's disease") == ["hodgkin", "disease"]
    assert canonical_words("Leukaemia, Myelogenous") == ["leukemia", "myeloid"]
    # an organ's noun is its adjective
    assert canonical_words("carcinoma of the ovary") == ["cancer", "ovarian"]
    assert canonical_words("cancer of the cervix") == canonical_words("cervical cancer")[::-1]
    assert canonical_words("pleura") == ["pleural"] and canonical_words("testicle") == ["testicular"]


@pytest.mark.parametrize(
    ("text", "expected", "not_expected"),
    [
        ("TNBC", {"Triple Negative Breast Cancer", "Metastatic Triple-Negative Breast Carcinoma"}, set()),
        (
            "NSCLC",
            {"Carcinoma, Non-Small-Cell Lung", "Advanced Non-Small Cell Lung Cancer"},
            {"Small Cell Lung Cancer"},
        ),
        ("SCLC", {"Small Cell Lung Cancer", "Small Cell Lung Carcinoma"}, {"Carcinoma, Non-Small-Cell Lung"}),
        ("small cell lung cancer", {"Small Cell Lung Cancer"}, {"Advanced Non-Small Cell Lung Cancer"}),
        ("blood cancer", {"Acute Myeloid Leukemia", "Hodgkin Lymphoma", "Multiple Myeloma"}, {"Breast Cancer"}),
        ("bowel cancer", {"Colorectal Cancer", "Colonic Neoplasms", "Colon Cancer"}, set()),
        ("colon", {"Colorectal Cancer", "Colorectal Neoplasms"}, set()),
        ("brain tumour", {"Glioblastoma", "Glioma", "Brain Neoplasms", "Brain Tumor"}, set()),
        ("skin cancer", {"Melanoma", "Skin Neoplasms", "Basal Cell Carcinoma"}, set()),
        ("AML", {"Acute Myeloid Leukemia", "Leukemia, Myeloid, Acute"}, {"Chronic Myeloid Leukemia"}),
        ("CLL", {"Chronic Lymphocytic Leukemia (CLL)"}, {"Acute Myeloid Leukemia"}),
        ("CML", {"Chronic Myeloid Leukemia", "Leukemia, Myelogenous, Chronic, BCR-ABL Positive"}, set()),
        (
            "my daughter has ALL",
            {"Acute Lymphoblastic Leukemia", "Precursor Cell Lymphoblastic Leukemia-Lymphoma"},
            set(),
        ),
        ("hodgkins", {"Hodgkin Lymphoma", "Hodgkin Disease"}, {"B-cell Non Hodgkin Lymphoma"}),
        ("GBM", {"Glioblastoma", "Glioblastoma Multiforme"}, set()),
        ("melanoma", {"Melanoma", "Cutaneous melanoma"}, set()),
        ("prostate", {"Prostate Cancer", "Prostatic Neoplasms"}, {"Benign prostate hyperplasia"}),
        ("stage 4 breast cancer", {"Breast Cancer", "Breast Neoplasms", "HER2 Positive Breast Cancer"}, set()),
        ("bone marrow cancer", {"Multiple Myeloma", "Acute Myeloid Leukemia"}, {"Breast Cancer"}),
    ],
)
def test_lay_terms_and_abbreviations(
    condition_index: ConditionIndex, names: dict[int, str], text: str, expected: set[str], not_expected: set[str]
) -> None:
    found = matched(condition_index.match(text), names)
    assert expected <= found
    assert not (not_expected & found)


@pytest.mark.parametrize(
    ("typo", "meant", "word"),
    [
        ("brest cancer", "breast cancer", "breast"),
        ("lukemia", "leukemia", "leukemia"),
        ("glioblastma", "glioblastoma", "glioblastoma"),
        ("prostrate cancer", "prostate cancer", "prostate"),
        ("melenoma", "melanoma", "melanoma"),
        ("lymphona", "lymphoma", "lymphoma"),
        ("tripple negative", "triple negative", "triple"),
    ],
)
def test_typos_are_forgiven(condition_index: ConditionIndex, typo: str, meant: str, word: str) -> None:
    sloppy, careful = condition_index.match(typo), condition_index.match(meant)
    assert sloppy.broad_ids == careful.broad_ids and sloppy.broad_ids
    assert word in sloppy.corrections.values()


def test_british_spellings_need_no_correction(condition_index: ConditionIndex) -> None:
    match = condition_index.match("leukaemia")
    assert match.corrections == {}
    assert match.broad_ids == condition_index.match("leukemia").broad_ids


def test_lower_case_all_is_not_leukemia(condition_index: ConditionIndex) -> None:
    assert condition_index.match("all").blank
    assert condition_index.match("ALL").phrases[0] == "acute lymphoblastic leukemia"


def test_unknown_words_match_nothing(condition_index: ConditionIndex) -> None:
    match = condition_index.match("xyzzy plugh")
    assert match.is_empty and match.phrases == () and not match.blank


def test_filler_words_name_no_condition(condition_index: ConditionIndex) -> None:
    match = condition_index.match("any trials near me?")
    assert match.blank and not match.is_empty


def test_a_broader_condition_named_in_the_query_is_a_narrow_match(
    condition_index: ConditionIndex, names: dict[int, str]
) -> None:
    match = condition_index.match("metastatic triple negative breast cancer")
    assert "Breast Cancer" in {names[i] for i in match.narrow_ids}
    assert "Triple Negative Breast Cancer" in matched(match, names)


def test_how_vague_a_query_is(condition_index: ConditionIndex) -> None:
    assert condition_index.match("cancer").share > 0.3
    assert condition_index.match("AML").share < 0.01


@pytest.mark.parametrize(
    ("named", "never"),
    [
        ("mantle cell lymphoma", "male"),
        ("liposarcoma", "gliosarcoma"),
        ("leiomyosarcoma", "myosarcoma"),
        ("marginal zone lymphoma", "margin"),
    ],
)
def test_a_cancer_word_no_trial_uses_is_kept_not_corrected(
    condition_index: ConditionIndex, named: str, never: str
) -> None:
    match = condition_index.match(named)
    assert match.corrections == {}
    assert never not in " ".join(match.phrases).split()
    assert match.phrases[0] == " ".join(canonical_words(named))


def test_a_named_subtype_that_no_trial_is_for_finds_its_broader_stored_terms(
    condition_index: ConditionIndex, names: dict[int, str]
) -> None:
    match = condition_index.match("mantle cell lymphoma")
    assert not match.broad_ids  # no stored term names mantle cell lymphoma
    assert "Lymphoma" in {names[i] for i in match.narrow_ids}


def test_a_body_part_no_trial_names_is_not_dropped_into_every_cancer(condition_index: ConditionIndex) -> None:
    assert condition_index.match("vulvar cancer").is_empty
    assert condition_index.match("cancer").share > 0.3  # what "vulvar" used to be read as


def test_lay_names_of_head_and_neck_and_bile_duct_cancers(
    condition_index: ConditionIndex, names: dict[int, str]
) -> None:
    assert "Oral Cavity Cancer" in matched(condition_index.match("tongue cancer"), names)
    assert "Cholangiocarcinoma" in matched(condition_index.match("bile duct cancer"), names)


def test_castration_resistant_and_sensitive_prostate_cancer_are_told_apart(
    condition_index: ConditionIndex, names: dict[int, str]
) -> None:
    for resistant in ("castrate resistant prostate cancer", "mCRPC", "castration-resistant prostate cancer"):
        found = {n.lower() for n in matched(condition_index.match(resistant), names)}
        assert found and all("sensitive" not in n for n in found), (resistant, found)
        assert any("resistant" in n for n in found)


def test_a_stage_word_does_not_narrow_the_cancer(condition_index: ConditionIndex) -> None:
    extensive = condition_index.match("extensive-stage small cell lung cancer")
    assert extensive.broad_ids == condition_index.match("small cell lung cancer").broad_ids


def test_an_adenocarcinoma_is_also_its_organs_cancer(condition_index: ConditionIndex, names: dict[int, str]) -> None:
    assert matched(condition_index.match("gastric cancer"), names) <= matched(
        condition_index.match("gastric adenocarcinoma"), names
    )


def test_a_marked_adenocarcinoma_reaches_its_marked_organ_cancers_trials(condition_index: ConditionIndex) -> None:
    # "ALK-positive non-small cell lung adenocarcinoma" is in the trials for ALK-positive non-small cell lung cancer
    def terms(match: ConditionMatch) -> frozenset[int]:
        return match.broad_ids | match.narrow_ids

    marked_cancer = terms(condition_index.match("ALK-positive non-small cell lung cancer"))
    assert marked_cancer and marked_cancer <= terms(
        condition_index.match("ALK-positive non-small cell lung adenocarcinoma")
    )


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("sorry, it is endometrial cancer not ovarian cancer", "endometrial cancer"),
        ("not ovarian cancer, endometrial cancer", "endometrial cancer"),
        ("ovarian cancer", "ovarian cancer"),
    ],
)
def test_the_cancer_a_correction_leaves_behind_is_not_searched(
    snapshot_db: SnapshotDatabase, geocoder: Geocoder, text: str, meant: str
) -> None:
    service = TrialService(snapshot_db.engine, geocoder)
    assert service.condition_in(text) == meant


def test_a_named_cancer_wins_over_a_rare_tumor_even_with_no_trial_for_it(
    snapshot_db: SnapshotDatabase, geocoder: Geocoder
) -> None:
    service = TrialService(snapshot_db.engine, geocoder)
    found = service.condition_in("are any studies open for chordoma? it is such a rare tumor")
    assert found is not None and "chordoma" in found


def test_a_kind_said_on_its_own_refines_the_cancer(snapshot_db: SnapshotDatabase, geocoder: Geocoder) -> None:
    service = TrialService(snapshot_db.engine, geocoder)
    assert service.refined("lung cancer", "I should have said, it's non-small cell.") == "nonsmall cell lung cancer"
    assert service.refined("lung cancer", "thanks, that helps") is None


def test_a_marker_said_in_a_clause_of_its_own_refines_the_cancer(
    snapshot_db: SnapshotDatabase, geocoder: Geocoder
) -> None:
    """ "she has the EGFR mutation" narrows the search as "EGFR+ NSCLC" does; a negative result narrows nothing."""
    service = TrialService(snapshot_db.engine, geocoder)
    said = "I should have said, it's non-small cell and it has the EGFR mutation."
    assert service.refined("lung cancer", said) == "egfr positive nonsmall cell lung cancer"
    assert service.refined("lung cancer", "her tumour turned out to be ALK rearranged") == "alk positive lung cancer"
    assert service.refined("breast cancer", "it's HER2 positive") == "her2 positive breast cancer"  # said once
    assert service.refined("lung cancer", "they tested and there's no EGFR mutation") is None
    assert service.refined("lung cancer", "it came back negative for EGFR") is None


@pytest.mark.parametrize("named", ["chordoma", "adenoid cystic carcinoma", "nonseminoma"])
def test_a_cancer_named_with_a_word_no_trial_uses_finds_nothing_rather_than_a_broader_name(
    condition_index: ConditionIndex, named: str
) -> None:
    """ "adenoid cystic carcinoma" had become "cystic cancer", "nonseminoma" a misspelt "seminoma"."""
    match = condition_index.match(named)
    assert match.is_empty and match.phrases == (" ".join(canonical_words(named)),)
