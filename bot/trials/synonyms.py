"""Lay terms, abbreviations and spellings that people use for cancers, mapped to condition names."""

from __future__ import annotations

# Each key is what a person might type; each value lists condition names as the registry writes them
# (conditions or MeSH terms). Keys and values are normalised by `bot.trials.conditions` (case,
# punctuation, British spellings, plurals, "tumor"/"carcinoma"/"neoplasm" ≈ "cancer"), so one
# spelling of each is enough. A key matches anywhere in what the person typed.
SYNONYMS: dict[str, tuple[str, ...]] = {
    # breast
    "tnbc": ("triple negative breast cancer",),
    "triple neg breast cancer": ("triple negative breast cancer",),
    "triple neg": ("triple negative breast cancer",),
    "rhabdo": ("rhabdomyosarcoma",),
    "testicle cancer": ("testicular cancer",),
    "testicles cancer": ("testicular cancer",),
    "atrt": ("atypical teratoid rhabdoid tumor",),
    "boob cancer": ("breast cancer",),
    "her2 positive breast cancer": ("her2 positive breast cancer",),
    "triple negative": ("triple negative breast cancer",),
    "lobular carcinoma": ("lobular breast cancer",),  # lobular and ductal carcinomas are breast cancers
    "invasive lobular carcinoma": ("invasive lobular breast cancer",),
    "ductal carcinoma": ("ductal breast cancer",),
    "invasive ductal carcinoma": ("invasive ductal breast cancer",),
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
    "bone marrow cancer": ("multiple myeloma", "leukemia", "myelodysplastic syndromes", "bone marrow neoplasms"),
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
    "esophagus cancer": ("esophageal cancer", "esophageal neoplasms"),
    "oesophagus cancer": ("esophageal cancer", "esophageal neoplasms"),
    "oesophageal cancer": ("esophageal cancer", "esophageal neoplasms"),
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
    # prostate: whether hormone treatment still works is what its trials are split by
    "castration resistant": ("castration resistant prostate cancer",),
    "castrate resistant": ("castration resistant prostate cancer",),
    "hormone resistant prostate cancer": ("castration resistant prostate cancer",),
    "hormone refractory prostate cancer": ("castration resistant prostate cancer",),
    "crpc": ("castration resistant prostate cancer",),
    "mcrpc": ("castration resistant prostate cancer",),
    "castration sensitive": ("castration sensitive prostate cancer",),
    "castrate sensitive": ("castration sensitive prostate cancer",),
    "hormone sensitive prostate cancer": ("castration sensitive prostate cancer",),
    "mcspc": ("castration sensitive prostate cancer",),
    # head and neck
    "tongue cancer": ("oral cancer", "oral cavity cancer", "oral squamous cell carcinoma", "head and neck cancer"),
    "mouth cancer": ("oral cancer", "oral cavity cancer", "oral squamous cell carcinoma", "head and neck cancer"),
    "nasopharyngeal cancer": ("nasopharyngeal carcinoma", "head and neck cancer"),
    # bile ducts and more
    "bile duct cancer": ("bile duct cancer", "cholangiocarcinoma", "biliary tract cancer"),
    "biliary cancer": ("biliary tract cancer", "cholangiocarcinoma"),
    "appendix cancer": ("appendiceal cancer", "appendiceal neoplasms"),
    "gist": ("gastrointestinal stromal tumor",),
    "waldenstrom": ("waldenstrom macroglobulinemia",),
    "waldenstroms": ("waldenstrom macroglobulinemia",),
    "burkitt": ("burkitt lymphoma",),
    "burkitts": ("burkitt lymphoma",),
}

# Words that say which cancer: parts of the body and kinds ("breast", "small cell", "ewing", "mantle cell").
# They are never "corrected" into another word ("mantle" is not a typo of "male", "liposarcoma" not one of
# "gliosarcoma"), even when no stored trial uses them.
CANCER_KINDS: frozenset[str] = frozenset(
    """breast lung colon colorectal rectal rectum anal anus prostate ovarian ovary cervical cervix uterine uterus
    endometrial womb pancreatic pancreas stomach gastric esophageal esophagus oesophageal liver hepatocellular
    bile duct biliary kidney renal bladder urothelial brain spinal bone bones skin thyroid head neck throat
    oral mouth tongue tonsil laryngeal larynx nasopharyngeal nasopharynx oropharyngeal oropharynx
    hypopharyngeal sinonasal testicular testis penile vulvar vulva vaginal blood marrow lymph small nonsmall
    squamous basal merkel adrenal pituitary eye ocular uveal retinal soft tissue ewing ewings wilms hodgkin
    hodgkins nonhodgkins triple negative positive her2 germ neuroendocrine carcinoid appendix appendiceal
    gallbladder peritoneal pleural fallopian thymus thymic salivary gist myeloid lymphoblastic lymphocytic
    myelogenous acute chronic mantle marginal zone follicular diffuse multiple hairy burkitt burkitts
    waldenstrom waldenstroms macroglobulinemia mycosis fungoides sezary kaposi kaposis desmoid synovial
    liposarcoma leiomyosarcoma chondrosarcoma fibrosarcoma angiosarcoma myxofibrosarcoma ampullary duodenal
    urethral ureteral boob breasts gastrointestinal stromal""".split()
)

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
    "esophagus": ("esophageal cancer", "esophageal neoplasms"),
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

# Abbreviations whose first target is the name to search, though they have several.
_ABBREVIATIONS = {"aml", "cll", "cml", "nhl", "dlbcl", "mds", "crc", "hcc", "rcc", "hnscc", "all", "mm"}


def registry_name(mention: str) -> str:
    """An abbreviation or lay name as the registry's name ("NSCLC" → "non small cell lung cancer",
    "GBM" → "glioblastoma", "boob cancer" → "breast cancer"); any other mention as it is."""
    key = " ".join(mention.lower().split())
    targets = SYNONYMS.get(key) or CASE_SENSITIVE_SYNONYMS.get(mention.strip())
    return targets[0] if (targets and len(targets) == 1) or (targets and key in _ABBREVIATIONS) else mention
