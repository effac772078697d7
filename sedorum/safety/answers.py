"""What to say to a question, given what the conversation has told us so far.

Why this module: a visitor who said "I'm 81 and take milk of magnesia" and then asks "how
much magnesium can I take?" must not get the general limit as if they had said nothing.
Every answer to a topic goes through `plan_answer`, which applies the reviewed rules
(engine.evaluate) to what the conversation says about the person (conversation.py), and
decides:

1. the findings the stated facts trigger, stated first (every time for a personal topic, only
   new ones for a general one);
2. the answer, shaped by the person: no figure with kidney disease, a child's limit for a
   child, no amounts when a clinician must decide first, and no figure at all while a health
   word is unclear: then a referral and (once) a question;
3. for "is it safe for me?", whether to offer the questions that are still unknown
   (skippable) or to start them.

The plan speaks of findings and answers: a `Reply` is a text the engine wrote (wording.py) or a
topic ("side_effects") whose static answer the actions choose. Plain Python: the Rasa actions
only turn a `Plan` into messages and slot events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import wording
from .ages import find_ages
from .engine import Screening, dose_allowed, dose_sources, evaluate, sources_line
from .health_words import HealthWord, question_for
from .other_medicines import iron_dose_question, other_medicine_in_dose_question
from .profile import Profile
from .subject import CHILD, SAME_FOR, SELF, Subject, may_be_a_child, without_own_parenthood
from .timing import is_timing_question, timing_answer

# Topics whose answer depends on the person's health: the findings are said in full each time.
DOSAGE = "dosage"
SAFETY_CHECK = "safety_check"
PERSONAL_TOPICS: frozenset[str] = frozenset(
    {DOSAGE, "side_effects", "product_info", "supplement_forms", "magnesium_rls", "pregnancy"}
)


@dataclass
class Reply:
    """One chat message: a text the engine wrote, or a topic whose static answer the actions say.

    `kind` says what the text is (findings, dose, unclear, timing, invite, other_medicine), so
    the actions can offer the right buttons under it.
    """

    text: str | None = None
    topic: str | None = None
    kind: str = ""


@dataclass
class Plan:
    replies: list[Reply]
    # Rule ids whose advice has now been given in full (so later answers only remind).
    told: list[str] = field(default_factory=list)
    # "offer": ask whether to check what is still unknown; "start": start the questions now.
    screening: str | None = None
    missing: list[str] = field(default_factory=list)
    # The question the plan asks about an unclear health word ("clarify:kidney"), and the words.
    asked: str | None = None
    asked_about: list[HealthWord] = field(default_factory=list)


# ----------------------------------------------------------------------------- doses


def dose_text(profile: Profile, screening: Screening, subject: Subject = SELF) -> Reply:
    """The answer to "how much can I take?" for this person (S2, S4, S5, S7)."""
    from .engine import dose_limit_text

    kind = dose_allowed(profile)
    grammar = wording.person(subject)
    if kind == "general" and screening.withholding:
        stop = screening.withholding
        key = "dose.stop_self" if subject.is_self else "dose.stop_other"
        text = wording.text(key, finding=stop[0].title.lower(), ending=screening.ending(subject), **grammar)
        return Reply(text=text, kind="dose")
    if kind == "general" and subject.is_self and profile.age is None:
        sources = sources_line(("ODS*", *dose_sources(kind)))
        return Reply(text=wording.text("dose.general_overview") + "\n" + sources, kind="dose")
    if kind == "general" and profile.age is None and may_be_a_child(subject):
        # "my daughter weighs 18kg": a daughter or grandson of unknown age may be a young
        # child, so no adult figure until their age is known.
        sources = sources_line(dose_sources("child"))
        return Reply(text=wording.text("dose.child_general") + "\n" + sources, kind="child")
    text = dose_limit_text(profile)
    if kind != "child":
        text = wording.about(subject, text)
    return Reply(text=text, kind="dose")


def _children_dose(text: str) -> Reply:
    """A dose question about children in general, or about a child of an age the question gives."""
    ages = {hit.value for hit in find_ages(text)}
    if len(ages) == 1:
        child = Profile(age=ages.pop())
        screening = evaluate(child)
        if dose_allowed(child) == "child" or screening.withholding:
            return Reply(text=dose_text(child, screening, CHILD).text, kind="child")
    return Reply(text=wording.text("dose.child_general"), kind="child")


def unclear_text(words: list[HealthWord], subject: Subject, ask_question: bool) -> str:
    """No figure while a health word is unclear: name it, refer, and ask about it (once)."""
    ask, question = question_for(words)
    listed = wording.join(f'"{w.word}"' for w in words[:3])
    lines = [wording.text("unclear.mentioned", words=listed), wording.text("unclear.no_amounts")]
    if any(w.group == "kidney" for w in words):
        lines.append(wording.about(subject, wording.text("unclear.kidney_warning")))
    if ask_question:
        lines.append(wording.about(subject, question))
    key = "unclear.refer" if subject.is_self else "unclear.refer_other"
    lines.append(wording.text(key, ask=ask, **wording.person(subject)))
    return " ".join(lines)


# ----------------------------------------------------------------------------- the plan


def has_facts(profile: Profile) -> bool:
    return not profile.is_empty()


# A question that names an amount ("can I take 2 tablets at night?") is about the amount first.
_AMOUNT = re.compile(
    # "2 tablets", "3 tabelts", "2 talbets" (typos: a t and a b), never "82 and takes"
    r"\b(?:\d+|two|three|four)\s*(?:[a-z]+\s+)?(?:tablets?|t[a-z]{0,2}b[a-z]{1,5}|tabs?|pills?|capsules?|caps|mg|sachets?)\b"
    r"|\bhow\s+(?:much|many)\b"
    # "just a small amount?", "a low strength one", "can I double up", "so 2 tonight is fine?"
    r"|\b(?:small(?:er)?|little|tiny|low(?:er)?|half)\s+(?:an?\s+)?(?:amount|dose|strength|one|tablet)\b"
    r"|\bdouble\s+(?:up|the\s+dose|dose)\b"
    r"|\b(?:\d|one|two|three)\s+(?:a\s+day|tonight|at\s+night|daily|each\s+night|every\s+night)\b",
    re.I,
)

# A dose question about children in general, or about a child the visitor has not named.
_ABOUT_CHILDREN = re.compile(
    r"\b(?:toddlers?|babies|baby|infants?|child|children|kids?|twins|little\s+ones?|under[\s-]?(?:[1-9]|1[0-7])s?\b|"
    r"(?:[1-9]|1[0-7])[\s-]*(?:years?|yrs?)[\s-]*olds?|(?:[1-9]|1[0-7])\s*(?:yo|y/o)|my\s+(?:son|daughter|boy|girl)'?s\s+(?:[1-9]|1[0-7]))\b",
    re.I,
)


_ASKS_AMOUNT = re.compile(
    r"\b(?:safe|max(?:imum)?|upper|right|daily)\s+(?:amount|dose|dosage|limit)\b|\bhow\s+(?:much|many)\b|\bthe\s+max\b"
    # "what's the ceiling on magnesium", "Europe has a lower limit, what is it?"
    r"|\bceiling\b|\btolerable\s+upper\b|\b(?:lower|european|eu|us|american|uk|recommended)\s+(?:intake\s+)?limits?\b"
    # "just roughly?", "give me a number please": the amount asked for again
    r"|^\W*(?:just\s+|ok\s+|so\s+)?(?:roughly|approximately|ballpark|a\s+rough\s+(?:idea|figure|number))\W*$"
    r"|\b(?:give|tell)\s+me\s+(?:a|the)\s+(?:number|figure|amount)\b|\bjust\s+(?:a|the)\s+(?:number|figure)\b"
    r"|\blimits?\s+(?:on|for|of)\s+(?:\w+\s+)?magnesium\b"
    # "what's the adult limit for me?", "the most magnesium she could have"
    r"|\b(?:adult|adults'?|general|normal|usual)\s+limit\b|\bwhat'?s\s+the\s+limit\b|\blimit\s+for\s+(?:me|him|her|them|adults?)\b"
    r"|\bthe\s+most\s+(?:magnesium|mg|sedorum|tablets?)\b"
    r"|\b(?:take|have)\s+(?:the\s+)?\d{2,4}\s*(?:mg)?\b",
    re.I,
)


# Asking for a go-ahead after an answer: "so is that a yes?", "so I can just take it with
# breakfast?", "ok I'll order some and start tonight".
_GO_AHEAD = re.compile(
    r"\bis\s+that\s+a\s+(?:yes|no)\b|\bso\s+(?:that'?s|it'?s|is\s+it)\s+(?:a\s+)?(?:yes|no|fine|ok|okay|safe)\b"
    r"|\b(?:is|would)\s+(?:that|it|this)\s+(?:be\s+)?(?:fine|ok|okay|alright|safe)\b"
    r"|\b(?:fine|ok|okay|alright|safe)\s*,?\s*(?:yeah|yes|right|then)\s*\?"
    r"|\bi(?:'ll|\s+will|\s+can|'m\s+going\s+to|\s+am\s+going\s+to)\s+(?:just\s+)?(?:order|start|take|buy|get|try)\b"
    # "so yes or no?", "so can I or not?", "so who can have it?", "should I buy it or not?"
    r"|^\W*(?:so\s+|ok\s+|right\s+|well\s+)?(?:is\s+(?:it|that)\s+(?:a\s+)?)?yes\s+or\s+(?:a\s+)?no\b"
    r"|\b(?:can|could|should|shall)\s+(?:i|we|he|she|they)\s+(?:\w+\s+)?or\s+not\b"
    r"|\bwho\s+(?:can|could|should)\s+(?:have|take|use)\s+it\b"
    r"|\bshould\s+i\s+(?:buy|get|order|take|try)\s+(?:it|some|sedorum|them)\s+or\s+not\b"
    # "I think I'll give the Sedorum a try then"
    r"|\b(?:give|giving)\s+(?:it|sedorum|the\s+sedorum|them|this|magnesium)\s+a\s+(?:try|go|whirl|shot)\b"
    r"|\bso\s+i\s+can\s+(?:just\s+)?(?:take|start|have|use|order)\b"
    # "right, can I just order sedorum and start it tonight then?"
    r"|\b(?:can|shall|should)\s+i\s+(?:just\s+)?(?:go\s+ahead\s+and\s+)?(?:order|buy|get|start|take)\b[^.?!]{0,40}?"
    r"\b(?:and\s+(?:start|take)|tonight|today|now|then)\b"
    # "so can I have the sedorum or not", "so is it a yes or a no"
    r"|\b(?:can|could|may)\s+i\s+(?:have|take|try)\s+(?:it|the\s+sedorum|sedorum|them|some)\s+or\s+not\b",
    re.I,
)


# "so what do you think?", "any interactions?", "and what if they don't?": a follow-up that asks
# for advice on what the visitor already told.
_FOLLOW_UP = re.compile(
    r"\b(?:what do you think|what now|interactions?|interact|clash|is (?:it|that|this) (?:ok|okay|alright|safe)|"
    r"any (?:problems?|issues?|risks?)|should i|can i|could i|what if|and if not|what then)\b"
    # "and him?", "what about my husband?": the same question about the person named before
    r"|" + SAME_FOR + r"\s*(?:then\s*)?(?:[?.!]|$)",
    re.IGNORECASE,
)


def asks_follow_up(text: str) -> bool:
    """True when the message asks for advice on what was said before ("so what do you think?")."""
    return bool(_FOLLOW_UP.search(text or ""))


def asks_go_ahead(text: str) -> bool:
    """True when the message asks for, or announces, a go-ahead to take the product."""
    return bool(_GO_AHEAD.search(text or ""))


def asks_amount(text: str) -> bool:
    """True when the message asks how much to take ("how much magnesium is safe for me?")."""
    return bool(_AMOUNT.search(text) or _ASKS_AMOUNT.search(text))


_LIMIT = re.compile(
    r"\blimits?\b|\bceiling\b|\bthe\s+most\s+(?:magnesium|mg)\b"
    r"|\bmax(?:imum)?\s+(?:a\s+day|per\s+day|daily|intake)\b|\btolerable\s+upper\b",
    re.I,
)


_ABOUT_INTAKE = re.compile(r"magnesium|supplement|sedorum|\bmg\b|intake", re.I)


def asks_limit(text: str) -> bool:
    """True when the message asks about an intake limit ("what's Europe's lower limit?").

    Why apart from asks_amount: a limit is a dose question whatever topic the classifier chose,
    while "how much iron is in one tablet" stays a product question.
    """
    return bool(_LIMIT.search(text or "")) and bool(_ABOUT_INTAKE.search(text or ""))


# "would sedorum help my rls?", "will magnesium stop my legs?": a question about the evidence.
_HELPS = re.compile(
    r"\b(?:would|will|does|do|could|can|might|is)\s+(?:it|sedorum|magnesium|this|they|these|the\s+tablets?|"
    r"your\s+(?:product|tablets?|supplement))\s+(?:\w+\s+)?(?:help|work|improve|fix|stop|cure|ease|going\s+to\s+help)\b"
    # "so it works then?", "so magnesium does help?"
    r"|^\W*(?:so|ok|okay|right)\W+(?:it|sedorum|magnesium|they|this)\s+(?:does\s+|do\s+|really\s+)?(?:works?|helps?)\b",
    re.I,
)
# "get rid of it for good", "a cure": whether Sedorum or magnesium cures RLS (S8).
_CURE = re.compile(
    r"\b(?:sedorum|magnesium|it|this|your\s+(?:product|tablets?))\b[^.?!]{0,30}?"
    r"\b(?:cure|cures|cured|get\s+rid\s+of|make\s+it\s+go\s+away)\b",
    re.I,
)
# A message that only asks for the assistant's view of what was said: "so what do you think?"
_JUST_YOUR_VIEW = re.compile(
    r"^\W*(?:so|ok|okay|right|well|and|hmm+)?\W*(?:what do you think|what now|what then|your thoughts|thoughts|"
    r"what would you say|what do you reckon|what's your view)\W*$",
    re.I,
)


def asks_if_it_helps(text: str) -> bool:
    """True for "would Sedorum help my RLS?" (the evidence), not "is it safe for me?".

    Why: such a question is often classified as a safety or treatment question, and the
    answer it needs is what the evidence says (never a promise, S8).
    """
    return bool(_HELPS.search(text or ""))


def asks_about_a_cure(text: str) -> bool:
    """True for "will sedorum get rid of my RLS for good?": the evidence answer, never a cure.

    Only cure words count: "can I take it forever?" is about duration, not about a cure.
    """
    return bool(_CURE.search(text or ""))


def asks_for_a_view(text: str) -> bool:
    """True when the whole message only asks what the assistant thinks ("so what do you think?").

    Why: after facts that call for advice, such a message asks for that advice again, whatever
    the classifier read it as.
    """
    return bool(_JUST_YOUR_VIEW.match(text or ""))


# "one site says men need 420 a day, another says 350 is the max": the daily need beside the limit.
_NEED = re.compile(
    r"\b(?:need|needs|needed|recommended|rda|daily\s+(?:requirement|allowance|intake)|how\s+much\s+we\s+should\s+get)\b",
    re.I,
)


def sets_need_beside_limit(text: str) -> bool:
    """True when a question puts the daily need next to the upper limit, which look contradictory."""
    text = text or ""
    return bool(_NEED.search(text)) and bool(_LIMIT.search(text) or re.search(r"\bmax\b|\b350\b", text, re.I))


# "and me?", "what about my wife?": the same question again, about another person.
_SAME_FOR = re.compile(SAME_FOR, re.IGNORECASE)


def follow_up_topic(text: str, profile: Profile, previous: str = "") -> str | None:
    """The health answer a short or half-understood message asks for, or None.

    Why one place: a follow-up to a health answer is often classified as a plain yes/no or not
    understood at all ("so is that a no? what about a small amount", "so 2 tonight is fine
    yeah?", "so what do you think?"). Whichever reply handles it, an amount question gets the
    dose answer (no figure unless every fact allows it) and a go-ahead or "what do you think"
    after facts that matter gets the safety advice again, with whom to ask.
    """
    if asks_amount(text):
        return DOSAGE
    if _SAME_FOR.search(text) and asks_amount(previous):
        # "how much can he have and how much can I have?" then "and me?": the amount, for them
        return DOSAGE
    if _SAME_FOR.search(text) and previous:
        # "and me? 36, no health problems": whether it suits them, with whom to ask
        return SAFETY_CHECK
    if asks_go_ahead(text) and not profile.is_empty():
        return SAFETY_CHECK
    if asks_follow_up(text) and evaluate(profile).findings:
        return SAFETY_CHECK
    return None


def plan_answer(
    topic: str,
    profile: Profile,
    subject: Subject = SELF,
    text: str = "",
    told: list[str] | None = None,
    restate: bool = True,
    unclear: list[HealthWord] | None = None,
    asked_before: bool = False,
    new_unclear: list[HealthWord] | None = None,
    not_english: bool = False,
) -> Plan:
    """What to answer about `topic` for this person.

    `told`: rule ids already explained; `restate=False` when they were just said. `unclear`:
    health words about this person nobody has explained; `asked_before`: the assistant already
    asked about them (then it refers without asking again). `not_english`: the conversation
    has a message in another language, read only through a word list: no figure then.
    """
    told = list(told or [])
    unclear = list(unclear or [])
    # A dose question about another medicine, or about iron, is answered without magnesium
    # figures (after the findings, which still matter: "been on Mirapexin, can I up the dose?").
    referral: Reply | None = None
    if topic == DOSAGE and iron_dose_question(text):
        referral = Reply(text=wording.text("dose.iron") + "\n" + sources_line(("AASM-CPG",)), kind="other_medicine")
    elif (
        topic == DOSAGE
        and not (
            is_timing_question(text) and not _AMOUNT.search(text)
        )  # "I take levothyroxine, when should I take it?"
        and (medicine := other_medicine_in_dose_question(text))
    ):
        referral = Reply(text=wording.text("dose.other_medicine", medicine=medicine), kind="other_medicine")
    screening = evaluate(profile)
    if topic == SAFETY_CHECK:
        plan = _plan_safety_check(profile, screening, subject, told)
        if any(word.group == "kidney" for word in new_unclear or []):
            # "renul failure, can I take magnesium?": a possible kidney problem is said before
            # any question, as in every other answer.
            kidney = wording.about(subject, wording.text("unclear.kidney_warning"))
            plan.replies.insert(0, Reply(text=kidney, kind="unclear"))
        return plan
    replies: list[Reply] = []
    # Personal answers restate the findings in full: a dose, product or side-effect answer
    # is where they matter, and a shorter reminder would lose the reason ("it can build up").
    personal = topic in PERSONAL_TOPICS
    new = [f for f in screening.findings if f.rule_id not in told or (restate and personal)]
    if new:
        replies.append(Reply(text=screening.render(subject), kind="findings"))
        told += [f.rule_id for f in new if f.rule_id not in told]
    plan = Plan(replies=replies, told=told)
    if referral is not None:
        # Only what stops Sedorum or withholds amounts is said before the referral: the question
        # was about another medicine, and the other findings would be about Sedorum. A medicine
        # that can make RLS worse ("a sleepy hay fever tablet, how many can I take?") is one.
        plan.replies = [r for r in replies if r.kind != "findings"]
        kept = screening.withholding
        if kept:
            plan.replies.insert(0, Reply(text=Screening(profile, kept).render(subject), kind="findings"))
        plan.replies.append(referral)
        return plan
    if topic != DOSAGE and any(word.group == "kidney" for word in new_unclear or []):
        # "my legs are awful since I started dialysis last year": whatever the question, a
        # possible kidney problem is said at once, not only when an amount is asked for.
        replies.append(Reply(text=wording.about(subject, wording.text("unclear.kidney_warning")), kind="unclear"))
    if topic == DOSAGE and is_timing_question(text) and not _AMOUNT.search(text) and dose_allowed(profile) == "general":
        # "When is the best time to take it?": the spacing rules answer it, not the limit.
        replies.append(Reply(text=timing_answer(profile), kind="timing"))
    elif (
        topic == DOSAGE
        and subject.is_self
        and profile.age is None
        and not screening.has_stop
        and _ABOUT_CHILDREN.search(without_own_parenthood(text))
    ):
        # "how much can a toddler have?", "what dose for kids under 8?": never an adult's figure;
        # "the max for a 6 year old" gets that age's limit only
        replies.append(_children_dose(text))
    elif topic == DOSAGE and dose_allowed(profile) == "general" and not screening.has_stop and not_english:
        replies.append(Reply(text=wording.text("dose.not_english"), kind="unclear"))
    elif topic == DOSAGE and dose_allowed(profile) == "general" and not screening.has_stop and unclear:
        replies.append(Reply(text=unclear_text(unclear, subject, ask_question=not asked_before), kind="unclear"))
        if not asked_before:
            plan.asked = "clarify:" + min(unclear, key=lambda w: _GROUP_ORDER.index(w.group)).group
            plan.asked_about = unclear
    elif (
        topic == DOSAGE
        and dose_allowed(profile) == "general"
        and not screening.has_stop
        and profile.takes_medicines
        and not (profile.medications or profile.other_medicines)
    ):
        # "I'm 70 and take medicines for my heart, how much magnesium?": which ones, before any figure
        replies.append(Reply(text=wording.about(subject, wording.text("dose.unnamed_medicines")), kind="unclear"))
    elif topic == DOSAGE:
        replies.append(dose_text(profile, screening, subject))
        if sets_need_beside_limit(text):
            need = wording.text("dose.need_vs_limit") + "\n" + sources_line(("ODS-C", "IOM-GALE"))
            replies.append(Reply(text=need, kind="dose"))
    else:
        replies.append(Reply(topic=topic))
    if personal and not subject.is_self and not screening.findings and profile.missing():
        # Asked for someone we know little about: say what would let us advise on them.
        replies.append(Reply(text=wording.invite(profile.missing(), subject), kind="invite"))
    return plan


_GROUP_ORDER = ("kidney", "heart", "pregnancy", "medicine", "condition", "age")


def _plan_safety_check(profile: Profile, screening: Screening, subject: Subject, told: list[str]) -> Plan:
    missing = profile.missing()
    if screening.findings:
        # The findings the stated facts already trigger come first; the rest is optional.
        replies = [Reply(text=screening.render(subject), kind="findings")]
        plan = Plan(replies=replies, told=told + [f.rule_id for f in screening.findings if f.rule_id not in told])
        if missing:
            plan.screening = "offer"
            plan.missing = missing
        return plan
    if not missing:
        return Plan(replies=[Reply(text=screening.render(subject), kind="findings")], told=told)
    return Plan(replies=[], told=told, screening="start", missing=missing)


def offer_text(missing: list[str], subject: Subject = SELF) -> str:
    """The skippable offer to check what is still unknown."""
    return wording.offer(missing, subject)
