"""Tumor-profile words: reading terms from people's own words, and finding them in trial texts."""

from typing import Tuple

import pytest

from bot.alerts.biomarkers import display, known_terms, mentioning, read_terms

# The way people write their tumor's profile, and the terms read from it (in the vocabulary's order).
PLAIN = [
    ("my tumor is EGFR positive, exon 19", ("egfr",)),
    ("she's HER2+", ("her2_positive",)),
    ("BRCA2 carrier", ("brca", "brca2", "germline_brca")),
    ("kras g12c", ("kras", "kras_g12c")),
    ("msi high / MSI-H / mismatch repair deficient (dMMR)", ("msi_high",)),
    ("ALK rearranged", ("alk",)),
    ("triple negative", ("triple_negative",)),
    ("PD-L1 high", ("pd_l1", "pd_l1_high")),
    ("ROS1", ("ros1",)),
    ("BRAF V600E", ("braf", "braf_v600e")),
    ("NTRK fusion", ("ntrk",)),
    ("RET fusion", ("ret",)),
    ("MET exon 14", ("met", "met_exon14")),
    ("HER2-low", ("her2_low",)),
    ("ER+/PR+", ("hr_positive",)),
    ("IDH1", ("idh", "idh1")),
    ("FLT3", ("flt3",)),
    ("BCR-ABL / Philadelphia chromosome", ("bcr_abl",)),
    ("TMB-high", ("tmb_high",)),
    ("germline BRCA", ("brca", "germline_brca")),
    ("PIK3CA", ("pik3ca",)),
    ("ESR1", ("esr1",)),
    ("FGFR2/FGFR3", ("fgfr", "fgfr2", "fgfr3")),
    ("NRG1", ("nrg1",)),
    ("KRAS", ("kras",)),
    ("EGFR T790M", ("egfr", "egfr_t790m")),
    ("HRD", ("hrd",)),
    ("IDH2 mutated AML", ("idh", "idh2")),
    ("Philadelphia chromosome positive ALL", ("bcr_abl",)),
    ("c-MET amplification", ("met",)),
    ("homologous recombination deficient ovarian cancer", ("hrd",)),
    ("ER positive HER2 negative", ("her2_negative", "hr_positive")),
    ("ER+/PR+/HER2-", ("her2_negative", "hr_positive")),
    ("HR+/HER2- breast cancer", ("her2_negative", "hr_positive")),
    ("HER2 negative, BRCA2 positive", ("her2_negative", "brca", "brca2")),
    ("egfr positive t790m negative", ("egfr",)),
    ("my son has RET positive medullary thyroid cancer", ("ret",)),
    ("PD-L1 TPS 90%", ("pd_l1", "pd_l1_high")),
    ("non small cell lung cancer egfr positive", ("egfr",)),
    ("patients with or without ALK, she is ALK positive", ("alk",)),
]

# Short, slangy, misspelled.
SLANG = [
    ("her2 pos", ("her2_positive",)),
    ("her 2 positive", ("her2_positive",)),
    ("her2 poistive", ("her2_positive",)),
    ("heR2 POSITIVE!!", ("her2_positive",)),
    ("her2neu +ve", ("her2_positive",)),
    ("egfr+", ("egfr",)),
    ("egrf mutation", ("egfr",)),
    ("brca 1", ("brca", "brca1")),
    ("brac1", ("brca", "brca1")),
    ("bcra 2", ("brca", "brca2")),
    ("brca mutation", ("brca",)),
    ("brca1/2", ("brca",)),
    ("gBRCA", ("brca", "germline_brca")),
    ("kras g12c mutated", ("kras", "kras_g12c")),
    ("k-ras", ("kras",)),
    ("msi-h", ("msi_high",)),
    ("MSI high", ("msi_high",)),
    ("dmmr", ("msi_high",)),
    ("lynch syndrome", ("msi_high", "lynch_syndrome")),
    ("linch syndrom", ("msi_high", "lynch_syndrome")),
    ("i have lynch", ("msi_high", "lynch_syndrome")),
    ("alk+", ("alk",)),
    ("alk positive", ("alk",)),
    ("trip neg", ("triple_negative",)),
    ("tripple negitive", ("triple_negative",)),
    ("TNBC", ("triple_negative",)),
    ("pdl1 80%", ("pd_l1", "pd_l1_high")),
    ("tmb-h", ("tmb_high",)),
    ("high tmb", ("tmb_high",)),
    ("pick3ca", ("pik3ca",)),
    ("ph+ all", ("bcr_abl",)),
    ("flt3-itd", ("flt3",)),
    ("v600e", ("braf", "braf_v600e")),
    ("metex14", ("met", "met_exon14")),
    ("ex19del", ("egfr",)),
    ("her2 1+", ("her2_low",)),
    ("her2-ultralow", ("her2_low",)),
    ("her2 0", ("her2_negative",)),
    ("luminal A", ("hr_positive",)),
]

