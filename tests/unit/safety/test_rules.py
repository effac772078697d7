"""Rules (rules.yml) and the engine: every rule fires, boundaries, ordering, wording."""

from __future__ import annotations

import re

import pytest

from sedorum.safety import wording
from sedorum.safety.conditions import ConditionError, parse_condition
from sedorum.safety.engine import (
    ASK_ORDER,
    SEVERITIES,
    dose_allowed,
    dose_limit_text,
    evaluate,
    load_rules,
)
from sedorum.safety.lexicon import load_lexicon
from sedorum.safety.profile import Profile
from sedorum.safety.subject import CHILD

ALLOWED_MG = {"65", "110", "250", "350"}  # the upper limits (and EFSA's), stated only as limits (S7)
FORBIDDEN = ("safe for you", "you can take", "safe to take", "is safe", "cure", "proven", "guaranteed")

# One profile per rule that should make it fire. A new rule without an entry here fails.
FIRING = {
    "kidney_disease": Profile(conditions={"kidney_disease"}),
    "child_under_1": Profile(age=0.5),
    "child_1_to_3": Profile(age=2),
    "child_4_to_8": Profile(age=6),
    "under_18": Profile(age=15),
    "pregnancy": Profile(pregnant=True),
    "breastfeeding": Profile(breastfeeding=True),
    "pregnant_or_breastfeeding": Profile(pregnant_or_breastfeeding=True),
    "heart_rhythm": Profile(conditions={"heart_block"}),
    "myasthenia_gravis": Profile(conditions={"myasthenia_gravis"}),
    "older_adult_magnesium_medicine": Profile(age=70, medications={"magnesium_laxative"}),
    "heart_other": Profile(conditions={"heart_other"}),
    "bisphosphonate": Profile(medications={"bisphosphonate"}),
    "tetracycline": Profile(medications={"tetracycline"}),
    "quinolone": Profile(medications={"quinolone"}),
    "gabapentinoid": Profile(medications={"gabapentinoid"}),
    "oral_iron": Profile(medications={"oral_iron"}),
    "levodopa": Profile(medications={"levodopa"}),
    "digoxin": Profile(medications={"digoxin"}),
    "diuretic": Profile(medications={"diuretic"}),
    "ppi": Profile(medications={"ppi"}),
    "older_adult": Profile(age=80),
    "other_magnesium": Profile(age=40, medications={"magnesium_supplement"}),
    "other_medicines": Profile(other_medicines={"metformin"}),
    "iron_overload": Profile(conditions={"iron_overload"}),
    "heart_or_myasthenia": Profile(conditions={"heart_or_myasthenia"}),
    "antibiotic_unnamed": Profile(medications={"antibiotic_unnamed"}),
    "calcium_iron": Profile(medications={"calcium_supplement"}),
    "levothyroxine": Profile(medications={"levothyroxine"}),
    "dopamine_medicine_worsening": Profile(medications={"dopamine_agonist"}),
    "rls_worsening_medicine": Profile(medications={"rls_worsening_medicine"}),
    "sleep_medicine": Profile(medications={"sleep_medicine"}),
    "alcohol": Profile(conditions={"alcohol"}),
}


# ----------------------------------------------------------------------------- readability


def _vowel_groups(word: str) -> int:
    w = word.lower()
    n = len(re.findall(r"[aeiouy]+", w))
    if w.endswith("e") and not w.endswith(("le", "ee")) and n > 1:
        n -= 1
    if w.endswith(("ia", "io", "ium")):
        n += 1
    return max(n, 1)


def fk_grade(text: str) -> float:
    """Flesch-Kincaid grade. Uses textstat with the CMU dictionary when it is installed; offline
    (no nltk cmudict) it uses textstat's word and sentence counts with a stricter syllable count:
    the larger of pyphen's hyphenation and a vowel-group estimate. A "Source: ..." line is a
    citation for checking, not prose, and is not measured (as in sedorum.content.readability)."""
    import textstat

    text = "\n".join(line for line in text.splitlines() if not line.lower().startswith("source: "))

    grades = []
    try:
        import nltk

        nltk.data.find("corpora/cmudict")
        grades.append(textstat.flesch_kincaid_grade(text))
    except LookupError:
        pass
    import pyphen

    dic = pyphen.Pyphen(lang="en_US")
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", text)
    sentences = max(1, textstat.sentence_count(text))
    syllables = sum(max(len(dic.positions(w.lower())) + 1, _vowel_groups(w)) for w in words)
    grades.append(0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59)
    return max(grades)


def test_fk_grade_can_fail():
    hard = (
        "Notwithstanding contraindications, concomitant administration of magnesium-containing "
        "preparations necessitates individualised pharmacological consideration."
    )
    assert fk_grade(hard) > 8


