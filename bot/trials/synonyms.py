"""Lay terms, abbreviations and spellings that people use for cancers, mapped to condition names."""

from __future__ import annotations

# Each key is what a person might type; each value lists condition names as the registry writes them
# (conditions or MeSH terms). Keys and values are normalised by `bot.trials.conditions` (case,
# punctuation, British spellings, plurals, "tumor"/"carcinoma"/"neoplasm" ≈ "cancer"), so one
# spelling of each is enough. A key matches anywhere in what the person typed.
SYNONYMS: dict[str, tuple[str, ...]] = {
    # breast
    "tnbc": ("triple negative breast cancer",),
    "boob cancer": ("breast cancer",),
    "her2 positive breast cancer": ("her2 positive breast cancer",),
    "triple negative": ("triple negative breast cancer",),
    # lung
    "nsclc": ("non small cell lung cancer",),
    "sclc": ("small cell lung cancer",),
    # blood
    "blood cancer": ("leukemia", "lymphoma", "multiple myeloma", "hematologic neoplasms"),
    "hematologic cancer": ("leukemia", "lymphoma", "multiple myeloma", "hematologic neoplasms"),
    "aml": ("acute myeloid leukemia",),
    "cll": ("chronic lymphocytic leukemia", "leukemia lymphocytic chronic b cell"),
    "cml": ("chronic myeloid leukemia", "leukemia myelogenous chronic bcr abl positive"),
    "acute lymphoblastic leukemia": (
        "acute lymphocytic leukemia",
        "precursor cell lymphoblastic leukemia lymphoma",
    ),
    "hodgkins": ("hodgkin lymphoma", "hodgkin disease"),
    "hodgkins disease": ("hodgkin lymphoma", "hodgkin disease"),
    "nhl": ("non hodgkin lymphoma", "lymphoma non hodgkin"),
    "dlbcl": ("diffuse large b cell lymphoma", "lymphoma large b cell diffuse"),
    "myeloma": ("multiple myeloma",),
    "mds": ("myelodysplastic syndromes",),
    # gastrointestinal
    "bowel cancer": ("colorectal cancer", "colon cancer", "colonic neoplasms"),
    "colon cancer": ("colorectal cancer", "colon cancer", "colonic neoplasms"),
    "rectal cancer": ("colorectal cancer", "rectal neoplasms"),
    "crc": ("colorectal cancer",),
    "stomach cancer": ("gastric cancer", "stomach neoplasms"),
    "liver cancer": ("hepatocellular carcinoma", "liver neoplasms", "liver cancer"),
    "hcc": ("hepatocellular carcinoma",),
    "pancreas cancer": ("pancreatic cancer", "pancreatic neoplasms"),
    "throat cancer": ("head and neck cancer", "pharyngeal neoplasms", "laryngeal neoplasms"),
    "hnscc": ("head and neck squamous cell carcinoma",),
    # brain and nervous system
    "brain tumor": (
        "glioma",
        "glioblastoma",
        "brain neoplasms",
        "astrocytoma",
        "central nervous system neoplasms",
        "medulloblastoma",
    ),
    "gbm": ("glioblastoma",),
    "dipg": ("diffuse intrinsic pontine glioma",),
    "glioblastoma multiforme": ("glioblastoma",),
    # skin
    "skin cancer": (
        "melanoma",
        "skin neoplasms",
        "basal cell carcinoma",
        "squamous cell carcinoma of skin",
        "merkel cell carcinoma",
    ),
    # urological and gynaecological
    "kidney cancer": ("renal cell carcinoma", "kidney neoplasms", "kidney cancer"),
    "rcc": ("renal cell carcinoma",),
    "womb cancer": ("endometrial cancer", "uterine neoplasms", "endometrial neoplasms"),
    "uterine cancer": ("endometrial cancer", "uterine neoplasms", "endometrial neoplasms"),
    # bone and soft tissue
    "bone cancer": ("osteosarcoma", "ewing sarcoma", "bone neoplasms"),
}

# Words for a part of the body, which mean its cancer only when nothing else specific is said:
# "lung" or "lung cancer stage 4" is any lung cancer, but "small cell lung cancer" is not NSCLC.
SITE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "lung": ("lung cancer", "non small cell lung cancer", "small cell lung cancer"),
    "colon": ("colorectal cancer", "colon cancer", "colonic neoplasms"),
    "bowel": ("colorectal cancer", "colon cancer", "colonic neoplasms"),
    "colorectal": ("colorectal cancer", "colorectal neoplasms"),
    "brain": ("glioma", "glioblastoma", "brain neoplasms", "astrocytoma"),
    "blood": ("leukemia", "lymphoma", "multiple myeloma", "hematologic neoplasms"),
    "skin": ("melanoma", "skin neoplasms", "basal cell carcinoma"),
    "kidney": ("renal cell carcinoma", "kidney neoplasms"),
    "liver": ("hepatocellular carcinoma", "liver neoplasms"),
    "pancreas": ("pancreatic cancer", "pancreatic neoplasms"),
    "stomach": ("gastric cancer", "stomach neoplasms"),
    "prostate": ("prostate cancer", "prostatic neoplasms"),
    "womb": ("endometrial cancer", "uterine neoplasms"),
    "bone": ("osteosarcoma", "ewing sarcoma", "bone neoplasms"),
    "her2": ("her2 positive breast cancer", "her2 positive gastric cancer"),
}

# Abbreviations that are also ordinary words: only matched when typed in capitals ("ALL", not "all").
CASE_SENSITIVE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "ALL": (
        "acute lymphoblastic leukemia",
        "acute lymphocytic leukemia",
        "precursor cell lymphoblastic leukemia lymphoma",
    ),
    "MM": ("multiple myeloma",),
}