# Negations, and results not known yet: no positive term.
NEGATED = [
    ("HER2 negative", ("her2_negative",)),
    ("her2 neg", ("her2_negative",)),
    ("her2-", ("her2_negative",)),
    ("HER2 not amplified", ("her2_negative",)),
    ("no EGFR mutation", ()),
    ("egfr neg", ()),
    ("EGFR -ve", ()),
    ("egfr mutation not detected", ()),
    ("not EGFR", ()),
    ("she doesn't have an egfr mutation", ()),
    ("kras wild type", ()),
    ("KRAS wt", ()),
    ("braf wildtype", ()),
    ("idh1 wildtype glioma", ()),
    ("alk-", ()),
    ("ALK negative", ()),
    ("EGFR/ALK negative", ()),
    ("negative for EGFR and ALK", ()),
    ("no egfr, alk or ros1", ()),
    ("negative for EGFR, ALK, ROS1", ()),
    ("EGFR/ALK/ROS1 negative", ()),
    ("egfr positive, alk negative, ros1 negative", ("egfr",)),
    ("KRAS G12C, EGFR negative", ("kras", "kras_g12c")),
    ("tested positive for BRCA2", ("brca", "brca2")),
    ("brca negative", ()),
    ("she is not triple negative", ()),
    ("philadelphia chromosome negative", ()),
    ("Ph negative ALL", ()),
    ("msi stable", ()),
    ("MSS", ()),
    ("pd-l1 <1%", ()),
    ("not sure if she's her2 positive", ()),
    ("waiting for brca results", ()),
    ("her2 status unknown", ()),
    ("HER2 2+", ()),
    ("HER2 equivocal", ()),
    ("she had MSI testing", ()),
    ("egfr wt, kras g12d", ("kras",)),
    ("EGFR exon 19 del, T790M negative", ("egfr",)),
    ("KRAS G12C, TP53 wt", ("kras", "kras_g12c")),
    ("HER2+ but no chemo yet", ("her2_positive",)),
    ("she's HER2 positive and ER negative", ("her2_positive",)),
]

# Words near the subject that are not a tumor-profile marker.
NOTHING = [
    "stage 4",
    "stage IV metastatic",
    "metastatic",
    "chemo",
    "immunotherapy",
    "pembrolizumab",
    "keytruda",
    "CDK4/6",
    "she's on a CDK4/6 inhibitor",
    "cdk 4/6",
    "anti-HER2 therapy",
    "he takes an EGFR inhibitor",
    "pd-1 inhibitor",
    "my egfr is 45",
    "kidney function egfr 60",
    "her 2 kids are with me",
    "I walk every day and met my doctor",
    "all the criteria met",
    "we live in philadelphia",
    "went to the ER last night",
    "the er was busy",
    "Ph-like ALL",
    "alkaline phosphatase is high",
    "retinal scan was fine",
    "MMR vaccine",
    "TMB 12",
    "lung cancer",
    "",
]


@pytest.mark.parametrize(("text", "expected"), PLAIN)
def test_plain_words(text: str, expected: Tuple[str, ...]) -> None:
    assert read_terms(text) == expected


@pytest.mark.parametrize(("text", "expected"), SLANG)
def test_slang_and_misspellings(text: str, expected: Tuple[str, ...]) -> None:
    assert read_terms(text) == expected


@pytest.mark.parametrize(("text", "expected"), NEGATED)
def test_negations_and_results_not_known(text: str, expected: Tuple[str, ...]) -> None:
    assert read_terms(text) == expected


