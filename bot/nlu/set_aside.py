"""What a message sets aside: the neighbouring question a person says they are *not* asking.

People who have had one answer often say which one they do not want next: "Not the Moonshot one — what is a
biobank in general?", "My dad has Medicaid, not Medicare", "Setting my records aside, who can stop a study?",
"I'm not asking about after the study. During it, does my doctor stay involved?". The words of the question set
aside are the strongest clue an n-gram model sees, so it answers exactly the question the person ruled out.
`kept_part` drops those words before the message is read; a message that sets nothing aside is returned as it is.
"""

from __future__ import annotations

import re

_SENTENCE = re.compile(r"(?<=[.!?;])\s+")

# A sentence (or the clause before a full stop, semicolon or comma) that only says what is not being asked.
_DISMISSAL = re.compile(
    r"^\s*(?:"
    r"(?:i'?m|i am|we'?re|we are)\s+not\s+(?:asking|talking|worried|wondering|asking you)\s+(?:about|whether|if)\b"
    r"|not\s+(?:asking|talking)\s+(?:about|whether|if)\b"
    r"|(?:this|that|it)\s+(?:isn'?t|is not|'s not)\s+(?:about|a question about)\b"
    r"|not\s+(?:the|about the|about)\s+[\w'’ -]{1,40}?\s+(?:one|thing|part|question)\b"
    r"|(?:setting|leaving|putting)\s+[\w'’ -]{1,40}?\s+aside\b"
    r"|[\w'’ -]{1,40}?\s+aside\s*,"
    r"|(?:forget|never mind)\s+(?:about\s+)?(?:the|my)\b"
    r"|(?:i'?m|i am)\s+not\s+(?:a|an)\s+(?!fan\b|big\b)[\w'’ -]{1,40}?(?:;|\.|$)"
    r"|(?:i|we)\s+already\s+(?:know|understand|get|read|looked)\b"  # "I already know how to use the search sites."
    r")",
    re.IGNORECASE,
)
# The rest of a sentence that only rules something out: "… so the under-18 rules don't apply to me",
# "Being a guinea pig doesn't scare me."
_RULED_OUT = re.compile(
    r"(?:,\s*(?:so|and|because)?\s*)?[^.;!?,]*\b(?:doesn'?t|does not|don'?t|do not)\s+"
    r"(?:apply|scare me|worry me|matter)\b[^.;!?]*"
    # "Gas money and hotels aren't the issue for me."
    r"|[^.;!?,]*\b(?:isn'?t|aren'?t|is not|are not)\s+(?:really\s+)?(?:the|my|an?)\s+"
    r"(?:issue|problem|concern|worry)\b[^.;!?]*",
    re.IGNORECASE,
)
# "Medicaid, not Medicare", "the usual visits, not the study drug": the words after ", not" up to the clause's end.
_NOT_THAT = re.compile(
    r",\s*not\s+(?!just\b|only\b|even\b|sure\b)(?:the\s+|my\s+|his\s+|her\s+)?[\w'’ -]{1,30}?"
    r"(?=[,.;!?]|\s+(?:so|but|and)\b|$)",
    re.I,
)
# "I get that a computer assigns the groups. But after that, …": what comes after "but" is the question.
_GRANTED = re.compile(r"^\s*i\s+(?:get|understand|know|realize|realise)\s+(?:that\s+)?[^?]*?[,.;]\s*but\s+", re.I)
# "I know it's no guaranteed cure. Realistically, though, what good could come of it?": a first sentence granted,
# then the question turned with "though", "still", "however" or "yet", or "What I don't get is …".
_GRANTED_SENTENCE = re.compile(
    r"^\s*i\s+(?:already\s+)?(?:get|understand|know|realize|realise)\b[^?.;]*[.;]\s+"
    r"(?=[^.;]*\b(?:though|still|however|yet)\b|(?:what|the part)\s+i\s+(?:don'?t|do not)\s+(?:get|understand)\b)",
    re.I,
)
# A neighbouring question ruled out inside a sentence: "so this isn't the assent thing for kids", "he isn't on
# TRICARE", "I don't use TRICARE".
_NOT_THE_THING = re.compile(
    r"\b(?:this|that|it)\s*(?:isn'?t|is not|'s not)\s+(?:the|about the|about|a)\s+[^.;!?]{1,50}?"
    r"\b(?:one|thing|part|question|stuff)\b[^.;!?,]*"
    r"|\b(?:isn'?t|is not|aren'?t|are not|'m not|am not)\s+on\s+[\w'’-]+"
    r"|\b(?:don'?t|doesn'?t|do not|does not)\s+use\s+[\w'’-]+",
    re.IGNORECASE,
)

# "Setting aside whether healthy people can join — why …": the words set aside, up to a dash, colon or comma.
_ASIDE_FIRST = re.compile(
    r"^\s*(?:setting|leaving|putting)\s+aside\s+[^—–:;,.?!]{1,60}?\s*(?:—|–|--|:|;|,)\s*", re.IGNORECASE
)

MIN_WORDS = 4
"""Fewer words than this left: the message is read whole (nothing meaningful would be left to read)."""


def kept_part(text: str) -> str:
    """`text` without the question it sets aside (or `text` itself when it sets none aside)."""
    kept = _GRANTED.sub("", text, count=1)
    kept = _GRANTED_SENTENCE.sub("", kept, count=1)
    kept = _ASIDE_FIRST.sub("", kept, count=1)
    pieces = []
    for sentence in _SENTENCE.split(kept):
        head, sep, tail = sentence.partition(";") if ";" in sentence else sentence.partition(":")
        if sep and _DISMISSAL.match(head):
            sentence = tail
        elif _DISMISSAL.match(sentence):
            clause = re.split(r"(?<=,)\s+", sentence, maxsplit=1)
            sentence = clause[1] if len(clause) > 1 and not _DISMISSAL.match(clause[1]) else ""
        pieces.append(sentence)
    kept = " ".join(p.strip() for p in pieces if p.strip())
    kept = _NOT_THAT.sub("", kept)
    kept = _NOT_THE_THING.sub("", kept)
    kept = re.sub(r",?\s*\b(?:so|but|and)(?:\s+(?:i|he|she|we|they))?\s*(?=[.;!?])", "", kept, flags=re.I)  # "so ."
    kept = _RULED_OUT.sub("", kept)
    kept = re.sub(r"^\s*[.;!?]\s*|(?<=[.;!?])\s*[.;!?]", "", kept)  # a sentence emptied leaves its full stop
    kept = " ".join(kept.split())
    return kept if kept != text and len(kept.split()) >= MIN_WORDS else text
