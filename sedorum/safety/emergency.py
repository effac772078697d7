"""Deterministic emergency safety net (S1 in docs/safety.md; sources in docs/sources.md).

    match = detect_emergency("my husband just collapsed")
    if match:                      # EmergencyMatch(sign="collapsed", category="fainting")
        ...                        # reply with the emergency instruction, before anything else

Independent of any ML classifier and of spaCy: regular expressions over a normalised
copy of the message, with typo tolerance for the longer key words. A sign counts when it
is happening now, to the user or to someone with them ("my husband collapsed" IS an
emergency). It does not count when it is negated ("no chest pain"), in the past ("I
fainted once years ago"), hypothetical ("if I get chest pain...") or part of a general
question ("what are the symptoms of an overdose?", "can magnesium cause chest pain?").

When in doubt the detector says "emergency": a wrong emergency reply costs a little
precision, a missed one can cost a life.

Categories: breathing, chest_pain, fainting, heart_rhythm, seizure, overdose, clot,
coughing_blood, weakness, confusion, stroke, self_harm, help_request.
Sources for the signs: [ODS*][MSD-HYPER][SmPC-MgSO4-OD] (magnesium toxicity),
[FDA-PPI] (severe low magnesium), [NHLBI-DVT] (clot in a leg or lung). Stroke, self-harm
and "call an ambulance" are added because the instruction to call the emergency number is
the right reply to them too; no health fact is stated about them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .fuzzy import FuzzyVocab

CATEGORIES: tuple[str, ...] = (
    "breathing",
    "chest_pain",
    "fainting",
    "heart_rhythm",
    "seizure",
    "overdose",
    "clot",
    "coughing_blood",
    "weakness",
    "confusion",
    "stroke",
    "self_harm",
    "help_request",
)


@dataclass(frozen=True)
class EmergencyMatch:
    sign: str  # the words that matched (normalised, lower case)
    category: str

    def to_dict(self) -> dict[str, Any]:
        return {"sign": self.sign, "category": self.category}


# ----------------------------------------------------------------------------- normalising

_FUZZY = FuzzyVocab(
    [
        "breathe", "breathing", "breathless", "breathlessness", "seizure", "seizures", "seizing",
        "convulsion", "convulsions", "convulsing", "convulsed", "unconscious", "unresponsive",
        "collapsed", "collapsing", "collapse", "collapses", "fainted", "fainting", "palpitations",
        "palpitation", "irregular", "irregularly", "heartbeat", "overdose", "overdosed", "overdosing",
        "swallowed", "coughing", "confused", "confusion", "disoriented", "ambulance", "emergency",
        "tightness", "pressure", "crushing", "swollen", "swelling", "gasping", "choking",
        "struggling", "difficulty", "shortness", "consciousness", "responding", "extremely",
        "suicide", "suicidal", "breathes", "unrousable", "drowsy", "racing",
    ],
    min_word_len=6,
    protected=[
        "painted", "painting", "tainted", "fainter", "breeding", "bleeding", "bleeping", "founding",
        "rounding", "sounding", "pounding", "mounding", "brushing", "crashing", "rushing", "grasping",
        "rasping", "wallowed", "flattering", "breather", "breathed", "pressured", "pressures",
        "confuses", "confuse", "overdoes", "swelled", "swallow", "swallows", "emergent", "collapses",
        "dreamy", "drowned", "drowns", "browsy", "choosing", "chopping", "coupling", "touching",
        "clothing", "clutching", "thickness", "tightens", "sickness", "brightness", "lightness",
        "difficult", "responded", "responds", "irregulars", "pacing", "facing", "lacing", "tracing", "bracing",
        "gracing", "raking", "raising", "rating", "raving", "racking",
    ],
)  # fmt: skip

_CONTRACTIONS = {
    "cant": "can't",
    "cnat": "can't",
    "carnt": "can't",
    "cannot": "can not",
    "couldnt": "couldn't",
    "wont": "won't",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "arent": "aren't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "im": "i'm",
    "ive": "i've",
    "hes": "he's",
    "shes": "she's",
    "theyre": "they're",
    "thats": "that's",
    "whats": "what's",
    "its": "it's",
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "hart": "heart",
    "hert": "heart",
    "brethe": "breathe",
    "breth": "breath",
    "breath": "breath",
    "chst": "chest",
    "chset": "chest",
    "chets": "chest",
    "pian": "pain",
    "pians": "pains",
    "pain": "pain",
    "faint": "faint",
    "fiant": "faint",
    "fint": "faint",
    "feint": "faint",
    "fit": "fit",
    "od": "od",
}


def normalise(text: str) -> str:
    """Lower case, straight apostrophes, common contractions and typos fixed."""
    t = (text or "").lower()
    t = t.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'").replace("\u00a0", " ")
    t = re.sub(r"([a-z])\1{2,}", r"\1", t)  # "sooo" -> "so", "heeelp" -> "help"

    def fix(m: re.Match[str]) -> str:
        w = m.group(0)
        if w in _CONTRACTIONS:
            return _CONTRACTIONS[w]
        fixed = _FUZZY.correct(w)
        return fixed or w

    t = re.sub(r"[a-z]+(?:'[a-z]+)?", fix, t)
    return re.sub(r"[ \t]+", " ", t)


# ----------------------------------------------------------------------------- the signs


def _any(*alternatives: str) -> str:
    """A non-capturing group of regex alternatives."""
    return "(?:" + "|".join(alternatives) + ")"


_PILL_WORDS = (
    r"pills?", r"tablets?", r"capsules?", "caps", "gummies", r"sachets?", r"medicines?", "medication", "meds",
    r"supplements?", "vitamins", "tabs",
)  # fmt: skip
_PILLS = _any(*_PILL_WORDS)
_CONTAINER = _any("bottle", "pack", "packet", "box", "jar", "tub", "strip", "blister", "tube", "container", "pot")
_PRODUCT = _any("sedorum", "magnesium", "iron", r"laxatives?", r"antacids?")
_CHILD = _any(
    "toddler", "baby", "babies", "son", "daughter", "kid", "kids", "child", "children", "grandson", "granddaughter",
    "grandchild", r"grandkids?", "little one", "boy", "girl", "infant", "youngster",
    r"\d{1,2}[- ]?(?:year|yr|month)s?[- ]?old",
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten)[- ](?:year|month)[- ]old",
    r"\d{1,2}\s?(?:yo|y/o)",
)  # fmt: skip
_OWNER = _any("my", "his", "her", "their")
_CHILD_QUANTITY = _any(
    r"some(?:\s+of)?", r"a few(?:\s+of)?", r"several(?:\s+of)?", r"a couple(?:\s+of)?", "one of",
    r"\d+(?:\s+of)?", "two", "three", "four", "five", "a lot of", "lots of", "a handful of",
)  # fmt: skip
_OTHERS_TABLETS = _any(
    "my", "our",
    r"(?:his|her|their)\s+(?:mum|mom|mummy|mommy|dad|daddy|gran|granny|grandma|grandad|nan)'?s",
    r"(?:mum|mom|mummy|mommy|dad|daddy|gran|granny|grandma|grandad|nan)'?s",
)  # fmt: skip
_TAKE_PAST = _any("took", "taken", "swallowed", "ate", "downed")
_LARGE_COUNT = _any(
    r"\d{2,3}", "ten", "twelve", "fifteen", "twenty", "thirty", "forty", "fifty", "a dozen", "dozens of"
)
_SMALL_COUNT = _any(r"\d+", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_HEART = _any("heart", "heartbeat", "heart beat", "heart rate", "pulse")
_INTENSE = _any("very", "really", "so", "extremely", "super", "dangerously", "too", "incredibly", "scarily", "crazy")

# (category, pattern, needs an "actual" marker to count). Sources in the module docstring.
_SIGNS: list[tuple[str, str, bool]] = [
    # --- breathing [ODS*][MSD-HYPER]
    (
        "breathing",
        r"\b"
        + _any(
            "can't",
            "can not",
            "couldn't",
            "could not",
            "unable to",
            "struggling to",
            "struggle to",
            "hard to",
            "hardly",
            "barely",
            "trouble",
            "difficulty",
            "difficult to",
            r"problems?",
            "struggling",
            r"labou?red",
            "not",
            "isn't",
            "stopped",
            "stop",
        )
        + r"\s+(?:to\s+)?"
        + _any("breathe", "breathing", "breath", "breathes")
        + r"\b|\b(?:can't|can not|couldn't) (?:i|he|she|they) (?:breathe|breath)\b",
        False,
    ),  # fmt: skip
    (
        "breathing",
        r"\bbreathing\s+(?:problems?|difficult(?:y|ies)|trouble|"
        + _any("is", "was", "has", r"feels?", "getting", "got", "gotten", "become", "becoming")
        + r"\s+(?:\w+\s+){0,3}"
        + _any(
            "hard",
            "harder",
            "difficult",
            "slow",
            "shallow",
            "laboured",
            "labored",
            "weird",
            "strange",
            "noisy",
            "rattly",
            "stopped",
            "fast",
            "rapid",
            "worse",
            "bad",
            "funny",
        )
        + r")\b",
        False,
    ),  # fmt: skip
    (
        "breathing",
        r"\b"
        + _any("can't", "can not", "couldn't", "could not", "unable to", "struggling to", "struggle to", "trying to")
        + r"\s+(?:get|catch|take|draw)\s+(?:\w+\s+){0,2}?(?:air|breath|a breath|my breath)\b|\b(?:no|not enough) air\b",
        False,
    ),
    (
        "breathing",
        r"\b"
        + _any(
            r"short(?:ness)? of breath",
            "out of breath",
            r"breathless(?:ness)?",
            "gasping",
            r"can't catch (?:my|his|her|their) breath",
            r"(?:fighting|struggling|gasping) for (?:air|breath)",
            "choking",
            "suffocating",
            r"(?:hurts?|hurting|painful|agony|sore) to (?:breathe|breath)",
            r"(?:hurts?|pain) when (?:i|he|she|they) (?:breathe|breath)(?:s|e)?",
            "turning blue",
            r"(?:lips?|face) (?:is |are )?(?:going |turning )?blue",
        )
        + r"\b",
        False,
    ),  # fmt: skip
    (
        "breathing",  # swelling of the throat, tongue or lips
        r"\b(?:throat|tongue|lips?|mouth|face)\b(?:\s+(?:is|are|feels?|has|have|keeps?))?(?:\s+[\w']+){0,3}?\s+"
        r"(?:swelling|swollen|swelled|closing|tightening|tight)\b|\b(?:can't|can not|unable to) swallow\b"
        r"|\b(?:swelling|swollen)\s+(?:of\s+)?(?:my\s+|his\s+|her\s+)?(?:throat|tongue|lips?)\b",
        False,
    ),
    # --- chest pain [NHLBI-DVT]
    (
        "chest_pain",
        r"\bchest\s+(?:(?:really|so|very|badly|still|now|just)\s+)?"
        + _any(
            r"pains?",
            r"hurts?",
            "hurting",
            r"ache[sd]?",
            "aching",
            "tightness",
            "pressure",
            "discomfort",
            r"(?:is|was|feels?|felt)\s+(?:\w+\s+)?(?:tight|hurting|painful|killing|sore|burning|heavy|crushed|crushing|like)",
        )
        + r"\b",
        False,
    ),  # fmt: skip
    (
        "chest_pain",
        r"\b(?:pains?|pressure|tightness|tight|squeezing|heaviness|crushing|burning)\s+(?:\w+\s+)?"
        r"(?:in|on|across|around|behind)\s+(?:the\s+|my\s+|his\s+|her\s+)?(?:chest|breastbone|sternum)\b"
        r"|\b(?:tight|crushing|heavy|painful|sore)\s+chest\b"
        r"|\bpains?\b[^.!?,;]{0,30}?\b(?:chest|breastbone|sternum)\b",
        False,
    ),
    ("chest_pain", r"\bheart attack\b", False),
    (
        "chest_pain",
        r"\b(?:sitting|pressing|weight|squeezing|crushing|heavy|band|vice|vise|stabbing)\s+(?:\w+\s+){0,2}?"
        r"(?:on|in|around|across)\s+(?:my|his|her|the)\s+chest\b"
        r"|\bpain\s+(?:\w+\s+){0,2}(?:down|into|in)\s+(?:my|his|her)\s+(?:left\s+)?(?:arm|jaw)\b"
        r"|\b(?:clutching|holding|grabbing|gripping|clasping)\s+(?:at\s+)?" + _OWNER + r"\s+chest\b"
        r"|\b(?:face|skin|lips)\s+(?:has\s+|have\s+|is\s+|are\s+)?(?:gone|turned|going|turning)\s+"
        r"(?:grey|gray|white|blue|ashen)\b",
        False,
    ),
    # --- fainting, collapse, very low blood pressure [ODS*][MSD-HYPER]
    (
        "fainting",
        r"\b"
        + _any(
            "fainted",
            "fainting",
            "faints",
            "passed out",
            "passing out",
            "pass out",
            "passes out",
            "blacked out",
            "blacking out",
            "black out",
            "collapsed",
            "collapsing",
            "collapses",
            "collapse",
            "keeled over",
            "lost consciousness",
            "losing consciousness",
            "unconscious",
            "unresponsive",
            "not responding",
            "isn't responding",
            "won't respond",
            "won't wake",
            "can't wake",
            "not waking",
            "isn't waking",
            "hard to wake",
            "can not wake",
            "unrousable",
            "not moving",
            "isn't moving",
            "stopped moving",
            # Not the visitor declining to answer the screening: "I'm not answering that".
            r"(?<!i'm )(?<!i am )(?<!im )not answering(?!\s+(?:that|this|these|those|any|anymore|more|your|you|the|"
            r"questions?)\b)",
            "isn't answering",
            "no response",
            "lifeless",
            r"(?:dropped|fell|slumped|crumpled|keeled) (?:down )?(?:to|on|onto) the (?:floor|ground)",
            r"(?:on|off) the floor and (?:not|won't|can't)",
            r"can't keep (?:him|her|them|me) awake",
        )
        + r"\b",
        False,
    ),  # fmt: skip
    ("fainting", r"\b(?:feel|feels|feeling|felt|going to|gonna|about to|might|i'm|i am)\s+(?:\w+\s+)?faint\b", False),
    (
        "fainting",
        r"\b(?:blood pressure|bp)\s+(?:is\s+|has\s+|was\s+)?(?:just\s+|suddenly\s+|really\s+)?"
        r"(?:(?:very|really|extremely|dangerously|super|so)\s+low|dropped|crashed|plummeted|tanked|bottomed out)\b"
        r"|\b(?:blood pressure|bp)\b\D{0,25}?\b(?:[3-8]\d)\s*(?:/|over)\s*\d{2,3}\b",
        False,
    ),
    # --- heart rhythm [ODS*][SmPC-MgSO4-OD][FDA-PPI]
    (
        "heart_rhythm",
        r"\b"
        + _HEART
        + r"\b[^.!?,;]{0,25}?\b"
        + _any(
            "racing",
            "pounding",
            "hammering",
            "galloping",
            "fluttering",
            "skipping",
            "jumping around",
            r"irregular(?:ly)?",
            r"erratic(?:ally)?",
            "all over the place",
            "out of rhythm",
            "going crazy",
            "going mad",
            "going wild",
            "stopping",
            "stopped",
            r"flip[- ]?flopping",
            "thumping",
            r"beating (?:so |really |very )?(?:fast|hard|weird(?:ly)?|strangely|funny)",
            r"(?:beating|racing|pounding|going) like (?:mad|crazy|hell|a drum)",
            "out of my chest",
            r"somersaults?",
            r"flips?",
            r"flip[- ]?flops?",
            r"back ?flips?",
            r"doing (?:weird|funny|strange) things",
        )
        + r"\b",
        False,
    ),  # fmt: skip
    (
        "heart_rhythm",
        r"\b" + _HEART + r"\b[^.!?,;]{0,25}?\b" + _INTENSE + r"\s+(?:slow(?:ly)?|low|weak|fast|high|irregular)\b",
        False,
    ),
    (
        "heart_rhythm",
        r"\b(?:(?:very|really|extremely|dangerously|super|so)\s+(?:slow|fast|irregular|weak)|racing|pounding|"
        r"irregular|erratic|skipping)\s+(?:heart\s?beat|heart rate|heart|pulse)\b",
        False,
    ),
    ("heart_rhythm", r"\bpalpitations?\b", False),
    # a pulse under 40 or over 150 a minute (the range is checked in code)
    (
        "heart_rhythm",
        r"\b(?:pulse|heart ?rate|heartbeat|hr)\b\D{0,20}?\b(?P<bpm>\d{2,3})\b(?!\s*(?:%|mg|years?|kg))",
        False,
    ),
    # --- seizure [FDA-PPI]
    (
        "seizure",
        r"\b"
        + _any(
            r"seizures?",
            "seizing",
            r"convulsions?",
            "convulsing",
            "convulsed",
            "epileptic (?:fit|attack)",
            "grand mal",
            r"(?:having|had|has|have|in) (?:\w+\s+){0,3}?fit\b(?!\s+(?:of|for|with|in|into))",
            r"(?:is|he's|she's|'s|are|keeps?|started|been) fitting",
        )
        + r"\b",
        False,
    ),  # fmt: skip
    (
        "seizure",
        r"\b(?:shaking|jerking|twitching|trembling)\s+(?:\w+\s+)?(?:uncontrollably|violently|all over)\b"
        r"|\b(?:whole|entire)\s+body\s+(?:is\s+)?(?:shaking|jerking|convulsing)\b",
        False,
    ),
    # --- overdose [ODS*]
    ("overdose", r"\boverdos(?:e|ed|es|ing)\b", False),
    (
        "overdose",
        r"\b(?:took|taken|take|taking|swallowed|ate|eaten|had|downed|drank|drunk|got into|gotten into)\s+"
        r"(?:\w+\s+){0,3}?"
        + _any(
            "too many",
            "too much",
            "way too many",
            "way too much",
            r"a (?:whole|full|entire) " + _CONTAINER,
            r"the (?:whole|full|entire) " + _any(_CONTAINER, "lot"),
            r"all (?:of )?(?:my|his|her|the|their|them|those|these)\b",
            r"(?:a )?(?:handful|load|loads|bunch|lot|pile) of",
            r"half (?:the|a) " + _CONTAINER,
            r"(?:double|triple|twice|three times|two times)\s+(?:the\s+|my\s+|his\s+|her\s+)?"
            r"(?:usual\s+)?(?:dose|amount)",
            r"(?:\w+\s+)?(?:days?|weeks?|months?)'?s?\s+worth",
            _LARGE_COUNT + r"\s+(?:\w+\s+)?" + _any(_PILLS, _PRODUCT, r"of (?:them|those|these|my|his|her|the)"),
        ),
        False,
    ),  # fmt: skip
    (
        "overdose",  # a child got into the tablets
        r"\b"
        + _CHILD
        + r"\b[^.!?]{0,40}?\b"
        + _any(
            "ate",
            "eaten",
            "swallowed",
            "chewed",
            "drank",
            "drunk",
            "got into",
            "gotten into",
            "has eaten",
            "has swallowed",
        )
        + r"\b[^.!?]{0,30}?\b"
        + _any(
            _PILLS,
            _CONTAINER,
            _PRODUCT,
            "loads",
            "lots",
            "a lot",
            "a bunch",
            "a handful",
            "the lot",
            "them all",
            "all of them",
            "some",
        )
        + r"\b|\b"
        + _CHILD
        + r"\b[^.!?]{0,40}?\b"
        + _any(_PRODUCT, _PILLS)
        + r"\b[^.!?]{0,30}?\b(?:ate|eaten|swallowed|chewed|drank)\b",
        False,
    ),  # fmt: skip
    (
        "overdose",
        r"\b" + _TAKE_PAST + r"\b[^.!?]{0,40}?\b(?:in one go|all at once|in one sitting)\b"
        r"|\b"
        + _TAKE_PAST
        + r"\s+(?:\w+\s+)?"
        + _SMALL_COUNT
        + r"\s+(?:\w+\s+)?"
        + _PILLS
        + r"[^.!?]{0,20}?\b(?:instead of|by mistake|by accident|accidentally)\b",
        False,
    ),
    (
        "overdose",  # a child took someone's tablets: "my son has taken some of my iron tablets"
        r"\b"
        + _CHILD
        + r"\b[^.!?]{0,30}?\b(?:took|taken|got hold of|gotten hold of)\s+"
        # a quantity ("a few", "some of my"), or someone's own tablets ("my", "his mum's")
        + _any(_CHILD_QUANTITY + r"(?:\s+" + _OTHERS_TABLETS + ")?", _OTHERS_TABLETS)
        + r"\s+(?:\w+\s+){0,2}?"
        + _any(_PILLS, _PRODUCT, r"ferrous \w+")
        + r"\b",
        False,
    ),  # fmt: skip
    ("overdose", r"\b(?:got|gotten|getting)\s+into\s+(?:my|his|her|the|their|our)\s+(?:\w+\s+)?" + _PILLS, False),
    # --- clot in a leg or lung [NHLBI-DVT]
    (
        "clot",
        r"\b"
        + _any("one", r"(?:my|his|her|the) (?:left|right)", "left", "right", r"one of (?:my|his|her)")
        + r"\s+(?:\w+\s+)?(?:leg|calf|calves|thigh|ankle)s?\b[^.!?]{0,40}?\b"
        + _any("swollen", "swelling", "swelled", "red", "hot", "warm", "puffy", "inflamed")
        + r"\b",
        False,
    ),
    (
        "clot",
        r"\b(?:leg|calf|thigh)\b[^.!?]{0,40}?\b(?:swollen|swelling|red|hot|warm)\b"
        r"[^.!?]{0,30}?\b(?:one|left|right) side\b"
        r"|\b(?:swollen|red|hot|warm|puffy)\s+(?:\w+\s+)?(?:left|right)\s+(?:leg|calf|thigh)\b",
        False,
    ),
    ("clot", r"\b(?:blood clot|dvt|pulmonary embolism|embolism|clot in (?:my|his|her) (?:leg|lung))\b", True),
    (
        "coughing_blood",
        r"\b"
        + _any(
            "coughing",
            "coughed",
            "cough",
            "spitting",
            "spat",
            "vomiting",
            "vomited",
            "throwing up",
            "threw up",
            "puking",
            "bringing up",
            "brought up",
            "bring up",
        )
        + r"\s+(?:up\s+)?(?:\w+\s+)?blood\b|\bcough\w*\b[^.!?]{0,30}?\bblood\b"
        r"|\bblood when (?:i|he|she) cough|\bblood in (?:my|his|her) (?:cough|spit|sputum|vomit)\b",
        False,
    ),  # fmt: skip
    # --- marked weakness [ODS*][MSD-HYPER]
    (
        "weakness",
        r"\b(?:extremely|severely|incredibly|very|really|so|too)\s+weak\b[^.!?]{0,30}?\b"
        r"(?:can't|can not|couldn't|unable to|to)\s+(?:stand|walk|move|get up|lift|hold|sit up|talk)\b",
        False,
    ),
    (
        "weakness",
        r"\b"
        + _any(
            r"(?:extremely|severely|incredibly)\s+weak",
            r"extreme (?:weakness|drowsiness)",
            "floppy",
            r"(?:gone|went|is|are|going) limp",
            r"(?:no|zero) strength",
            r"can't even (?:hold|lift|stand|walk|sit up)",
            r"(?:can't|can not|unable to)\s+(?:move|lift)\s+" + _OWNER + r"\s+(?:arms?|legs?|body|head)",
        )
        + r"\b|\bmuscles?\b[^.!?]{0,20}\b(?:stopped working|won't work)\b",
        False,
    ),  # fmt: skip
    # --- stroke (no fact stated; the instruction applies)
    (
        "stroke",
        r"\b(?:having|had|has had|is having) (?:a |another )?stroke\b|\bface (?:is )?(?:drooping|droopy)\b"
        r"|\bslurred speech\b|\b(?:speech is|is|are|am|i'm) slurr(?:ed|ing)\b"
        r"|\b(?:can't|can not|unable to) (?:speak|talk) (?:properly|clearly|right|normally)\b"
        r"|\b(?:one side of (?:my|his|her) (?:face|body)|(?:face|arm|leg|body) (?:\w+\s+){0,3}on one side)\b"
        r"[^.!?]{0,20}?\b(?:numb|weak|drooping|droopy|dropped|paralysed|paralyzed)\b"
        r"|\b(?:numb|weak|drooping|droopy|paralysed|paralyzed)\b[^.!?]{0,20}?\bon one side\b",
        False,
    ),
    # --- self-harm (no fact stated; the instruction applies)
    (
        "self_harm",
        r"\b"
        + _any(
            r"kill(?:ing)? myself",
            r"end(?:ing)? (?:my|my own) life",
            "end it all",
            r"take my (?:own )?life",
            "suicidal",
            "want to die",
            "wanna die",
            r"don't want to (?:live|be alive)",
            r"hurt(?:ing)? myself",
            r"self[- ]harm",
        )
        + r"\b",
        False,
    ),  # fmt: skip
    (
        "help_request",
        r"\b(?:feel|feels|feeling) like (?:i'm|i am|he's|she's|he is|she is) (?:dying|going to die)\b"
        r"|\bi think (?:i'm|i am) dying\b",
        False,
    ),
    (
        "help_request",
        r"\b(?:call(?:ing)?|need|get|send|phone|ring)\s+(?:for\s+)?(?:an\s+|the\s+)?(?:ambulance|paramedics?|911|999|112)\b",
        False,
    ),
]
_SIGN_RES = [(cat, re.compile(p), needs_actual) for cat, p, needs_actual in _SIGNS]

# Confusion or extreme drowsiness: counts with magnesium in the picture, or both together [ODS*][MSD-HYPER].
_CONFUSION_RE = re.compile(
    r"\b(?:confused|confusion|disoriented|disorientated|delirious|not making sense|talking nonsense|incoherent|"
    r"doesn't know where (?:he|she|i) (?:is|am))\b"
    r"(?!\s+(?:about|by|with|as to|regarding|whether|if|why|how|what|which|on|over))"
)
_DROWSY_RE = re.compile(
    r"\b(?:(?:very|extremely|really|so|too|super|incredibly)\s+(?:drowsy|sleepy|lethargic)|can't stay awake|"
    r"can barely stay awake|barely stay awake|can hardly stay awake|can't keep (?:my|his|her) eyes open|"
    r"keeps? (?:falling|nodding) (?:asleep|off)|extreme drowsiness|unrousable|hard to wake)\b"
)
_WEAK_RE = re.compile(r"\b(?:very|extremely|really|so|too|incredibly|terribly)\s+weak\b")
_MAGNESIUM_CONTEXT_RE = re.compile(
    r"\b(?:magnesium|sedorum|supplements?|tablets?|pills?|capsules?|laxatives?|antacids?|epsom|magnesia|dialysis|"
    r"kidneys?|overdos\w*|took|taken|taking|takes|gaviscon|rennie|maalox)\b"
)

# ----------------------------------------------------------------------------- context

_NEGATION_RE = re.compile(
    r"\b(?:no|not|never|without|none|neither|nor|nobody|nothing|deny|denies|denied|free of|absence of|"
    r"haven't|hasn't|isn't|aren't|wasn't|weren't|don't|doesn't|didn't|won't|no longer)\b"
)
_PSEUDO_NEGATION_RE = re.compile(
    r"\b(?:not sure|don't know|do not know|no idea|can't tell|can not tell|not certain|don't think|do not think|"
    r"not only|not just|doesn't matter|don't care|no clue)\b"
)
_HISTORICAL_RE = re.compile(
    r"\b(?:years? ago|months? ago|weeks? ago|a while ago|long ago|long time ago|last (?:year|month|week|summer|winter|"
    r"spring|autumn|fall|christmas)|as a (?:child|kid|teenager|teen|baby|boy|girl)|when (?:i|he|she|we) (?:was|were) "
    r"(?:\d+|younger|little|a child|a kid|young|pregnant|a teenager|a teen|small|at school|in)|"
    r"at (?:the )?age (?:of )?\d+|"
    r"in the past|used to|twice before|before|previously|in (?:19|20)\d\d|"
    r"history of|died (?:of|from)|passed away|back in|in my (?:teens|twenties|youth)|years back)\b"
    r"|(?<!at )\bonce\b(?! (?:i|you|he|she|it|they|we)\b)"
)
_HABITUAL_RE = re.compile(
    r"\b(?:sometimes|often|usually|occasionally|now and then|from time to time|lately|"
    r"every (?:night|evening|day|morning)|"
    r"when i (?:run|walk|climb|exercise|exert)|on hills|on the stairs|after exercise|after (?:a )?(?:long )?walks?|"
    r"for (?:weeks|months|years)|"
    # a long-standing, diagnosed condition, not a sign happening now ("I've been diagnosed with an
    # irregular heartbeat", "my dad has an irregular heart rhythm")
    r"diagnosed|diagnosis|(?:has|have|has got|have got)\s+(?:an?\s+)?(?:irregular|abnormal)\s+"
    r"(?:heart\s?beat|heart rhythm|rhythm|pulse))\b"
)
# Markers that the sign is real and happening (to the user or someone with them).
_NOW_RE = re.compile(
    r"\b(?:right now|just now|now|currently|at the moment|atm|still|tonight|today|this (?:morning|evening|afternoon|"
    r"week)|since|suddenly|all of a sudden|keeps?|kept|happening|started|starting|again|for the last)\b"
)
_PROGRESSIVE_RE = re.compile(
    r"(?:\b(?:i'm|i am|he's|she's|he is|she is|they're|they are|we're|be|been)|(?<=\w)'s|(?<=\w\s)(?:is|are|am))"
    r"\s+(?:\w+\s+)?(?:having|getting|"
    r"feeling|experiencing|going to|gonna|about to|struggling|gasping|fitting|convulsing|shaking|seizing|bleeding|"
    r"coughing|turning|losing|fainting|collapsing|passing)\b"
    r"|\b(?:am|is|are)\s+(?:i|he|she|they|my \w+)\s+(?:\w+\s+)?having\b"
)
_SUBJECT_VERB_RE = re.compile(
    r"\b(?:i|i've|i'm|he|she|he's|she's|they|we|it|mum|mom|mam|dad|grandad|granddad|grandpa|grandma|gran|nan|granny|"
    r"husband|wife|partner|son|daughter|baby|toddler|(?:my|his|her|our) \w+)\s+(?:just\s+|suddenly\s+|then\s+|also\s+|"
    r"really\s+|now\s+)?(?:have|has|got|feel|feels|felt|took|taken|swallowed|ate|drank|collapsed|fainted|passed|blacked|"
    r"overdosed|can't|can not|couldn't|could not|won't|isn't|is not|wasn't|keep|keeps|kept|went|fell|started|hit|"
    r"been|seems?|looks?|can|could|am|is|are|was|were|'m|'s)\b"
)
# A first-person statement with the subject dropped, as people type when short of breath or
# frightened: "can barely breathe", "cant breathe properly", "feeling faint and dizzy".
_DROPPED_SUBJECT_RE = re.compile(
    r"^\W*(?:and\s+|but\s+|now\s+|just\s+)?(?:can't|cant|cannot|can not|can barely|can hardly|barely|hardly|"
    r"struggling|struggle|having|feel|feeling|getting|got)\b"
)
_OWN_BODY_RE = re.compile(
    r"\b(?:my|his|her|their)\s+(?:\w+\s+)?(?:chest|heart|heartbeat|pulse|throat|lips|tongue|breathing|breath|legs?|calf|"
    r"arms?|muscles?|body|face|head|blood pressure|bp)\s+(?:is|are|was|feels?|felt|hurts?|went|has|have|keeps?|just|"
    r"won't|isn't|beating)\b"
    r"|\b(?:is|are|was|does|why|how come)\s+(?:my|his|her)\s+(?:\w+\s+)?"
    r"(?:chest|heart|heartbeat|pulse|throat|breathing|"
    r"leg|calf|body)\b"
    r"|\b(?:is|could|might)\s+(?:this|that|it)\s+(?:be\s+)?(?:a|an)\b"
    r"|\b(?:why|how come)\s+(?:can't|can not|am|is|are|do|does|did|won't|isn't|has|have)\s+(?:i|he|she|my|his|her)\b"
)
_HELP_RE = re.compile(r"^\W*(?:help|please help|someone help|sos|urgent|emergency)\b|\bhelp\s*!+|\bhelp me\s*!+")
_WHAT_NOW_RE = re.compile(r"\bwhat (?:do|should|can|shall) (?:i|we) do\b(?!\s+(?:if|when|in))|\bwhat now\b")

_STRONG_HYPO_RE = re.compile(
    r"\b(?:what if|suppose|supposing|imagine|hypothetically|in case|let's say|should (?:i|you) ever|"
    r"if (?:i|you|someone|somebody|anyone|he|she|they|a person) (?:ever|were|was|had|get|got|develop)|"
    r"if (?:someone|somebody|anyone|anybody|a person|people|you|a child|your)\b)\b"
)
_HYPO_RE = re.compile(r"\b(?:if|unless|would|could|might|should i|when should|in case)\b")
_GENERIC_SUBJECT_RE = re.compile(
    r"\b(?:you|someone|somebody|anyone|anybody|people|a person|one|a child|children|kids|patients|women|men|"
    r"an overdose)\b"
)
_SYMPTOM_RE = re.compile(
    r"\b(?:symptoms?|signs?|side[- ]?effects?|warning signs?|risks?|dangers?|dangerous|effects? of|toxicity|"
    r"feel like\??$|look like)\b"
)
_CAUSE_RE = re.compile(
    r"\b(?:cause[sd]?|causing|lead(?:s)? to|result in|trigger(?:s|ed)?|linked to|associated with|help(?:s)? with|"
    r"help|prevent(?:s)?|treat(?:s)?|relieve|good for|bad for|interact(?:s)?|make (?:you|me|people)|give (?:you|me))\b"
)
_WORRY_RE = re.compile(
    r"\b(?:worried|afraid|scared|concerned|fear|nervous|anxious)\s+(?:about|of|that)\b|\bhow (?:much|many)\b|"
    r"\bis (?:it|there)\b|\bwhat (?:is|are|does|do|happens|would|will)\b|\bwhen (?:should|do|to)\b|"
    r"\bhow (?:do|would|can|will) (?:i|you|we|one)\b"
    r"|\b(?:can|could|will|would|might|may|do|does)\s+(?:i|you|one|people|"
    r"someone)\s+(?:get|have|experience|develop|suffer|overdose)\b"
)
_QUESTION_START_RE = re.compile(
    # "can barely breathe" is a statement with the subject dropped, not a question.
    r"^\W*(?:what|which|how|why|when|where|who|is|are|can|could|does|do|will|would|should|may|might|am)\b(?!')"
    r"(?!\s+(?:barely|hardly|not|no longer|only just)\b)"
)
_ANAPHORA_RE = re.compile(
    r"\b(?:i|he|she|they)\s+(?:have|has|'ve got|'s got|got|am having|'m having|is having|are having|am experiencing|"
    r"'m experiencing|feel|feels)\s+(?:it|that|this|them|those|these|one)\b(?:\s+(?:right\s+)?now)?"
    r"|\b(?:it's|this is|that's|it is) happening(?: to me)?(?: right)? now\b"
)

_LIST_GLUE_RE = re.compile(r"\s*(?:or|and|nor|or any|and any|and no|or no|/)?\s*")
_SENTENCE_SPLIT_RE = re.compile(r"[.!?\n]+")
_CLAUSE_SPLIT_RE = re.compile(
    r"[,;:()]|\s-\s|\b(?:but|although|though|however|yet|because|whereas|while)\b|"
    # "so" joins clauses only before a subject ("so I called"); "so weak" / "so fast" is an intensifier
    r"\bso\s+(?=(?:i|i'm|i've|he|she|he's|she's|my|we|they|it|now|then)\b)|"
    r"\band\s+(?=(?:i|i'm|i've|he|she|he's|she's|my|now|then|it|they|we|today|tonight|suddenly)\b)"
)


@dataclass
class _Piece:
    start: int
    end: int


def _pieces(text: str, splitter: re.Pattern[str], start: int, end: int) -> list[_Piece]:
    out: list[_Piece] = []
    pos = start
    for m in splitter.finditer(text, start, end):
        if m.start() > pos:
            out.append(_Piece(pos, m.start()))
        pos = m.end()
    if pos < end:
        out.append(_Piece(pos, end))
    return out


def _is_negated(window: str) -> bool:
    window = _PSEUDO_NEGATION_RE.sub(" ", window)
    words = window.split()
    return bool(_NEGATION_RE.search(" ".join(words[-5:])))


def _question(sentence: str, full: str, end: int) -> bool:
    return bool(_QUESTION_START_RE.search(sentence)) or full[end : end + 1] == "?"


def _assess(text: str) -> tuple[list[EmergencyMatch], list[EmergencyMatch]]:
    """Signs that count, and signs left out only for being general or hypothetical."""
    found: list[EmergencyMatch] = []
    general: list[EmergencyMatch] = []
    for sent in _pieces(text, _SENTENCE_SPLIT_RE, 0, len(text)):
        sentence = text[sent.start : sent.end]
        is_question = _question(sentence, text, sent.end)
        clauses = _pieces(text, _CLAUSE_SPLIT_RE, sent.start, sent.end)
        # A sentence opened by a time phrase ("Years ago, I fainted") is past as a whole.
        lead_past = (
            bool(clauses)
            and len(text[clauses[0].start : clauses[0].end].split()) <= 4
            and bool(_HISTORICAL_RE.search(text[clauses[0].start : clauses[0].end]))
        )
        help_now = bool(_HELP_RE.search(sentence))
        what_now = bool(_WHAT_NOW_RE.search(sentence))
        for cl in clauses:
            clause = text[cl.start : cl.end]
            hits: list[tuple[int, int, str, bool]] = []
            for cat, rx, needs_actual in _SIGN_RES:
                for m in rx.finditer(text, cl.start, cl.end):
                    bpm = m.groupdict().get("bpm")
                    if bpm is not None and 40 <= int(bpm) <= 150:
                        continue
                    hits.append((m.start(), m.end(), cat, needs_actual))
            conf = _CONFUSION_RE.search(text, cl.start, cl.end)
            drowsy = _DROWSY_RE.search(text, cl.start, cl.end)
            weak = _WEAK_RE.search(text, cl.start, cl.end)
            if conf or drowsy or weak:
                mg = bool(_MAGNESIUM_CONTEXT_RE.search(text))
                both = bool(_CONFUSION_RE.search(sentence)) and bool(_DROWSY_RE.search(sentence))
                sudden = bool(_NOW_RE.search(sentence))
                if conf and (mg or both or sudden):
                    hits.append((conf.start(), conf.end(), "confusion", False))
                if drowsy and (mg or both):
                    hits.append((drowsy.start(), drowsy.end(), "confusion", False))
                if weak and mg:
                    hits.append((weak.start(), weak.end(), "weakness", False))
            if not hits:
                continue
            hits.sort()
            now = bool(_NOW_RE.search(clause))
            progressive = any(
                not _GENERIC_SUBJECT_RE.search(clause[max(0, m.start() - 12) : m.start() + 1])
                for m in _PROGRESSIVE_RE.finditer(clause)
            )
            actual = (
                now
                or progressive
                or help_now
                or what_now
                or bool(_SUBJECT_VERB_RE.search(clause) or _OWN_BODY_RE.search(clause))
                or bool(_DROPPED_SUBJECT_RE.match(clause) and not is_question)
            )
            past = (bool(_HISTORICAL_RE.search(clause)) or lead_past or bool(_HABITUAL_RE.search(sentence))) and not (
                now or progressive
            )
            prev_end = cl.start
            prev_negated = False
            for start, end, cat, needs_actual in hits:
                window = text[max(cl.start, prev_end) : start]
                prev_end = max(prev_end, end)
                # "no chest pain or breathing problems": the "no" covers the whole list
                negated = _is_negated(window) or (prev_negated and bool(_LIST_GLUE_RE.fullmatch(window)))
                prev_negated = negated
                if negated:
                    continue
                if past:
                    continue
                before = text[sent.start : start]
                strong_hypo = bool(
                    _STRONG_HYPO_RE.search(before) or (_GENERIC_SUBJECT_RE.search(before) and _HYPO_RE.search(before))
                ) and not (now or progressive or help_now)
                match = EmergencyMatch(sign=text[start:end].strip(), category=cat)
                if strong_hypo:
                    general.append(match)
                    continue
                if not actual:
                    framed = (
                        needs_actual
                        or bool(_SYMPTOM_RE.search(sentence))
                        or bool(_CAUSE_RE.search(sentence))
                        or bool(_WORRY_RE.search(sentence))
                        or bool(_HYPO_RE.search(before))
                        or bool(_GENERIC_SUBJECT_RE.search(text[max(cl.start, start - 40) : start]))
                        or is_question
                    )
                    if framed:
                        general.append(match)
                        continue
                found.append(match)
    return found, general


def detect_all(text: str) -> list[EmergencyMatch]:
    """Every emergency sign that counts in `text` (empty list if none)."""
    norm = normalise(text)
    if not norm.strip():
        return []
    found, general = _assess(norm)
    if not found and general and _ANAPHORA_RE.search(norm):
        # "Can magnesium cause chest pain? Because I have it right now."
        return general
    return found


def mentions_sign(text: str) -> bool:
    """True when `text` names an emergency sign at all, even one the detector then ruled out.

    Why: "I'm not having any trouble breathing", "I fainted once years ago" and "my uncle
    collapsed at a wedding" name signs that the rules above deliberately set aside (negated,
    past, someone not present). A word-based classifier cannot see those distinctions and
    scores them as emergencies; this lets the NLU know the detector has already looked.
    """
    norm = normalise(text)
    return any(rx.search(norm) for _, rx, _ in _SIGN_RES)


def detect_emergency(text: str) -> EmergencyMatch | None:
    """The first acute emergency sign in `text`, or None."""
    found = detect_all(text)
    return found[0] if found else None
