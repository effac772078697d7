"""Second-person advice ("your kidney doctor") rewritten for the person the visitor cares for.

Why a rewriter and not a second copy of every rule: the clinicians review one advice text
per rule in rules.yml. The texts are written in a small, plain register ("Please do not
take ...", "Ask your pharmacist ..."), so a short table of pronoun and verb changes turns
them into third-person advice ("Please make sure he does not take ...", "Ask his
pharmacist ..."). tests/unit/safety/test_phrasing.py rewrites every rule for he, she and
they and checks that no "you" is left and the grammar of the common verbs holds.
"""

from __future__ import annotations

import re

from .subject import Subject

_POSSESSIVE = {"he": "his", "she": "her", "they": "their"}
_OBJECT = {"he": "him", "she": "her", "they": "them"}
_REFLEXIVE = {"he": "himself", "she": "herself", "they": "themselves"}

# Verbs that follow "you" in the advice texts: base form -> third-person singular.
_THIRD_SINGULAR = {
    "are": "is", "have": "has", "were": "was", "do": "does", "don't": "doesn't", "go": "goes",
    "take": "takes", "add": "adds", "start": "starts", "use": "uses", "need": "needs", "get": "gets",
    "feel": "feels", "lose": "loses", "keep": "keeps", "stop": "stops", "buy": "buys", "see": "sees",
    "ask": "asks", "show": "shows", "talk": "talks", "tell": "tells", "check": "checks", "want": "wants",
    "plan": "plans", "give": "gives", "try": "tries", "eat": "eats", "drink": "drinks", "live": "lives",
    "notice": "notices", "hear": "hears", "read": "reads", "change": "changes", "become": "becomes",
}  # fmt: skip
_PLURAL_BE = {"is": "are", "has": "have", "was": "were", "does": "do", "doesn't": "don't"}
# Words after which "you" is the subject of a new clause, not an object.
_CLAUSE_START = {
    "and", "or", "but", "if", "so", "that", "when", "while", "because", "unless", "before", "after",
    "until", "as", "since", "once", "then", "whether", "where", "though", "although",
}  # fmt: skip
_TOKEN = re.compile(r"[A-Za-z']+|[^A-Za-z']+")


def _match_case(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def to_third_person(text: str, subject: Subject) -> str:
    """`text` (advice to "you") rewritten about `subject` (he / she / they).

    "Please do not take X unless your kidney doctor says so." ->
    "Please make sure he does not take X unless his kidney doctor says so."
    """
    if subject.is_self:
        return text
    p = subject.pronoun if subject.pronoun in _POSSESSIVE else "they"
    tokens = _TOKEN.findall(text)
    out: list[str] = []
    words_before: list[str] = []  # lower-case words written so far (for context)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        low = tok.lower()
        if not re.match(r"[A-Za-z']", tok):
            out.append(tok)
            i += 1
            continue
        prev = words_before[-1] if words_before else None
        if low in ("your", "yours"):
            out.append(_match_case(_POSSESSIVE[p] if low == "your" else _POSSESSIVE[p], tok))
        elif low == "yourself":
            out.append(_match_case(_REFLEXIVE[p], tok))
        elif low in ("you're", "youre"):
            out.append(_match_case(f"{p} {'are' if p == 'they' else 'is'}", tok))
        elif low in ("you've",):
            out.append(_match_case(f"{p} {'have' if p == 'they' else 'has'}", tok))
        elif low in ("you'll",):
            out.append(_match_case(f"{p} will", tok))
        elif low == "you":
            is_subject = prev is None or prev in _CLAUSE_START or prev.endswith((".", "!", "?"))
            nxt = _next_word(tokens, i)
            if nxt is not None and nxt.lower() in _ADDRESSED_TO_VISITOR:
                # "You told me about a heart problem": the visitor did the telling.
                out.append(tok)
                words_before.append(low)
                i += 1
                continue
            if not is_subject and nxt is not None and (nxt.lower() in _THIRD_SINGULAR or nxt.lower() in _MODALS):
                # "Please do not take it if you have..." handled above; "tell you have" is rare:
                # a verb right after "you" means "you" starts a clause ("so you take...").
                is_subject = prev not in _TAKES_OBJECT
            if is_subject:
                out.append(_match_case(p, tok))
                j, verb = _next_word_index(tokens, i)
                if verb is not None and p != "they":
                    vlow = verb.lower()
                    if vlow in _THIRD_SINGULAR:
                        # copy the space(s) and replace the verb
                        out.extend(tokens[i + 1 : j])
                        out.append(_match_case(_THIRD_SINGULAR[vlow], verb))
                        words_before.append(p)
                        words_before.append(_THIRD_SINGULAR[vlow])
                        i = j + 1
                        continue
            else:
                out.append(_match_case(_OBJECT[p], tok))
        elif low in ("please",) and _next_word(tokens, i) in ("do", "don't", "Do", "Don't"):
            # "Please do not take" -> "Please make sure he does not take"
            out.append(tok)
            j, verb = _next_word_index(tokens, i)
            assert verb is not None
            out.extend(tokens[i + 1 : j])
            neg = "does" if p != "they" else "do"
            rest = "n't" if verb.lower() == "don't" else ""
            out.append(f"make sure {p} {neg}{rest}")
            words_before += ["please", "make", "sure", p, neg]
            i = j + 1
            continue
        elif low == "do" and prev in (None,) and _next_word(tokens, i) in ("not",):
            # sentence-initial "Do not take" -> "Make sure he does not take"
            out.append(_match_case(f"make sure {p} {'does' if p != 'they' else 'do'}", tok))
        elif low in ("don't",) and prev is None:
            out.append(_match_case(f"make sure {p} {'doesn' if p != 'they' else 'don'}'t", tok))
        else:
            out.append(tok)
        words_before.append(low)
        i += 1
    result = "".join(out)
    # Sentence-initial "Do not" and imperatives after a full stop.
    result = re.sub(
        r"(^|[.!?]\s+)Do not\b",
        lambda m: m.group(1) + f"Make sure {p} {'does' if p != 'they' else 'do'} not",
        result,
    )
    return result


_ADDRESSED_TO_VISITOR = {"told", "said", "mentioned", "asked", "wrote"}
_MODALS = {"can", "could", "may", "might", "must", "should", "will", "would", "cannot", "can't"}
# Verbs whose object "you" stays an object even when a verb follows ("help you take").
_TAKES_OBJECT = {"help", "let", "make", "tell", "ask", "advise", "advises", "helps", "lets", "tells", "want", "wants"}


def _next_word(tokens: list[str], i: int) -> str | None:
    _, word = _next_word_index(tokens, i)
    return word


# Adverbs that may stand between "you" and its verb ("you already take").
_ADVERBS = {"already", "also", "often", "usually", "still", "only", "sometimes", "regularly", "now", "ever"}


def _next_word_index(tokens: list[str], i: int) -> tuple[int, str | None]:
    j = i + 1
    while j < len(tokens):
        if re.match(r"[A-Za-z']", tokens[j]):
            if tokens[j].lower() in _ADVERBS:
                j += 1
                continue
            return j, tokens[j]
        if not tokens[j].isspace():
            return j, None
        j += 1
    return j, None
