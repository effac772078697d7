"""Iron, thyroid, antibiotic and heart-question rules: the same person with and without one fact.

Each test compares two profiles that differ in a single stated fact, so a rule that never
fires, or fires for everyone, fails. The facts come from the visitor's own words through
the clinical NLP (extract), as in a conversation.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sedorum.safety.engine import evaluate, load_rules, load_source_names, sources_line
from sedorum.safety.extract import extract, interpret_answer
from sedorum.safety.general import general_advice
from sedorum.safety.profile import Profile


def advice(text: str) -> tuple[list[str], str]:
    screening = evaluate(extract(text).profile)
    return screening.rule_ids, screening.render()


def test_haemochromatosis_is_a_stop_finding_about_the_iron_in_sedorum():
    without, _ = advice("I'm 50 and I take no medicines")
    ids, text = advice("I'm 50, I have haemochromatosis and I take no medicines")
    assert "iron_overload" not in without
    assert ids[0] == "iron_overload"
    finding = evaluate(Profile(conditions={"iron_overload"})).findings[0]
    assert finding.severity == "stop"
    assert "Sedorum has iron" in text and "blood test" in text
    # Typos and the US spelling are the same fact; a relative's condition is not the user's.
    assert "iron_overload" in advice("I have hemocromatosis")[0]
    assert "iron_overload" not in advice("my mum has haemochromatosis")[0]


def test_levothyroxine_is_kept_four_hours_apart_and_never_changed_without_the_prescriber():
    without, _ = advice("I take metformin")
    ids, text = advice("I take levothyroxine every morning")
    assert "levothyroxine" not in without and "levothyroxine" in ids
    assert "calcium, iron and magnesium" in text and "pharmacist" in text
    assert "at least 4 hours apart" in text and "prescriber" in text
    assert "patient.info" in text  # the source of the 4 hours


def test_levodopa_with_the_iron_in_sedorum():
    ids, text = advice("I take Sinemet for Parkinson's")
    assert "levodopa" in ids
    assert "Sedorum has iron" in text and "levodopa" in text


@pytest.mark.parametrize("medicine", ["calcium tablets", "Adcal", "Gaviscon"])
def test_calcium_and_antacids_lower_iron_uptake_keep_two_hours_apart(medicine):
    ids, text = advice(f"I'm 40 and take {medicine}")
    assert "calcium_iron" in ids
    assert "2 hours apart" in text and "iron" in text
    assert "calcium_iron" not in advice("I'm 40 and take metformin")[0]


def test_plain_antibiotics_ask_which_one_and_give_the_spacing_rule():
    ids, text = advice("I'm on antibiotics at the moment")
    assert "antibiotic_unnamed" in ids
    assert "Which antibiotic" in text
    assert "2 hours before" in text and "4 to 6 hours after" in text
    # A named antibiotic gets its own rule, not the question.
    named, _ = advice("I'm on doxycycline antibiotics")
    assert "tetracycline" in named and "antibiotic_unnamed" not in named
    assert "antibiotic_unnamed" not in advice("I'm on metformin")[0]


def test_a_second_iron_product_needs_the_prescriber():
    ids, text = advice("I already take ferrous sulfate tablets")
    assert "oral_iron" in ids
    assert "do not add it to the iron you take unless the doctor" in text
    assert "GP" in text.split("\n\n")[-1]


def test_older_adult_already_on_a_magnesium_supplement_gets_the_stacking_warning():
    young = evaluate(extract("I'm 40 and I take magnesium every night").profile)
    old = evaluate(extract("I'm 78 and I take magnesium every night").profile)
    assert "older_adult_magnesium_medicine" not in young.rule_ids
    assert "older_adult_magnesium_medicine" in old.rule_ids
    assert "older_adult" not in old.rule_ids  # the warning replaces the general note
    text = old.render()
    assert "Sedorum adds more" in text and "build up" in text
    # No figure in this rule: it also fires for people with kidney disease, who get none (S2).
    with_ckd = evaluate(extract("I'm 78, I have CKD and I take magnesium every night").profile).render()
    assert not re.search(r"\d+ ?mg", with_ckd)


@pytest.mark.parametrize(
    "words",
    ["I have atrial fibrillation", "I have AFib", "I have an irregular heartbeat", "I have arrhythmia"],
)
def test_atrial_fibrillation_has_the_same_severity_as_arrhythmia(words):
    screening = evaluate(extract(words).profile)
    assert screening.rule_ids == ["heart_rhythm"]
    assert screening.findings[0].severity == "stop"


def test_a_yes_to_the_heart_or_myasthenia_question_is_not_a_heart_problem():
    answer = Profile.from_dict(interpret_answer("yes", "heart_condition")["profile"])
    assert not answer.conditions & {"heart_block", "slow_heart_rate", "heart_conduction", "heart_other"}
    screening = evaluate(answer)
    assert screening.rule_ids == ["heart_or_myasthenia"] and screening.has_stop
    text = screening.render()
    assert "heart" in text and "myasthenia gravis" in text
    # Naming one of the two records that one only.
    named = Profile.from_dict(interpret_answer("yes, myasthenia", "heart_condition")["profile"])
    assert named.conditions == {"myasthenia_gravis"}
    assert evaluate(named).rule_ids == ["myasthenia_gravis"]
    # "No" answers the whole question, myasthenia included.
    no = Profile.from_dict(interpret_answer("no", "heart_condition")["profile"])
    assert "heart_condition" not in no.missing() and "myasthenia_gravis" in no.denied_conditions


# ----------------------------------------------------------------------------- source lines


def test_every_rule_source_key_has_a_reader_findable_name():
    names = load_source_names()
    for rule in load_rules():
        for key in rule.sources:
            assert key in names, f"{rule.id}: {key} has no name in sources.yml"
            assert "[" not in names[key] and "*" not in names[key]
    # Reproductions and a supplement maker's site are never what the reader is sent to.
    joined = " ".join(names.values()).lower()
    for unfindable in ("nutri-facts", "dsm", "pill2trip", "rxreasoner", "experts123", "via "):
        assert unfindable not in joined


def test_sources_line_names_each_source_once_in_order():
    line = sources_line(["ODS*", "ODS", "EXPERTS123-ODS-old", "MSD-HYPER"])
    assert line == "Source: NIH Office of Dietary Supplements, magnesium fact sheet; MSD Manual, Hypermagnesemia."
    assert sources_line([]) == ""
    with pytest.raises(KeyError):
        sources_line(["NOT-A-KEY"])


def test_unnamed_source_key_in_a_rule_is_refused(tmp_path):
    bad = tmp_path / "rules.yml"
    bad.write_text(
        "rules:\n  - id: x\n    title: X\n    when: pregnant\n    severity: stop\n"
        "    advice: Ask.\n    ask: GP\n    sources: [NO-SUCH-KEY]\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="sources.yml"):
        load_rules(bad)


def source_line_from_the_data(rule_ids):
    """The source line a reader should see for these rules, read from the YAML files themselves.

    Written apart from the engine on purpose: the rules' source keys from rules.yml, each
    shown by its names from sources.yml, every name once, in the order the rules fired.
    """
    safety = Path(__file__).resolve().parents[3] / "sedorum" / "safety"
    rules = {rule["id"]: rule for rule in yaml.safe_load((safety / "rules.yml").read_text(encoding="utf-8"))["rules"]}
    names = yaml.safe_load((safety / "sources.yml").read_text(encoding="utf-8"))["sources"]
    shown = []
    for rule_id in rule_ids:
        for key in rules[rule_id]["sources"]:
            shown += [name for name in names[key].split("; ") if name not in shown]
    return "Source: " + "; ".join(shown) + "."


@pytest.mark.parametrize(
    ("profile", "fired"),
    [
        (Profile(conditions={"kidney_disease"}), ["kidney_disease"]),
        (Profile(age=78, medications={"magnesium_antacid"}), ["older_adult_magnesium_medicine", "calcium_iron"]),
        (Profile(conditions={"iron_overload"}, medications={"levothyroxine"}), ["iron_overload", "levothyroxine"]),
    ],
)
def test_screening_result_ends_with_the_source_line_of_the_rules_it_used(profile, fired):
    screening = evaluate(profile)
    assert screening.rule_ids == fired
    assert screening.render().splitlines()[-1] == source_line_from_the_data(fired)


def test_general_advice_ends_with_its_source_line():
    text = general_advice(extract("if I had kidney disease could I take it?"))
    assert text is not None
    assert text.splitlines()[-1] == source_line_from_the_data(["kidney_disease"])
    assert text.splitlines()[-1].startswith("Source: Magnaspartate (magnesium aspartate) UK product information; ")


def test_dose_limit_text_ends_with_a_source_line():
    from sedorum.safety.engine import dose_limit_text

    for profile in (Profile(age=40), Profile(age=5), Profile(conditions={"kidney_disease"})):
        last = dose_limit_text(profile).splitlines()[-1]
        assert last.startswith("Source: ") and last.endswith(".")
    assert "MSD Manual" in dose_limit_text(Profile(conditions={"kidney_disease"}))
    assert "Institute of Medicine" in dose_limit_text(Profile(age=40))


# ----------------------------------------------------------------------------- a child and iron tablets


@pytest.mark.parametrize(
    "text",
    [
        "my child took a few iron tablets",
        "my son has taken some of my iron tablets",
        "my toddler took some of my sedorum",
        "my 4 year old took my iron pills",
        "my daughter might have taken some of my supplements",
        "my toddler took his mums iron tablets",
        "my kid took 3 of my iron pills",
        "my 2yo swallowed some ferrous sulphate tablets",
        "the baby got into my iron supplements",
        "toddler swallowed an iron tablet",
    ],
)
def test_a_child_swallowing_iron_or_supplement_tablets_is_an_emergency(text):
    from sedorum.safety.emergency import detect_emergency

    match = detect_emergency(text)
    assert match is not None and match.category == "poisoning" and match.reply == "poisoning", text


@pytest.mark.parametrize(
    "text",
    [
        "my child took her vitamins this morning",
        "can my child take iron tablets?",
        "what if a child swallows iron tablets",
        "my son takes iron tablets",
        "my daughter took iron tablets last year for anaemia",
        "my son took the iron tablets the doctor gave him",
        "my kids took my car",
    ],
)
def test_a_child_taking_their_own_medicine_or_a_general_question_is_not(text):
    from sedorum.safety.emergency import detect_emergency

    assert detect_emergency(text) is None, text
