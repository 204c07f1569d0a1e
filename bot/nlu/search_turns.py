"""Trial-search turns the intent model must not decide alone.

The intent model reads one message at a time and knows nothing of the search form, so "Columbus,
Ohio" (the answer to "Where do you live?") or "my son is 8 and has neuroblastoma, we live in
Baltimore, any trials?" can come out as a FAQ topic. The Rasa worker passes what the conversation is
doing in the message metadata (`REQUESTED_SLOT_KEY`: the detail the search form has just asked for;
`SEARCHED_KEY`: a search has details already), and `search_intent` decides, from the text alone (no
map, no database: the action server checks the details):

1. **The form's own question.** While a detail is asked for, a message that fits it ("columbus ohio",
   "she's fifty-two", "osteosarcoma") is `inform`, whatever the model guessed — unless it is put as
   a question that does not fit ("is it free?"), which is answered and the question asked again.
2. **A message that carries a search** names a cancer and a place, an age or a request for trials
   ("lymphoma trials 10001", "my wife has ovarian cancer, can you help?") → `search_trials`.
3. **A correction after a search** ("actually im in dayton not columbus", "sorry he's 12 not 8") →
   `inform`, so the search runs again with the new detail.

Requests for a person, goodbyes and safety messages are left as they are (safety is screened before
the model runs at all).
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

from bot.trials.understanding import (
    MENTIONING,
    Mention,
    asks_for_trials,
    cancer_mentions,
    held_at,
    is_question,
    left_behind,
    read_age,
    read_subtype,
    specific,
    trial_in_hand,
)

REQUESTED_SLOT_KEY = "trial_search_requested_slot"
SEARCHED_KEY = "trial_search_has_details"
SEARCH_SLOTS = frozenset({"condition", "age", "location"})
SEARCH = "search_trials"
INFORM = "inform"
KEEP = frozenset(
    {
        "human_handoff",
        "goodbye",
        "forget_me",
        "medical_advice",
        "bot_challenge",
        "trial_details",
        "show_more",
        "widen_search",
        "keep_details",
        "dont_keep_details",
    }
)
"""Intents a search turn never overrides."""
LONG = 20
"""Messages of more words are long stories (see `search_intent`)."""
BARE = 6
"""A message of at most this many words that names a cancer and a place or age is a search ("breast
cancer richmond va"), whatever FAQ topic the model read into it."""
FIND_A_TRIAL = "find_a_trial"
NEAR_A_SEARCH = frozenset({"aya_trials"})
"""A topic that, with a cancer named, a search answers better than the topic's own answer even when the model is
certain of it ("my son is 16 with testicular cancer. are there studies open to teenagers?")."""
FAQ_STORY = 0.85
"""The FAQ topics together hold at least this share of the model's belief: a story with a cancer in it and no age is a
FAQ question even when no one topic leads, and so is a long story about the one trial somebody has in view, even with
an age (`search_intent`). Chosen on the first messages of the search sets and the
FAQ sets A-K (consulted): 2 of 1,293 searches become questions (7 without the age condition, 14 at 0.7), 9 FAQ
questions taken for searches are answered or asked about."""
FAQ_ONLY = 0.9
"""…and at least this share, a study somebody mentioned or offered is no request for trials (11 searches lost at
0.85, none at 0.9)."""
SHORT_ANSWER = 10
"""An answer to the form's question has at most this many words."""

_STATES = (
    "alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho "
    "illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota "
    "mississippi missouri montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah "
    "vermont virginia washington wisconsin wyoming carolina dakota jersey hampshire mexico york"
)
_ABBREVIATIONS = (
    "A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY]"
)
# "treated at the VA", "through the va?": the veterans' health system, not Virginia.
_NOT_THE_VA = r"(?!(?:the|through|from|with|and|for|at)\s+VA\b)"
_PLACE = re.compile(
    r"\b\d{5}\b"
    r"|\b(?:in|near|around|from|outside|live|living|lives|based|close to|meant|moved to|not|instead of|distance of"
    r"|miles of|hours? of|drive of)\s+(?:the\s+)?"
    r"(?-i:[A-Z])[a-z]{2,}"
    r"|\b" + _NOT_THE_VA + r"[A-Za-z]{3,},?\s+(?-i:" + _ABBREVIATIONS + r")\b"  # "Providence RI"
    # "durham nc", "columbus oh." — not the lowercase words "people like me.", "count me in", "this or"
    r"|\b" + _NOT_THE_VA + r"[A-Za-z]{3,},?\s+(?!(?-i:me|in|or|hi|ok|id|de|la)\b)"
    r"(?:" + _ABBREVIATIONS + r")(?=\s*(?:$|[,.!?;]|\d))"
    r"|\b(?:" + "|".join(_STATES.split()) + r")\b"
    r"|\b(?:nyc|philly|cincy|nola|chicago|boston|houston|atlanta|seattle|denver|baltimore|detroit|miami|dallas"
    r"|toronto|london|montreal|sydney|memphis|nashville|pittsburgh|cleveland|columbus|phoenix|vancouver|calgary"
    r"|edmonton|ottawa|winnipeg)\b"
    # "vancouver bc", "halifax, ns": a Canadian province's abbreviation after a word ("on" and "pe" are words too)
    r"|\b[A-Za-z]{3,},?\s+(?:bc|ab|sk|mb|qc|ns|nb|nl)\b(?=\s*(?:$|[,.!?;]|\d))",
    re.IGNORECASE,
)
_NOT_PLACE_AFTER_CUE = re.compile(
    r"\b(?:in|near|around|from|outside)\s+(?:the\s+)?(?:remission|treatment|pain|stage|my|school|college|march|april"
    r"|may|june|january|february|july|august|september|october|november|december|jan|feb|aug|sept?|oct|nov|dec"
    r"|spring|summer|fall|winter|hospital|surgery|chemo|trials?|studies|study|a|an|general|fact)\b",
    re.IGNORECASE,
)
# Trials asked for in so many words: "are there any trials", "looking for a study", "what are our options for trials".
_IN_SO_MANY_WORDS = re.compile(
    r"\b(?:are there|is there|any|find|finding|looking for|look for|search(?:ing)? for|help (?:me |us )?find)\s+"
    r"(?:any\s+|a\s+|an\s+)?(?:clinical\s+|open\s+|research\s+|cancer\s+)?(?:trials?|studies|study)\b"
    r"|\boptions?\s+for\s+(?:a\s+|any\s+)?(?:clinical\s+)?(?:trials?|studies)\b|\b(?:trial|study)\s+options\b"
    # "I'd like to know all of her options", "identifying suitable options", "find anything that gives her a chance"
    r"|\b(?:all|know(?:\s+about)?|learn\s+about|hear\s+about|identify(?:ing)?|find(?:ing)?|explore|exploring|see)\s+"
    r"(?:of\s+)?(?:(?:the|her|his|my|our|their|suitable|possible|potential|any|other)\s+)*options\b"
    r"|\b(?:find|finding)\s+anything\s+(?:that|which|to)\b"
    r"|\b(?:trials|studies)\s+(?:within|close to|around|near)\b"  # "trials within driving distance of Tampa?"
    r"|\b(?:what'?s|whats|what\s+is|anything|something)\s+(?:open\s+)?(?:near|close\s+to)\b"  # "whats near tucson?"
    r"|\b(?:review|reviewing|explore|exploring)\s+(?:any\s+|the\s+|open\s+)?(?:clinical\s+)?(?:trials|studies)\b"
    r"|\b(?:explore|exploring|know|see|try|trying)\s+every\s+(?:possible\s+|available\s+|single\s+)?option\b",
    re.IGNORECASE,
)
# A relative named without "my": "trials for dad", "Dad needs a trial".
_RELATIVE = (
    r"(?:mom|mum|dad|mother|father|husband|wife|son|daughter|brother|sister|grandma|grandpa|grandmother|grandfather)"
)
_TRIALS_FOR_SOMEONE = re.compile(
    r"\b(?:trials?|studies)\s+(?:for|near)\s+(?:me|him|her|us|my|our|" + _RELATIVE + r")\b",
    re.IGNORECASE,
)
_TRIAL_WORD = re.compile(r"\b(?:trials?|studies|study)\b", re.IGNORECASE)
_SPOKEN_OF_ONE = re.compile(
    r"\b(?:suggested|mentioned|offered|recommended|proposed|brought up|talked about|found)\s+(?:her |him |them |me )?"
    r"(?:a|an|the|this|that|one)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)


# One trial a person is already in or about to start, just before its name: "six weeks into a blinded", "may start a",
# "she's in the", "a spot in a new" — not one asked about ("interested in a", "get into a").
_IN_ONE = re.compile(
    r"\b(?:(?:i'?m|am|is|are|was|were|been|he'?s|she'?s|we'?re|they'?re|currently|already|still|enrolled|participating"
    r"|spot|place|slot|part)\s+(?:(?!interested\b|looking\b)[\w'-]+\s+){0,2}?(?:in|into|on|of)"
    r"|(?:weeks?|months?|days?|years?|halfway|way)\s+into"
    r"|(?:may|might|will|to|gonna|could|should)\s+(?:start|begin)|starts|starting|started|begins|beginning|began)\s+"
    r"(?:a|an|the|this|that|my|her|his|our|their)\s+(?:[\w'-]+\s+){0,3}$",
    re.IGNORECASE,
)


def _one_for_another(text: str, mentions: Sequence[Mention]) -> bool:
    """Whether the text puts one cancer in another's place ("so it's colon cancer, not liver cancer"): after results, a
    correction, whatever topic the model reads into the words around it ("spread", "biopsy")."""
    return any(left_behind(text, m) for m in mentions) and any(not left_behind(text, m) for m in mentions)


def _asked_for_someone(text: str) -> bool:
    """Whether trials are asked for somebody ("trials for my son"), not one trial somebody spoke of ("her oncologist
    suggested a trial for her lymphoma") or is in ("I'm six weeks into a blinded trial for my breast cancer"). `text`
    is the message without the trials in hand (`trial_in_hand`: "the only trial for my son's neuroblastoma is …")."""
    return any(
        not (_SPOKEN_OF_ONE.search(text[: m.start()]) or _IN_ONE.search(text[: m.start()]))
        for m in _TRIALS_FOR_SOMEONE.finditer(text)
    )


_PERSONAL_FIND = re.compile(
    r"\b(?:trials?|studies|study)\s+(?:that\s+)?(?:i|he|she|we|they|my \w+)\s+(?:could|can|might|would)\s+"
    r"(?:join|do|try|get into|be in|enter|sign up)"
    r"|\b(?:are|r) there (?:any )?(?:clinical )?(?:trials?|studies) (?:for|near) (?:me|him|her|us|them|my)\b"
    r"|\b(?:find|finding|look(?:ing)? for|search(?:ing)? for)\s+(?:a |any |some )?(?:clinical\s+)?"
    r"(?:trials?|studies|study)\s+for\s+(?:me|my|him|her|us|our)\b"
    r"|\blook(?:ing)?\s+(?:on|in)\s+(?:his|her|their|my \w+'?s)\s+behalf\b"  # "so I'm looking on his behalf"
    r"|\b(?:look(?:ing)?|search(?:ing)?|asking|inquiring|writing)\s+on\s+behalf\s+of\b"  # "on behalf of my girlfriend"
    # "need help finding a trial", "can you help me find a study"
    r"|\b(?:need|want|like|could use)\s+(?:some\s+)?help\s+(?:finding|to\s+find|find(?:ing)?)\s+"
    r"(?:a\s+|an\s+|any\s+|some\s+)?(?:clinical\s+)?(?:trials?|studies|study)\b"
    r"|\bhelp\s+me\s+find\s+(?:a\s+|any\s+)?(?:clinical\s+)?(?:trials?|study)\b"
    # "my onc said to look at trials bc the chemo isnt working"
    r"|\bsaid\s+(?:to\s+|i\s+should\s+|we\s+should\s+)?(?:look|check)\s+(?:at|into|for)\s+(?:some\s+|any\s+)?"
    r"(?:clinical\s+)?(?:trials?|studies)"
    # "trials for which I might qualify", "studies he could qualify for", "I might be a good fit for a trial"
    r"|\b(?:trials?|studies)\s+(?:for\s+which|which|that)\s+(?:i|he|she|we|they)\s+(?:might|may|could|would)\s+"
    r"(?:qualify|be\s+eligible)"
    r"|\b(?:trials?|studies)\s+(?:i|he|she|we|they)\s+(?:might|may|could|would)\s+(?:qualify|be\s+eligible)\s+for"
    r"|\b(?:i|he|she|we|they)\s+(?:might|may|could|would)\s+be\s+(?:a\s+)?(?:good\s+)?(?:fit|candidate)\s+for\s+"
    r"(?:a\s+|any\s+|some\s+)?(?:clinical\s+)?(?:trials?|study|studies)\b"
    # "I'd like to see what's out there", "want to know what is available for him"
    r"|\b(?:like|love|want|wanna|hoping|trying)\s+to\s+(?:see|know|find\s+out|look\s+at|check)\s+what(?:'s|\s+is|s)\s+"
    r"(?:out\s+there|available|open)\b"
    # "I'd rather know what exists now than be scrambling in six months"
    r"|\b(?:like|love|want|wanna|hoping|trying|rather|prefer)\s+(?:to\s+)?(?:see|know|find\s+out|learn)\s+what\s+"
    r"(?:exists|is\s+out\s+there|there\s+is)\b(?![^?]*\?)"
    # "I'd like to see what studies exist for this", "want to know what trials are open to him"
    r"|\b(?:like|love|want|wanna|hoping|trying)\s+to\s+(?:see|know|find\s+out|look\s+at|check)\s+what\s+"
    r"(?:clinical\s+|research\s+|new\s+)?(?:trials|studies)\s+(?:exist|there\s+are|are\s+(?:out\s+there|available|open"
    r"|enrolling|recruiting))\b"
    # "whether any studies are enrolling patients with chordoma", "trials recruiting people like him"
    r"|\b(?:trials?|studies)\s+(?:that\s+are\s+|are\s+|currently\s+|now\s+)?(?:enrolling|recruiting|accepting|taking)\s+"
    r"(?:new\s+)?(?:patients|people|participants|adults|children|kids|someone|anyone)\b"
    # "I'd be open to a study", "he'd be willing to try a trial"
    r"|\b(?:open|willing)\s+to\s+(?:try(?:ing)?\s+|join(?:ing)?\s+|do(?:ing)?\s+)?(?:a|an|any|some)\s+"
    r"(?:clinical\s+|research\s+)?(?:trials?|study|studies)\b"
    # "whether there's a trial that could help", "if there is a study that might work for her"
    r"|\b(?:whether|if)\s+(?:there'?s|there\s+is|there\s+are|there\s+might\s+be)\s+(?:a|an|any|some)\s+(?:clinical\s+)?(?:trials?|study|studies)\s+"
    r"(?:that|which)\s+(?:could|might|would|can|may)\s+(?:help|work|fit)\b",
    re.IGNORECASE,
)
_ANYTHING_FOR_ME = re.compile(
    r"\b(?:anything|something)\s+(?:for|near)\s+(?:me|him|her|us|them|my)\b"
    # "anything new she could try?", "something else he can get into"
    r"|\b(?:anything|something)\s+(?:new\s+|else\s+|more\s+|experimental\s+|different\s+)?(?:that\s+)?"
    r"(?:i|he|she|we|they)\s+(?:could|can|might)\s+"
    r"(?:try|join|get into|do|sign up for)\b",
    re.IGNORECASE,
)
# A cancer and "options?" in a few words ("CML, Ottawa. options?", "wat r my options, stage 4 colon"): trial options.
_OPTIONS = re.compile(
    r"\b(?:options?|choices)\s*[?.!]*\s*$|\b(?:what|wat|wht)\s+(?:are|r|is)\s+(?:my|his|her|our|their|the)\s+options\b"
    r"(?!\s+(?:for|to|about|on|with|regarding|if|when)\b)",
    re.IGNORECASE,
)
# Asking for a trial in so many words, and nothing more: "need a trial", "I want to join a study".
_JUST_A_TRIAL = re.compile(
    r"^\s*(?:(?:hi|hello|hey)[,!.]?\s+)?(?:i\s+|we\s+|(?:my|our)\s+\w+\s+|(?:he|she|they)\s+"
    r"|" + _RELATIVE + r"\s+)?(?:really\s+)?"
    r"(?:need|needs|want|wants|wanna|looking for|am looking for|i'?m looking for|is looking for)\s+"
    r"(?:a|an|to find a|to join a|to get into a|to do a)\s+"
    r"(?:clinical\s+|cancer\s+|research\s+)?(?:trial|study)"
    r"(?:\s+for\s+(?:me|him|her|us|them|(?:my|our)\s+\w+))?\s*(?:pls|please|asap)?\s*[.!?]*\s*$",
    re.IGNORECASE,
)
# A new search asked for in so many words, after results ("search for that instead", "can you look again?").
_SEARCH_AGAIN = re.compile(
    r"\b(?:search|look|check)\s+(?:for\s+)?(?:that|this|it|them)\s+instead\b|\binstead\s*\?"
    r"|\b(?:search|look|check)\s+again\b|\b(?:redo|re-?run|update)\s+(?:the|that|my|your)\s+(?:search|list|results)\b",
    re.IGNORECASE,
)
_CORRECTING = re.compile(
    r"\b(?:not|instead(?: of)?|rather than|i meant|mixed (?:it )?up|got it wrong|my mistake|my bad|correction"
    r"|(?:search|look|check) (?:there|in|near|around)"
    # a new detail after the results: "it's specifically lobular. does that change what you found?"
    r"|(?:does|would|will) (?:that|this|it) change|specifically|turns out|(?:came|come) back as"
    r"|now they(?:'re| are) saying"
    # "Sorry, I should have been clearer. I actually live in Brandon now … Could you look from there?"
    r"|should have (?:been clearer|said|mentioned|told you)"
    r"|(?:i|we|he|she|they) actually (?:live|lives|am|are|is|meant)"
    r"|(?:look|search|check) from there"
    r"|(?:look|search|check) again|(?:redo|re-?run|update) (?:the|that|my|your) (?:search|list|results)"
    r"|narrow (?:it|that|this|them|the (?:search|list|results))|(?:just|only) (?:for|to) (?:that|this))\b",
    re.IGNORECASE,
)
# One trial or study already in view, offered or joined: "my oncologist wants me in a trial", "this trial for my bile
# duct cancer", "a kidney cancer study", "people from my myeloma study" — a singular trial with an article or a
# possessive before it (a few words may come between).
_ONE_IN_VIEW = re.compile(
    r"\b(?:a|the|this|that|my|her|his|our|their|your)\s+(?:[\w'-]+\s+){0,3}?(?:trial|study)\b(?!\s+(?:in|near|around|open)\b)",
    re.IGNORECASE,
)
_MANY_TRIALS = re.compile(r"\b(?:trials|studies|options)\b", re.IGNORECASE)
# "trial" or "study" naming something of the trial's ("what the study drugs could do", "the study coordinator").
_OF_THE_TRIAL = re.compile(
    r"\b(?:trial|study)\s+(?:drugs?|medicines?|medications?|pills?|team|nurses?|doctors?|coordinator|visits?|site|staff)\b",
    re.IGNORECASE,
)
# Joining a trial asked about ("could she join a trial?"), unless somebody else wants it ("wants me to join a trial").
_JOIN_ONE = re.compile(
    r"\b(?:join|get into|enroll in|sign up for|take part in|participate in)\s+(?:a|an|any|some)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:trial|study)\b",
    re.IGNORECASE,
)
_FOR_SOMEONE_ASKED = re.compile(
    r"(?<!\ba )(?<!\bthe )(?<!\bthis )(?<!\bthat )" + _TRIALS_FOR_SOMEONE.pattern, re.IGNORECASE
)  # "trials for my dad", not "this trial for my bile duct cancer"
_QUALIFY = re.compile(r"\b(?:qualify|eligible)\b", re.IGNORECASE)
# "what research options may be available to her", "which treatment options are open to him"
_OPTIONS_AVAILABLE = re.compile(r"\boptions?\b[^.?!]{0,40}?\b(?:available|open)\b", re.IGNORECASE)
# A next step asked for after a diagnosis: "where do we look next?", "what now?", "where do I even start".
_NEXT_STEP = re.compile(
    r"\b(?:where|what)\s+(?:do|should|can|could)\s+(?:we|i)\s+(?:even\s+)?(?:look|go|turn|start|begin)\b"
    r"|\bwhat\s+(?:now|next)\b|\bwhere\s+(?:to|do we|do i)\s+(?:even\s+)?(?:start|begin|look)\b",
    re.IGNORECASE,
)
# The person the message is about has no cancer ("my husband is healthy but his mother had colon cancer",
# "I'm perfectly healthy myself", "he has never had cancer"): the cancer named is someone else's, and a search by
# it would list treatment trials for a disease the person does not have. Who can join is the question.
_NO_CANCER_OF_THEIR_OWN = re.compile(
    r"\b(?:i'?m|i am|he'?s|he is|she'?s|she is|they'?re|they are|we'?re|we are|(?:my|our) \w+ (?:is|are))\s+"
    r"(?:perfectly\s+|completely\s+|totally\s+|100%\s+)?healthy\b(?!\s+(?:otherwise|apart|except|besides|other than))"
    r"|\b(?:has|have|'ve|'s)\s+never\s+(?:had|been diagnosed with)\s+cancer\b"
    r"|\b(?:hasn'?t|has not|haven'?t|have not|hasnt|havent)\s+(?:ever\s+)?been\s+diagnosed\b"
    r"|\b(?:don'?t|doesn'?t|do not|does not|dont|doesnt)\s+(?:have|actually have)\s+cancer\b",
    re.IGNORECASE,
)
# How scarce trials are, asked about ("why is it so hard to find studies for my daughter?"): no request.
_WHY_SO_HARD = re.compile(
    r"\bwhy\s+(?:is|are|does)\s+(?:it|there|everything)\s+(?:always\s+|seem\s+)?(?:so\s+)?(?:hard|difficult|tough|few)\b",
    re.IGNORECASE,
)
# Help asked for outright, with finding a trial read as the topic: the search's questions are that help.
_HELP_ASKED = re.compile(
    r"\b(?:can|could|would|will)\s+(?:u|you|ya|someone)\s+(?:please\s+|pls\s+|plz\s+)?help\b"
    r"|\bhelp\s+(?:me|us|him|her|them)\s+(?:find|look|search|get\s+started|start|figure\s+out\s+where)\b"
    r"|\b(?:need|want)\s+(?:some\s+)?help\s*(?:pls|please|plz)?\s*[.!?]*\s*$",
    re.IGNORECASE,
)
_STOP = re.compile(r"^\s*(?:stop|cancel|never\s*mind|nevermind|forget it|quit|no thanks?)\b", re.IGNORECASE)


# A town texted in lower case after "near" or "close to" ("whats near tucson?", "anything close to fresno"): not "near
# me", "close to home", "near the end".
_NEAR_A_TOWN = re.compile(
    r"\b(?:near|close\s+to)\s+(?!(?:me|us|you|him|her|them|here|there|home|where|town|death|by|it|this|that|the|my|our"
    r"|your|his|their|a|an|any|some|every|each|enough|nothing|anything|everything|something|someone|anyone|bedtime"
    r"|perfect|normal|zero|impossible|done|finished|over|ready|tears|term|future|midnight|christmas)\b)[a-z]{4,}\b"
)


def names_place(text: str) -> bool:
    """Whether the text seems to name a place (a ZIP, "in <Word>", "<City> OH", a state, a big city, "near <town>")."""
    return _NEAR_A_TOWN.search(text) is not None or any(
        not _NOT_PLACE_AFTER_CUE.match(text, m.start()) for m in _PLACE.finditer(text)
    )


def cancer_named(text: str) -> Optional[str]:
    """The first cancer a message names as a kind ("her ovarian cancer", "a glioblastoma"), or None; not one it sets
    aside ("it's endometrial, not ovarian cancer"), as `bot.trials.service.TrialService.condition_in` does."""
    named = [m for m in cancer_mentions(text) if m.head and specific(m)]
    kept = [m for m in named if not left_behind(text, m)] or named
    return kept[0].text if kept else None


_DONATION = re.compile(
    r"\b(?:biobanks?|bio bank|donat\w*|tissue (?:samples?|donation|bank)|specimens?|samples?)\b", re.IGNORECASE
)
# A question put as a statement: "… and I want to know if trials cost anything", "wondering what a placebo is".
_ASKS_INSIDE = re.compile(
    r"\b(?:if|whether|wonder\w*|know|curious|what|how|why|when|which|explain|means?|understand)\b", re.IGNORECASE
)
# A trial somebody spoke of, just before the cancer's name: "mentioned a", "suggested the", "found a".
_SPOKEN_OF = re.compile(r"\b(?:" + MENTIONING + r"|found|offered)\s+(?:a|an|the|some)?\s*$", re.IGNORECASE)
_DIAGNOSED = re.compile(r"\b(?:has|have|had|diagnosed|dx|with|got|fighting|battling)\b", re.IGNORECASE)
# "<cancer> trials", then nothing, a place, an age or "for me": a search ("lymphoma trials 10001"), not
# a question about such trials ("lung cancer trial costs").
_TRIALS_AFTER = re.compile(
    r"\s*(?:(?:clinical|research)\s+)?(?:trials?|studies|study)\b\s*(?:[?!.]+|$|(?:in|near|around|for|at|open)\b|\d|,)",
    re.IGNORECASE,
)


# One study, with "a", "the", "their"… before its cancer ("joins a lung cancer study", "the breast cancer study"): the
# study a question is about, not trials asked for ("breast cancer trials near me", "any lymphoma studies").
_DETERMINED = re.compile(r"\b(?:a|an|the|their|this|that|his|her|our|its)\s+$", re.IGNORECASE)
_ONE_STUDY_AFTER = re.compile(r"\s*(?:trial|study)\b(?!\s+(?:in|near|around|for|open)\b)", re.IGNORECASE)


def _fits(slot: str, text: str) -> bool:
    words = len(text.split())
    if slot == "age":
        return read_age(text, expecting=True) is not None
    if slot == "condition":
        return bool(cancer_mentions(text)) or (words <= 6 and not is_question(text))
    return names_place(text) or (words <= SHORT_ANSWER and not is_question(text) and not _STOP.match(text))


def search_intent(
    text: str,
    intent: str,
    requested_slot: Optional[str],
    searched: bool,
    unsure: bool = False,
    topic: Optional[str] = None,
    settled: bool = False,
    certain: bool = False,
    faq_share: float = 0.0,
) -> Optional[str]:
    """The intent a trial-search turn must have (`inform` or `search_trials`), or None to keep the model's.

    `topic`: the FAQ topic the model read, if any ("find_a_trial": how to find a trial — with a cancer
    named, the search itself is the better answer). `unsure`: the model could not decide; a short
    statement of a diagnosis ("my daughter has a wilms tumor") or a plain "are there trials for me?"
    then starts a search, whose questions are clearer than "did you mean …?". `settled`: the model put at least
    half of all its belief on that one topic; `certain`: at least `bot.nlu.classifier.CERTAIN` of it. `faq_share`:
    the belief the model put on the FAQ's topics together.
    """
    if _STOP.match(text):
        return None
    question = is_question(text)
    # "my mum is 58" answers "How old…?" even when the model read medical advice into it (the safety stage,
    # before the model, screens real requests for advice).
    answers_the_form = requested_slot in SEARCH_SLOTS and intent == "medical_advice" and not question
    if intent in KEEP and not answers_the_form:
        return None
    age = read_age(text)
    place = names_place(text)
    short = len(text.split()) <= 6
    mentions = [m for m in cancer_mentions(text) if (m.head or short or (place and age is not None)) and specific(m)]
    if requested_slot in SEARCH_SLOTS:
        if _fits(requested_slot, text) or mentions or age is not None:
            return INFORM
        if asks_for_trials(text) or _IN_SO_MANY_WORDS.search(text) or _TRIALS_FOR_SOMEONE.search(text):
            return INFORM  # "are there any near me?" while the form waits for the age: it asks for it again
        return None
    if _DONATION.search(text):
        return None  # "can I join the biobank? I'm 45 with lung cancer" is a donation question
    if not place and (_NO_CANCER_OF_THEIR_OWN.search(text) or _WHY_SO_HARD.search(text)):
        return None  # somebody else's cancer, or how hard trials are to find: a question, not a search
    # "lymphoma trials", not one somebody mentioned ("my oncologist mentioned a lung cancer study at the university")
    named_trials = any(
        _TRIALS_AFTER.match(text, m.start + len(m.text))
        and not _SPOKEN_OF.search(text[: m.start])
        and not _IN_ONE.search(text[: m.start])  # "my wife may start a breast cancer trial in Denver"
        and not held_at(text, m.start)  # "if she joins a breast cancer trial in Boston, are they obligated to pay?"
        and not (_ONE_STUDY_AFTER.match(text, m.start + len(m.text)) and _DETERMINED.search(text[: m.start]))
        for m in mentions
    )
    words = len(text.split())
    in_so_many_words = _IN_SO_MANY_WORDS.search(text) is not None
    personal_find = _PERSONAL_FIND.search(text) is not None
    confident_faq = intent == "faq" and not unsure and topic != FIND_A_TRIAL
    asks_outright = (
        asks_for_trials(text, mentioned=False)
        or _OPTIONS_AVAILABLE.search(text) is not None
        or personal_find  # "so I'm looking on his behalf"
        or in_so_many_words  # "I'd like to know all of her options"
    )
    asked_or_told = (question and not searched and age is None) or words > LONG
    # One topic holds most of the model's belief and trials are spoken of only as its subject ("will our military
    # coverage handle a research study for him?", "would she qualify for pediatric studies or adult ones?"), never
    # asked for in so many words: the topic is answered even with an age or a diagnosis told.
    settled_subject = settled and (question or words > LONG) and not (in_so_many_words or personal_find)
    # A topic the model is certain of is answered, whatever cancer, place or age is told around it, unless trials are
    # asked for somebody ("trials for my son", "studies he could join"): "A clinic told us their trial will cure my
    # wife's glioblastoma. Is any trial really guaranteed?", "I'm a Navy veteran with prostate cancer, treated at the
    # VA … I'd like to know if veterans get access to clinical trials". Trials for young people (`NEAR_A_SEARCH`)
    # with a cancer named are searched: the list answers "are there studies for people her age?" best.
    said = mentions or age is not None or place or read_subtype(text)  # "it's non-small cell": a kind on its own
    unheld = trial_in_hand(text)  # the message without the one trial it is about ("if she joins a … trial")
    for_someone = _asked_for_someone(unheld)
    if searched and said and _SEARCH_AGAIN.search(text):
        return INFORM  # "so it's appendix cancer, not colon. Can you search for that instead?", whatever topic is read
    if searched and _one_for_another(text, mentions):
        return INFORM  # "it started in her colon and spread to the liver, so it's colon cancer, not liver cancer"
    if (
        certain
        and confident_faq
        and topic not in NEAR_A_SEARCH
        and not (personal_find or for_someone or _JUST_A_TRIAL.match(text))
    ):
        return None
    # A long story about the one trial somebody already has in view, with no place and no request for trials: a question
    # about it, whatever age or diagnosis is told ("I'm 31, just found out I have stage 2 breast cancer, and my
    # oncologist wants me in a trial. … Nobody has mentioned what the study drugs could do to [a pregnancy]").
    if (
        words > LONG
        and not place
        and faq_share >= FAQ_STORY
        and _ONE_IN_VIEW.search(text)
        and not _MANY_TRIALS.search(text)
        and not asks_for_trials(_ONE_IN_VIEW.sub(" ", _OF_THE_TRIAL.sub(" ", text)), mentioned=False)
        and not (in_so_many_words or personal_find or _JOIN_ONE.search(trial_in_hand(text)))
        and not any(p.search(text) for p in (_FOR_SOMEONE_ASKED, _ANYTHING_FOR_ME, _QUALIFY, _JUST_A_TRIAL))
    ):
        return None
    if confident_faq and not place and not named_trials and ((asked_or_told and not asks_outright) or settled_subject):
        # Read with confidence as a FAQ question, with no place to search around and no request for trials: answered;
        # the person can still ask for trials. Either a question with no age that names a study only as what it is
        # about ("will his insurance cover it if he joins a lung cancer study?"), or a long story asking something
        # inside it ("my doctor mentioned a study for my lymphoma, and I have no clue whether my coverage allows
        # that") or only implying it ("I'm 45 with stage 3 colon cancer … that idea freaks me out"), or a settled one.
        return None
    # A long story with nearly all of the model's belief on the FAQ's topics (split between a few of them), no age and
    # no trials asked for in any words: a question told as a story, answered or asked about even with a diagnosis and
    # a place told ("The only trial my oncologist found for my kidney cancer is in Houston, and I live in rural
    # Arkansas. … I don't know how people manage it."). With an age told, such stories were mostly searches ("My son
    # is 21 … just diagnosed with a germ cell tumor … the doctors at school said to ask about trials").
    asks = in_so_many_words or for_someone or any(p.search(text) for p in (_QUALIFY, _ANYTHING_FOR_ME))
    asks_somehow = (
        asks
        or asks_outright
        or named_trials
        or asks_for_trials(text, mentioned=False)
        or any(p.search(text) for p in (_OPTIONS, _NEXT_STEP))
    )
    if words > LONG and faq_share >= FAQ_STORY and age is None and not asks_somehow:
        return None
    short_or_unread = words <= LONG or unsure or intent == SEARCH
    diagnosed = words <= LONG and any(_DIAGNOSED.search(text[: m.start]) for m in mentions)
    # "my wife was diagnosed with rectal cancer last month": telling the bot of a diagnosis, with no question,
    # starts a search (its questions come next) even when the model read a FAQ topic into it.
    diagnosis = diagnosed and (unsure or not (question or _ASKS_INSIDE.search(text)))
    # A long story with an age and a cancer ("I'm 31 and was diagnosed with sarcoma … I wonder if research
    # includes people my age") is often a question about trials that the model has read with confidence:
    # without an explicit request it searches only when the model could not read it.
    # A statement without a request ("my husband is 58 with myeloma, we live in Nashville") searches
    # unless the model read it, with confidence, as a FAQ question.
    details = place or age is not None or diagnosis
    # "My little boy was just diagnosed with rhabdomyosarcoma. He's only 7." searches even when the model read a
    # FAQ topic into it: a diagnosis and an age or place are what a search needs.
    told = (diagnosed or (words > LONG and _TRIAL_WORD.search(unheld))) and (place or age is not None)
    brief = words <= BARE or told or diagnosis
    # Nearly all of the model's belief on the FAQ's topics, split between a few of them, and no age told: a question
    # about trials told as a story ("The study compares a new combination against 'the current accepted regimen' for
    # melanoma. I don't know what that regimen is"), not a search. Its weak signs of a search (a statement with a
    # detail, a story the model could not read, a study somebody mentioned) do not start one; it is answered or asked
    # about. An age is what a search needs ("My husband was diagnosed with stomach cancer in August. He's 61. …").
    faq_story = faq_share >= FAQ_STORY and age is None
    in_hand_only = _TRIAL_WORD.search(text) is not None and _TRIAL_WORD.search(unheld) is None
    stated = not question and details and (brief or (short_or_unread and not confident_faq)) and not faq_story
    only_a_name = unsure and len(mentions) == 1 and len(mentions[0].text.split()) >= words - 1  # "liver cancer"
    # "sarcoma san francisco", "melanoma trials ohio": a cancer and a few more words, no question — the form finds
    # the place in them or asks for it (the worker cannot hold the map to know every town).
    bare_search = words <= BARE and not question and not confident_faq and any(m.head for m in mentions)
    if mentions and (
        named_trials
        or (asks_for_trials(text) and faq_share < FAQ_ONLY)
        or in_so_many_words
        or stated
        or only_a_name
        or bare_search
        or topic == FIND_A_TRIAL
        or (words <= BARE + 4 and _OPTIONS.search(text) is not None)
        or (unsure and told)  # a long story with a diagnosis, a place or age and trials the model could not read
        # A cancer named in a message the model could not read at all: a story ("my boyfriend's testicular cancer came
        # back… I'm doing it for him"), a hope ("we want to find anything that gives her a real chance") or a next step
        # asked for ("where do we look next?"). The search's questions are clearer than "did you mean …?". Not a story
        # of the one trial somebody was offered ("I was offered a trial for my melanoma … what am I signing up for").
        or (unsure and not faq_story and not in_hand_only and (not question or _NEXT_STEP.search(text) is not None))
    ):
        return INFORM if searched else SEARCH
    if not searched and topic == FIND_A_TRIAL and _HELP_ASKED.search(text):
        return SEARCH  # "my dr brought up clinical trials and i have zero clue where to start lol can u help"
    short_request = words <= BARE and not question and _TRIALS_FOR_SOMEONE.search(text) is not None  # "trials for dad"
    if not searched and (personal_find or _JUST_A_TRIAL.match(text) or short_request):
        return SEARCH  # "are there any clinical trials i could join?", "trying to find a trial for my husband"
    if not searched and place and age is not None and ((not question and words <= 8) or asks_for_trials(text)):
        return SEARCH  # "64, jacksonville fl", "I'm 62 … which trials might I be eligible for?": asks the cancer
    if searched and said and (not question or _CORRECTING.search(text)):
        return INFORM  # "it's stomach cancer, not esophageal. could you look again?"
    if not searched and unsure and asks:
        return SEARCH  # "are there trials for me?", "got anything for me": the form asks for the details
    return None