@pytest.mark.parametrize("text", NOTHING)
def test_words_that_are_not_markers(text: str) -> None:
    assert read_terms(text) == ()


def test_her2_negative_never_gives_her2_positive() -> None:
    for text in ["HER2 negative", "her2 neg", "HER2-", "her 2 negitive", "HER2 0", "HER2-low", "her2 2+"]:
        assert "her2_positive" not in read_terms(text), text


def test_terms_come_once_in_the_vocabularys_order() -> None:
    assert read_terms("ALK positive. Also EGFR+, egfr positive, EGFR exon 19") == ("egfr", "alk")
    assert read_terms("ntrk fusion and kras") == ("kras", "ntrk")


def test_known_terms() -> None:
    terms = known_terms()
    assert len(terms) == len(set(terms))
    expected = {
        "egfr",
        "egfr_t790m",
        "her2_positive",
        "her2_low",
        "her2_negative",
        "hr_positive",
        "triple_negative",
        "brca",
        "brca1",
        "brca2",
        "germline_brca",
        "kras",
        "kras_g12c",
        "msi_high",
        "lynch_syndrome",
        "alk",
        "ros1",
        "braf",
        "braf_v600e",
        "ntrk",
        "ret",
        "met",
        "met_exon14",
        "pd_l1",
        "pd_l1_high",
        "tmb_high",
        "hrd",
        "pik3ca",
        "esr1",
        "fgfr",
        "fgfr2",
        "fgfr3",
        "nrg1",
        "idh",
        "idh1",
        "idh2",
        "flt3",
        "bcr_abl",
    }
    assert set(terms) == expected
    assert "cdk4_6" not in terms


def test_display_names() -> None:
    assert display("egfr") == "EGFR mutation"
    assert display("her2_positive") == "HER2-positive"
    assert display("her2_negative") == "HER2-negative"
    assert display("kras_g12c") == "KRAS G12C"
    assert display("msi_high") == "MSI-high / dMMR"
    assert "MSI-high" in display("lynch_syndrome")
    with pytest.raises(KeyError):
        display("cdk4_6")


@pytest.mark.parametrize("term", known_terms())
def test_each_display_name_reads_back_as_its_term(term: str) -> None:
    assert term in read_terms(display(term))


@pytest.mark.parametrize("term", known_terms())
def test_each_display_name_is_a_mention_of_its_term(term: str) -> None:
    assert mentioning(term, [display(term)])


