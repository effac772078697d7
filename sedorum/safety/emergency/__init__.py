"""Emergency detector (S1 in docs/safety.md; sources in docs/sources.md).

    match = detect_emergency("my husband just collapsed")
    if match:                      # EmergencyMatch(sign="collapsed", category="fainting")
        ...                        # reply with the emergency instruction, before anything else

`detect_emergency` and `detect_all` are the rule layer: independent of any ML classifier and of
spaCy, regular expressions over a normalised copy of the message, with typo tolerance for the
longer key words. A sign counts when it is happening now, to the user or to someone with them
("my husband collapsed" IS an emergency). It does not count when it is negated ("no chest
pain"), in the past ("I fainted once years ago"), hypothetical ("if I get chest pain...") or
part of a general question ("what are the symptoms of an overdose?", "can magnesium cause chest
pain?"), except for the categories that no cue sets aside (a child who may have swallowed
tablets, a person in crisis). The router's emergency lane uses this layer alone.

The verdict the NLU acts on (verdict.py `assess`) adds the meaning layer (meaning.py: a sentence
encoder compared with emergency_meanings.yml, recall-first) and the visitor's language (a gloss
of German, French, Spanish or Polish, and their risk words).

When in doubt the detector says "emergency": a wrong emergency reply costs a little
precision, a missed one can cost a life.

What a clinician reviews is data, beside rules.yml in sedorum/safety/:
- emergency_signs.yml: every sign, with its category, description, sources, an example that
  must be caught and a near miss that must not (run by tests/unit/safety/emergency/test_signs.py);
  the reply of each category and the categories no cue sets aside;
- emergency_context.yml: the cue words for negated, past, habitual, hypothetical, general and
  "happening now"; the negation, past and hypothetical words shared with the extractor come
  from cue_words.yml;
- emergency_spelling.yml: contractions, typos and the typo-tolerance vocabulary;
- emergency_meanings.yml: example emergencies and everyday messages for the meaning layer;
- risk_words.yml: words about danger in a message nothing understood (risk.py).

The modules: signs.py reads and compiles the signs, context.py the cues, normalise.py the
spelling; assess.py decides which signs count; meaning.py is the meaning layer; verdict.py
puts the layers and the language together; risk.py finds risk words; data.py names the files.

Categories: breathing, chest_pain, fainting, heart_rhythm, seizure, overdose, clot,
coughing_blood, weakness, confusion, stroke, self_harm, help_request, poisoning, bleeding.
Sources for the signs: [ODS*][MSD-HYPER][SmPC-MgSO4-OD] (magnesium toxicity),
[FDA-PPI] (severe low magnesium), [NHLBI-DVT] (clot in a leg or lung). Stroke, self-harm
and "call an ambulance" are added because the instruction to call the emergency number is
the right reply to them too; no health fact is stated about them.
"""

from __future__ import annotations

from .assess import EmergencyMatch, detect_all, detect_emergency, mentions_sign, most_pressing
from .normalise import normalise
from .signs import CATEGORIES, REPLY_KINDS, SIGNS, Sign, load_signs

__all__ = [
    "CATEGORIES",
    "REPLY_KINDS",
    "SIGNS",
    "EmergencyMatch",
    "Sign",
    "detect_all",
    "detect_emergency",
    "load_signs",
    "mentions_sign",
    "most_pressing",
    "normalise",
]