# ----------------------------------------------------------------------------- the rule file


def test_every_rule_has_a_firing_example():
    assert {r.id for r in load_rules()} == set(FIRING)


@pytest.mark.parametrize("rule", load_rules(), ids=lambda r: r.id)
def test_rule_fields_are_valid(rule):
    assert rule.severity in SEVERITIES
    assert rule.ask in ASK_ORDER
    assert rule.sources
    assert rule.title and rule.advice


@pytest.mark.parametrize("rule", load_rules(), ids=lambda r: r.id)
def test_advice_is_plain_language(rule):
    grade = fk_grade(rule.advice)
    assert grade <= 8, f"{rule.id}: Flesch-Kincaid grade {grade:.1f} > 8"


@pytest.mark.parametrize("rule", load_rules(), ids=lambda r: r.id)
def test_advice_never_clears_the_person_or_doses(rule):
    low = rule.advice.lower()
    for phrase in FORBIDDEN:
        assert phrase not in low, f"{rule.id} says {phrase!r}"
    assert set(re.findall(r"(\d+)\s*mg", low)) <= ALLOWED_MG
    for number in re.findall(r"(\d+)\s*mg", low):
        assert "limit" in low, f"{rule.id} states {number} mg without calling it a limit"


# Every rule's source keys resolve in docs/sources.md: tests/unit/repository/test_sources.py.