# A term, a trial's text, and whether the text mentions the term.
TRIAL_TEXTS = [
    ("alk", "ALK-positive non-small cell lung cancer", True),
    ("alk", "Anaplastic Lymphoma Kinase rearrangement", True),
    ("alk", "Walking program for patients with cancer", False),
    ("alk", "Alkaline phosphatase ≤ 2.5 × ULN", False),
    ("alk", "ALKALINE PHOSPHATASE ≤ 5 × ULN", False),
    ("alk", "ALK-negative NSCLC", False),
    ("alk", "patients with or without ALK rearrangement", True),
    ("ret", "RET fusion-positive solid tumors", True),
    ("ret", "Diabetic retinal disease", False),
    ("ret", "RETINAL DETACHMENT", False),
    ("ret", "Patients who return for follow-up", False),
    ("met", "MET amplification", True),
    ("met", "c-Met overexpression", True),
    ("met", "MET exon 14 skipping NSCLC", True),
    ("met", "All inclusion criteria met", False),
    ("met", "CRITERIA MET AT SCREENING", False),
    ("met", "Metastatic breast cancer", False),
    ("met_exon14", "METex14 skipping mutation", True),
    ("met_exon14", "MET amplification", False),
    ("ros1", "ROS1-positive NSCLC", True),
    ("ros1", "reactive oxygen species (ROS) 1 hour after dosing", False),
    ("idh1", "IDH1-mutant glioma", True),
    ("idh1", "IDH1/2 mutation", True),
    ("idh1", "IDH-wildtype glioblastoma", False),
    ("idh", "IDH-mutant astrocytoma", True),
    ("egfr", "EGFR-mutant NSCLC", True),
    ("egfr", "Epidermal Growth Factor Receptor mutation", True),
    ("egfr", "EGFR T790M", True),
    ("egfr", "eGFR ≥ 30 mL/min", False),
    ("egfr", "EGFR ≥ 60 mL/min/1.73 m2", False),
    ("egfr", "EGFR wild-type", False),
    ("egfr", "No known EGFR sensitizing mutation", False),
    ("her2_positive", "HER2-positive Breast Cancer", True),
    ("her2_positive", "HER2+ metastatic breast cancer", True),
    ("her2_positive", "HER-2 overexpressing gastric cancer", True),
    ("her2_positive", "ERBB2 amplification", True),
    ("her2_positive", "HER2-negative Breast Cancer", False),
    ("her2_positive", "HER2-low breast cancer", False),
    ("her2_negative", "HR+/HER2- advanced breast cancer", True),
    ("her2_negative", "HER2-negative breast cancer", True),
    ("her2_negative", "HER2-positive Breast Cancer", False),
    ("her2_low", "HER2-low breast cancer", True),
    ("hr_positive", "HR+/HER2- breast cancer", True),
    ("hr_positive", "Estrogen receptor positive", True),
    ("hr_positive", "HER2 positive", False),
    ("triple_negative", "Triple Negative Breast Cancer", True),
    ("triple_negative", "TNBC", True),
    ("msi_high", "Microsatellite Instability-High", True),
    ("msi_high", "MSI-H or dMMR solid tumors", True),
    ("msi_high", "microsatellite stable colorectal cancer", False),
    ("msi_high", "MSI-L", False),
    ("lynch_syndrome", "Lynch Syndrome", True),
    ("kras", "KRAS G12C", True),
    ("kras", "KRAS wild-type colorectal cancer", False),
    ("kras_g12c", "KRAS p.G12C", True),
    ("kras_g12c", "KRAS G12D", False),
    ("brca", "BRCA1 mutation", True),
    ("brca", "non-BRCA", False),
    ("brca1", "BRCA1/2 mutation", True),
    ("brca2", "BRCA1/2 mutation", True),
    ("brca2", "BRCA1 mutation", False),
    ("germline_brca", "deleterious germline BRCA1/2 mutation", True),
    ("germline_brca", "somatic BRCA mutation", False),
    ("bcr_abl", "Philadelphia chromosome-positive ALL", True),
    ("bcr_abl", "BCR::ABL1", True),
    ("bcr_abl", "Philadelphia chromosome-negative ALL", False),
    ("bcr_abl", "Ph-like ALL", False),
    ("bcr_abl", "BCR-ABL1-like ALL", False),
    ("pd_l1", "PD-L1 expression ≥1%", True),
    ("pd_l1", "Prior anti-PD-L1 therapy", False),
    ("pd_l1_high", "PD-L1 TPS ≥50%", True),
    ("pd_l1_high", "PD-L1 TPS ≥1%", False),
    ("tmb_high", "tumor mutational burden-high (≥10 mut/Mb)", True),
    ("hrd", "HRD-positive ovarian cancer", True),
    ("hrd", "3 hrd", False),
    ("ntrk", "NTRK gene fusion", True),
    ("fgfr3", "FGFR2/3 alterations", True),
    ("fgfr", "FGFR2 fusion cholangiocarcinoma", True),
    ("flt3", "FLT3-ITD AML", True),
    ("braf_v600e", "BRAF V600E/K", True),
    ("egfr_t790m", "T790M-positive", True),
]


@pytest.mark.parametrize(("term", "text", "expected"), TRIAL_TEXTS)
def test_trial_texts(term: str, text: str, expected: bool) -> None:
    assert mentioning(term, [text]) is expected


def test_any_of_a_trials_texts_counts() -> None:
    texts = ["Walking and exercise study", "Non-small cell lung cancer", "Inclusion: ALK rearrangement"]
    assert mentioning("alk", texts)
    assert not mentioning("alk", texts[:2])
    assert not mentioning("alk", [])
    assert not mentioning("alk", ["", ""])


def test_a_texts_generator_is_read() -> None:
    assert mentioning("kras_g12c", (text for text in ["Colorectal cancer", "KRAS G12C-mutated"]))


def test_unknown_term_in_a_trial() -> None:
    with pytest.raises(KeyError):
        mentioning("cdk4_6", ["CDK4/6 inhibitor"])