def test_unknown_lexicon_id_in_a_rule_is_refused(tmp_path):
    bad = tmp_path / "rules.yml"
    bad.write_text(
        "rules:\n  - id: x\n    title: X\n    when: condition kidny\n    severity: stop\n"
        "    advice: Ask.\n    ask: GP\n    sources: [ODS]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConditionError):
        load_rules(bad)


def test_bad_severity_is_refused(tmp_path):
    bad = tmp_path / "rules.yml"
    bad.write_text(
        "rules:\n  - id: x\n    title: X\n    when: pregnant\n    severity: maybe\n"
        "    advice: Ask.\n    ask: GP\n    sources: [ODS]\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError):
        load_rules(bad)


def test_an_unknown_field_is_refused(tmp_path):
    # A renamed or misspelt field (here the old name of `behaviour`) must not be silently dropped.
    bad = tmp_path / "rules.yml"
    bad.write_text(
        "rules:\n  - id: x\n    title: X\n    when: pregnant\n    severity: stop\n"
        "    advice: Ask.\n    ask: GP\n    sources: [ODS]\n    contract: S4\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="unknown fields"):
        load_rules(bad)


def test_every_rule_names_the_behaviour_it_implements():
    for rule in load_rules():
        assert rule.behaviour in {f"S{n}" for n in range(1, 13)}, rule.id


# ----------------------------------------------------------------------------- the condition language


def test_condition_language():
    lex = load_lexicon()
    cond = parse_condition(
        "age >= 65 AND medication in [magnesium_antacid, magnesium_laxative]",
        lex.condition_ids,
        lex.medication_ids,
    )
    assert cond(Profile(age=65, medications={"magnesium_antacid"}))
    assert not cond(Profile(age=64.9, medications={"magnesium_antacid"}))
    assert not cond(Profile(medications={"magnesium_antacid"}))  # unknown age: false
    assert parse_condition("NOT age >= 65")(Profile())
    assert parse_condition("pregnant OR breastfeeding AND NOT pregnant")(Profile(pregnant=True))  # AND binds tighter
    assert not parse_condition("(pregnant OR breastfeeding) AND NOT pregnant")(Profile(pregnant=True))
    with pytest.raises(ConditionError):
        parse_condition("age >=")
    with pytest.raises(ConditionError):
        parse_condition("bloodtype A")
    with pytest.raises(ConditionError):
        parse_condition("__import__('os')")


# ----------------------------------------------------------------------------- firing and boundaries


@pytest.mark.parametrize("rule_id", sorted(FIRING))
def test_each_rule_fires_on_its_example(rule_id):
    assert rule_id in evaluate(FIRING[rule_id]).rule_ids


def test_empty_profile_has_no_findings():
    assert evaluate(Profile()).findings == []


def test_single_fact_profiles_fire_only_their_rule():
    assert evaluate(Profile(conditions={"kidney_disease"})).rule_ids == ["kidney_disease"]
    assert evaluate(Profile(medications={"ppi"})).rule_ids == ["ppi"]
    assert evaluate(Profile(pregnant=True)).rule_ids == ["pregnancy"]


def test_older_adult_boundary_64_vs_65_with_magnesium_antacid():
    at_64 = evaluate(Profile(age=64, medications={"magnesium_antacid"})).rule_ids
    at_65 = evaluate(Profile(age=65, medications={"magnesium_antacid"})).rule_ids
    assert "older_adult_magnesium_medicine" not in at_64
    assert "other_magnesium" in at_64
    assert "older_adult_magnesium_medicine" in at_65
    assert "other_magnesium" not in at_65 and "older_adult" not in at_65


def test_older_adult_without_magnesium_medicine_gets_info_only():
    ids = evaluate(Profile(age=65)).rule_ids
    assert ids == ["older_adult"]
    assert evaluate(Profile(age=64)).rule_ids == []


@pytest.mark.parametrize(
    "age,expected",
    [
        (0.5, "child_under_1"),
        (1, "child_1_to_3"),
        (3, "child_1_to_3"),
        (3.9, "child_1_to_3"),
        (4, "child_4_to_8"),
        (8, "child_4_to_8"),
        (8.9, "child_4_to_8"),
        (9, None),
        (12, None),
    ],
)
def test_child_age_boundaries(age, expected):
    child_rules = {"child_under_1", "child_1_to_3", "child_4_to_8"}
    fired = set(evaluate(Profile(age=age)).rule_ids) & child_rules
    assert fired == ({expected} if expected else set())


def test_a_childs_advice_sends_to_their_doctor_without_a_figure():
    # "can she have one of my tablets?": their doctor, and the iron warning; the child's limit
    # is said by the dose answer only, when an amount is asked for (S7).
    for age in (0.5, 3, 4, 8):
        advice = evaluate(Profile(age=age)).render(CHILD)
        assert "their doctor" in advice and not re.search(r"\d+ ?mg", advice), advice
    assert "too much iron can kill a young child" in evaluate(Profile(age=3)).render()
    assert "mg" not in evaluate(Profile(age=9)).render()


def test_pregnant_versus_breastfeeding():
    preg = evaluate(Profile(pregnant=True)).rule_ids
    feed = evaluate(Profile(breastfeeding=True)).rule_ids
    both = evaluate(Profile(pregnant=True, breastfeeding=True)).rule_ids
    either = evaluate(Profile(pregnant_or_breastfeeding=True)).rule_ids
    assert preg == ["pregnancy"]
    assert feed == ["breastfeeding"]
    assert set(both) == {"pregnancy", "breastfeeding"}
    assert either == ["pregnant_or_breastfeeding"]
    assert evaluate(Profile(pregnant=False, breastfeeding=False)).rule_ids == []
    preg_text = evaluate(Profile(pregnant=True)).render()
    assert "after the birth" in preg_text and "iron" in preg_text  # S4
    assert "after the birth" not in evaluate(Profile(breastfeeding=True)).render()


def test_heart_group_and_generic_heart_problem():
    for cid in ("heart_block", "slow_heart_rate", "heart_conduction"):
        assert evaluate(Profile(conditions={cid})).rule_ids == ["heart_rhythm"]
    assert evaluate(Profile(conditions={"heart_other"})).rule_ids == ["heart_other"]
    assert evaluate(Profile(conditions={"heart_other", "heart_block"})).rule_ids == ["heart_rhythm"]


def test_kidney_disease_hides_the_adult_limit():
    s = evaluate(Profile(age=40, conditions={"kidney_disease"}, medications={"magnesium_supplement"}))
    assert "other_magnesium" not in s.rule_ids
    assert "mg" not in s.render()


def test_combination_kidney_70_gaviscon_omeprazole():
    p = Profile(age=70, conditions={"kidney_disease"}, medications={"magnesium_antacid", "ppi"})
    s = evaluate(p)
    assert s.rule_ids == ["kidney_disease", "older_adult_magnesium_medicine", "ppi"]
    ranks = [SEVERITIES.index(f.severity) for f in s.findings]
    assert ranks == sorted(ranks)
    assert s.asks == ["kidney doctor", "pharmacist"]


def test_findings_are_ordered_stop_caution_info():
    p = Profile(
        age=80,
        conditions={"myasthenia_gravis"},
        medications={"levodopa", "oral_iron"},
        other_medicines={"metformin"},
        pregnant=False,
    )
    s = evaluate(p)
    ranks = [SEVERITIES.index(f.severity) for f in s.findings]
    assert ranks == sorted(ranks)
    assert s.findings[0].rule_id == "myasthenia_gravis"
    assert s.findings[-1].severity == "info"


# ----------------------------------------------------------------------------- interactions (S6)


@pytest.mark.parametrize(
    "rule_id,spacing",
    [
        ("bisphosphonate", ["2 hours", "3 to 4"]),
        ("tetracycline", ["2 hours before", "4 to 6 hours after"]),
        ("quinolone", ["2 hours before", "4 to 6 hours after"]),
        ("gabapentinoid", ["2 hours"]),
        ("antibiotic_unnamed", ["2 hours before", "4 to 6 hours after"]),
        ("calcium_iron", ["2 hours"]),
    ],
)
def test_interaction_advice_gives_the_spacing_and_sends_to_the_pharmacist(rule_id, spacing):
    finding = evaluate(FIRING[rule_id]).findings[0]
    for part in spacing:
        assert part in finding.advice
    assert "pharmacist" in finding.advice
    assert finding.ask == "pharmacist"


def test_iron_in_the_product_is_explained():
    assert "Sedorum has iron" in evaluate(FIRING["levodopa"]).render()
    iron = evaluate(FIRING["oral_iron"]).render()
    assert "calcium and magnesium" in iron and "also has iron" in iron


# ----------------------------------------------------------------------------- rendering (S9)

RENDER_PROFILES = [
    Profile(),
    Profile(age=70, conditions={"kidney_disease"}, medications={"magnesium_antacid", "ppi"}),
    Profile(age=3),
    Profile(age=6, medications={"oral_iron"}),
    Profile(pregnant=True, medications={"oral_iron"}),
    Profile(conditions={"heart_block", "myasthenia_gravis"}),
    Profile(age=40, medications={"magnesium_supplement", "tetracycline", "gabapentinoid"}),
    *FIRING.values(),
]


@pytest.mark.parametrize("profile", RENDER_PROFILES)
def test_render_never_clears_and_never_doses(profile):
    text = evaluate(profile).render()
    low = text.lower()
    for phrase in FORBIDDEN:
        assert phrase not in low
    assert set(re.findall(r"(\d+)\s*mg", low)) <= ALLOWED_MG


@pytest.mark.parametrize("profile", RENDER_PROFILES)
def test_render_always_ends_with_whom_to_ask(profile):
    s = evaluate(profile)
    text = s.render()
    # One message: the findings, then whom to ask, then (with findings) the source line.
    lines = text.splitlines()
    last = "\n".join(lines[-2:]) if s.findings else lines[-1]
    assert last.startswith("Please check with")
    if not s.findings:
        assert text.endswith(wording.text("endings.no_findings_self"))
    else:  # then the source line of the rules used
        assert last.splitlines()[-1].startswith("Source: ") and last.endswith(".")
    for ask in s.asks:  # a teenager asking for themself hears "your doctor"
        assert ask.removeprefix("their ") in last


@pytest.mark.parametrize("profile", RENDER_PROFILES)
def test_render_is_plain_language(profile):
    assert fk_grade(evaluate(profile).render()) <= 8


def test_render_for_a_child_speaks_of_their_doctor():
    text = evaluate(Profile(age=6, medications={"oral_iron"})).render()
    ending = text.splitlines()[-2]
    assert ending == "Please check with their doctor before giving Sedorum or any supplement."


def test_most_specific_clinician_first():
    s = evaluate(Profile(pregnant=True, conditions={"heart_other", "kidney_disease"}, medications={"ppi"}))
    assert s.asks == ["kidney doctor", "midwife, obstetrician or GP", "pharmacist"]  # plain "GP" folded in


# ----------------------------------------------------------------------------- doses (S2, S7)


def test_dose_allowed():
    assert dose_allowed(Profile(conditions={"kidney_disease"})) == "withhold_kidney"
    assert dose_allowed(Profile(conditions={"kidney_disease"}, age=5)) == "withhold_kidney"
    assert dose_allowed(Profile(age=3)) == "child"
    assert dose_allowed(Profile(age=8.9)) == "child"
    assert dose_allowed(Profile(age=9)) == "general"
    assert dose_allowed(Profile()) == "general"


def test_dose_limit_text():
    kidney = dose_limit_text(Profile(conditions={"kidney_disease"}))
    assert "mg" not in kidney and "kidney doctor" in kidney
    assert "65 mg" in dose_limit_text(Profile(age=2)) and "their doctor" in dose_limit_text(Profile(age=2))
    assert "110 mg" in dose_limit_text(Profile(age=7))
    assert "mg" not in dose_limit_text(Profile(age=0.5))
    adult = dose_limit_text(Profile(age=40))
    assert "350 mg" in adult and "limit" in adult
    for p in (Profile(age=2), Profile(age=7), Profile(age=40), Profile(conditions={"kidney_disease"})):
        text = dose_limit_text(p).lower()
        assert set(re.findall(r"(\d+)\s*mg", text)) <= ALLOWED_MG
        assert "you can take" not in text
        assert fk_grade(text) <= 8
