"""Content checks for the assistant's responses in domain.yml.

The responses are read by worried lay people, often older adults or pregnant women, on a
phone at night. These tests hold every response to the safety behaviours
(docs/safety.md, S1-S12) and to the sources (docs/sources.md): plain
language, a source line on every health answer, no forbidden claim, a correct emergency
reply and buttons that trigger real intents.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sedorum.content.locale import load_locales, template_values
from sedorum.content.readability import grade

ROOT = Path(__file__).resolve().parents[3]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
RESPONSES: dict[str, list[dict]] = DOMAIN.get("responses") or {}
INTENTS = {next(iter(item)) if isinstance(item, dict) else item for item in DOMAIN.get("intents", [])}

MAX_GRADE = 8.0

REQUIRED = [
    "utter_greet",
    "utter_goodbye",
    "utter_thank",
    "utter_bot_challenge",
    "utter_out_of_scope",
    "utter_anything_else",
    "utter_default",
    "utter_rls_overview",
    "utter_rls_symptoms",
    "utter_rls_causes",
    "utter_rls_treatment",
    "utter_magnesium_overview",
    "utter_magnesium_rls",
    "utter_deficiency_causes",
    "utter_deficiency_symptoms",
    "utter_side_effects",
    "utter_supplement_forms",
    "utter_food_sources",
    "utter_evidence",
    "utter_pregnancy",
    "utter_product_info",
    "utter_product_purchase",
    "utter_emergency",
    "utter_emergency_poisoning",
    "utter_emergency_crisis",
    "utter_urgent_same_day",
    "utter_screening_intro",
    "utter_ask_age",
    "utter_ask_kidney_disease",
    "utter_ask_heart_condition",
    "utter_ask_pregnancy_status",
    "utter_ask_medications",
    "utter_screening_stopped",
    "utter_handoff_in_hours",
    "utter_handoff_out_of_hours",
    "utter_ask_contact",
    "utter_contact_saved",
    "utter_handoff_returned",
    "utter_handoff_waiting",
    "utter_data_deleted",
    "utter_service_trouble",
]

HEALTH_TOPIC = re.compile(
    r"^utter_(rls_.*|magnesium_.*|deficiency_.*|side_effects|"
    r"supplement_forms|food_sources|evidence|evidence_before_buying|pregnancy|product_info|emergency_poisoning|emergency_crisis|"
    r"urgent_same_day)$"
)

# Placeholders a response may use (filled by the handoff action); none anywhere else,
# except the emergency numbers of the conversation's locale, which any response may use.
ALLOWED_PLACEHOLDERS = {
    "utter_handoff_in_hours": {"wait_minutes"},
    "utter_handoff_out_of_hours": {"office_hours", "next_open"},
    "utter_emergency_staff_offline": {"next_open"},
}
LOCALES = load_locales()
LOCALE_PLACEHOLDERS = set(template_values(LOCALES.get(LOCALES.default)))
# Example values for the handoff placeholders (the longest real ones), to measure the text as sent.
HANDOFF_VALUES = {
    "wait_minutes": "10",
    "office_hours": "Monday to Friday, 8:00 to 20:00 (UK time)",
    "next_open": "on Monday at 8:00 (UK time)",
}

YES_NO_QUESTIONS = [
    "utter_ask_kidney_disease",
    "utter_ask_heart_condition",
    "utter_ask_pregnancy_status",
]

# Forbidden in every response (text and button titles), case-insensitive.
FORBIDDEN_EVERYWHERE = {
    # S8: the marketing claim, and any "proven" wording at all.
    r"proven effective": "marketing claim (claims table row 28)",
    r"\bproven\b": "'proven' (S8)",
    r"\bcures?\b|\bcured\b": "cure claim (S8)",
    r"\b(magnesium|sedorum|supplements?|it)\s+(can\s+|will\s+|may\s+|does\s+)?"
    r"(treat|treats|relieve|relieves|help|helps|fix|fixes|stop|stops|ease|eases)"
    r"\s+(your\s+)?(rls|restless)": "magnesium/Sedorum treats RLS (S8)",
    # S9: no personal all-clear.
    r"\bsafe for you\b": "personal all-clear (S9)",
    r"\bsafe to take\b": "personal all-clear (S9)",
    r"\b(it|this|that|sedorum|magnesium)\s+(is|'s)\s+(perfectly\s+|completely\s+)?safe\b": ("personal all-clear (S9)"),
    r"\byou can safely\b": "personal all-clear (S9)",
    # S7: no personal dose.
    r"\byou should take \d": "personal dose (S7)",
    r"\b(you\s+)?(should|can|could|may)\s+take\s+(up\s+to\s+)?\d": "personal dose (S7)",
    r"\b(start|begin)\s+(with|on)\s+\d": "personal dose (S7)",
    r"\btake\s+(up\s+to\s+)?\d+\s*(mg|g|mmol|mcg|micrograms?)\b": "personal dose (S7)",
    # S10: no diagnosis.
    r"(?<!\bif )(?<!\bwhether )\byou\s+(probably\s+|likely\s+|may\s+|might\s+)?have\s+"
    r"(rls|restless)": "diagnosis (S10)",
    r"\b(this|that|it)\s+(is|sounds\s+like|looks\s+like)\s+(rls|restless)": "diagnosis (S10)",
    # Figures that no listed source backs (docs/sources.md), often seen in marketing.
    r"glycinate.*40": "glycinate 40% absorption (UNVERIFIED)",
    r"\b40\s*%": "40% absorption figure (UNVERIFIED)",
    r"hyperventilat": "hyperventilation as a deficiency sign (UNVERIFIED)",
    r"\bnails?\b": "nail growth as a deficiency sign (UNVERIFIED)",
    r"pancreatitis|hyperthyroid": "unconfirmed deficiency causes",
    r"muscle relaxant": "muscle relaxants for RLS (unsupported)",
    r"clonazepam|opioid|oxycodone|dipyridamole|cabergoline": "unverified AASM wording",
    r"\b(24|15)\s*%": "Manconi weekly figures (denominators UNVERIFIED)",
    r"\b2\s*g\b|\b34[- ]year": "Bartell & Zallek case details (UNVERIFIED)",
    r"all (ingredients|of them) (are |work)": "marketing claim (row 28)",
}

# Extra words a deficiency answer must not contain: these are not recognised deficiency
# signs or causes in the fact sheet (sections 2 and 12, claims table rows 5 and 7).
FORBIDDEN_IN = {
    "utter_deficiency_symptoms": {
        r"insomnia|trouble sleeping|poor sleep|sleeplessness": "insomnia as a deficiency sign",
        r"\brls\b|restless": "RLS as a deficiency sign",
        r"low blood pressure|hypotension": "low blood pressure (a sign of excess)",
    },
    "utter_deficiency_causes": {
        r"coffee|caffeine": "coffee as a cause (UNVERIFIED)",
        r"sweat": "sweating as a cause (UNVERIFIED)",
        r"\bstress": "stress as a cause (UNVERIFIED)",
        r"insomnia": "insomnia",
    },
    # The shop publishes no amounts: the product answers must not invent any.
    "utter_product_info": {
        r"\d+\s*(mg|mcg|µg|micrograms?|g|iu)\b": "invented product amount",
    },
    "utter_product_purchase": {
        r"\d+\s*(mg|mcg|µg|micrograms?|g|iu)\b": "invented product amount",
    },
}

SOURCE_LINE = re.compile(r"^Source: \S.*\.$")
EMERGENCY_START = re.compile(
    r"^(call|phone|dial)\s+(your\s+local\s+emergency\s+number|911|999|112)\b",
    re.IGNORECASE,
)


def rendered(text: str, locale_id: str | None = None) -> str:
    """The text as a visitor in that locale reads it (placeholders filled as Rasa fills them)."""
    values = {**HANDOFF_VALUES, **template_values(LOCALES.get(locale_id or LOCALES.default))}
    return re.sub(r"\{([^{}]+)\}", lambda m: values[m.group(1)], text)


def violations(name: str, text: str) -> list[str]:
    """Every forbidden pattern that `text` (of response `name`) matches."""
    found = []
    patterns = dict(FORBIDDEN_EVERYWHERE)
    patterns.update(FORBIDDEN_IN.get(name, {}))
    for pattern, why in patterns.items():
        if re.search(pattern, text, re.IGNORECASE | re.DOTALL):
            found.append(f"{why}: /{pattern}/")
    return found


def _variants():
    for name, variants in RESPONSES.items():
        for index, variant in enumerate(variants):
            yield pytest.param(name, variant, id=f"{name}[{index}]")


def _full_text(variant: dict) -> str:
    titles = [b.get("title", "") for b in variant.get("buttons", []) or []]
    return "\n".join([rendered(variant.get("text", ""))] + titles)


def test_all_required_responses_exist():
    missing = [name for name in REQUIRED if name not in RESPONSES]
    assert not missing, f"missing responses: {missing}"


@pytest.mark.parametrize(("name", "variant"), list(_variants()))
def test_every_variant_has_text(name, variant):
    assert isinstance(variant.get("text"), str) and variant["text"].strip(), name


@pytest.mark.parametrize(("name", "variant"), list(_variants()))
@pytest.mark.parametrize("locale_id", sorted(LOCALES.locales))
def test_reading_grade_at_most_8(name, variant, locale_id):
    score = grade(rendered(variant["text"], locale_id))
    assert score <= MAX_GRADE, f"{name} ({locale_id}): Flesch-Kincaid grade {score:.1f} > {MAX_GRADE}"


@pytest.mark.parametrize(("name", "variant"), list(_variants()))
def test_no_forbidden_phrases(name, variant):
    found = violations(name, _full_text(variant))
    assert not found, f"{name}: {found}"


@pytest.mark.parametrize(("name", "variant"), [p for p in _variants() if HEALTH_TOPIC.match(p.values[0])])
def test_health_answers_end_with_a_source_line(name, variant):
    lines = [line.strip() for line in variant["text"].strip().splitlines()]
    source_lines = [line for line in lines if line.lower().startswith("source")]
    assert source_lines, f"{name}: no 'Source: ...' line"
    assert len(source_lines) == 1, f"{name}: more than one source line"
    last = lines[-1]
    assert SOURCE_LINE.match(last), f"{name}: last line is not 'Source: ... .': {last!r}"
    # Readable names, not the fact sheet's keys such as [ODS*] or [AASM-CPG].
    assert "[" not in last and "*" not in last, f"{name}: raw source key in {last!r}"


def test_every_health_topic_response_is_checked_for_a_source():
    from actions.topics import RESPONSES as TOPIC_RESPONSES

    health = {name for name in RESPONSES if HEALTH_TOPIC.match(name)}
    # Every topic answer the actions give, and every response that cites a source, is one of them.
    assert set(TOPIC_RESPONSES.values()) <= health
    citing = {
        name
        for name, variants in RESPONSES.items()
        if any(re.search(r"(?mi)^\s*sources?:", v["text"]) for v in variants)
    }
    assert citing <= health, citing - health
    assert health == {
        "utter_rls_overview",
        "utter_rls_symptoms",
        "utter_rls_causes",
        "utter_rls_treatment",
        "utter_magnesium_overview",
        "utter_magnesium_rls",
        "utter_deficiency_causes",
        "utter_deficiency_symptoms",
        "utter_side_effects",
        "utter_supplement_forms",
        "utter_food_sources",
        "utter_evidence",
        "utter_evidence_before_buying",
        "utter_pregnancy",
        "utter_product_info",
        "utter_emergency_poisoning",
        "utter_emergency_crisis",
        "utter_urgent_same_day",
    }


@pytest.mark.parametrize(("name", "variant"), list(_variants()))
def test_buttons_trigger_domain_intents(name, variant):
    for button in variant.get("buttons", []) or []:
        title, payload = button.get("title"), button.get("payload")
        assert isinstance(title, str) and title.strip(), f"{name}: button without title"
        assert len(title) <= 30, f"{name}: button title too long for a phone: {title!r}"
        match = re.fullmatch(r"/([a-z_]+)", payload or "")
        assert match, f"{name}: payload {payload!r} is not '/<intent>'"
        assert match.group(1) in INTENTS, f"{name}: unknown intent {payload!r}"


@pytest.mark.parametrize(("name", "variant"), list(_variants()))
def test_only_listed_placeholders(name, variant):
    used = set(re.findall(r"\{([^{}]*)\}", variant["text"]))
    allowed = ALLOWED_PLACEHOLDERS.get(name, set()) | LOCALE_PLACEHOLDERS
    assert used <= allowed, f"{name}: unexpected placeholders {used - allowed}"


def test_locale_placeholders_are_slots_whose_initial_values_are_the_default_locale():
    """Without the locale response generator Rasa fills placeholders from slots: never a bare {name}."""
    slots = DOMAIN.get("slots") or {}
    for name, value in template_values(LOCALES.get(LOCALES.default)).items():
        assert name in slots, f"{name} is not a slot"
        assert slots[name].get("initial_value") == value, name
        assert slots[name].get("influence_conversation") is False, name


@pytest.mark.parametrize("name", sorted(ALLOWED_PLACEHOLDERS))
def test_handoff_placeholders_present(name):
    for variant in RESPONSES[name]:
        used = set(re.findall(r"\{([^{}]*)\}", variant["text"])) - LOCALE_PLACEHOLDERS
        assert used == ALLOWED_PLACEHOLDERS[name], name


@pytest.mark.parametrize("name", YES_NO_QUESTIONS)
def test_yes_no_questions_have_yes_no_buttons(name):
    for variant in RESPONSES[name]:
        buttons = {(b["title"], b["payload"]) for b in variant.get("buttons", [])}
        assert buttons == {("Yes", "/affirm"), ("No", "/deny")}, name


def test_staff_alert_is_only_claimed_when_staff_are_on_duty():
    on_duty = RESPONSES["utter_emergency_staff_alerted"][0]["text"]
    off_duty = RESPONSES["utter_emergency_staff_offline"][0]["text"]
    assert re.search(r"\balerted\b", on_duty, re.IGNORECASE)
    assert not re.search(r"\balerted\b", off_duty, re.IGNORECASE)
    assert "{next_open}" in off_duty and re.search(r"don't wait", off_duty, re.IGNORECASE)


@pytest.mark.parametrize("locale_id", sorted(LOCALES.locales))
def test_emergency_reply_leads_with_the_locale_number_and_names_all_numbers(locale_id):
    own = LOCALES.get(locale_id).emergency
    for variant in RESPONSES["utter_emergency"]:
        text = rendered(variant["text"], locale_id).strip()
        assert EMERGENCY_START.match(text), f"does not start with the instruction: {text!r}"
        assert text.startswith(f"Call {own} now"), text
        for number in ("911", "999", "112"):
            assert number in text
        assert re.search(r"emergency department|emergency room|A&E", text, re.IGNORECASE)
        # Whether staff were alerted depends on the hours: said by the line after it.
        assert not re.search(r"\balerted\b", text, re.IGNORECASE), "staff alert promised unconditionally"
        # S1: no product talk in the emergency reply, and nothing to click.
        assert not re.search(
            r"sedorum|magnesium|supplement|iron|product|shop|buy|order|dose",
            text,
            re.IGNORECASE,
        ), text
        assert not variant.get("buttons"), "emergency reply must have no buttons"
        assert len(text) <= 300, "emergency reply must stay short"


def test_the_crisis_reply_gives_999_when_life_is_at_risk_and_the_crisis_lines() -> None:
    for variant in RESPONSES["utter_emergency_crisis"]:
        text = rendered(variant["text"], "uk")
        first = text.splitlines()
        assert all(number in text for number in ("999", "112", "911"))
        assert "116 123" in text and "111" in text and "option 2" in text
        assert not re.search(r"sedorum|magnesium|supplement|dose|product", text, re.IGNORECASE), text
        assert not variant.get("buttons"), "no buttons in a crisis reply"
        assert first[0].strip(), "starts with a sentence"


def test_the_poisoning_reply_sends_a_child_to_a_and_e_with_the_packet_even_if_well() -> None:
    for variant in RESPONSES["utter_emergency_poisoning"]:
        text = rendered(variant["text"], "uk")
        assert text.startswith("If a child may have swallowed tablets, go to A&E now, even if they seem fine.")
        assert "packet" in text and re.search(r"do not try to make them sick", text, re.IGNORECASE)
        assert all(number in text for number in ("999", "112", "911"))
        assert not variant.get("buttons")


def test_the_same_day_reply_is_not_a_999_instruction_but_says_when_999_is() -> None:
    for variant in RESPONSES["utter_urgent_same_day"]:
        text = rendered(variant["text"], "uk")
        first_line = text.splitlines()[0]
        assert "111" in first_line and "GP" in first_line and "999" not in first_line
        assert not re.search(r"(?m)^\W*(please )?(call|ring|dial) (999|112|911)\b(?!,? (if|should|when))", text)
        assert re.search(r"if you also have chest pain", text, re.IGNORECASE)
        assert "112" not in text and "911" not in text  # other countries' numbers are for emergencies


def test_magnesium_evidence_is_graded_honestly():
    for name in ("utter_magnesium_rls", "utter_evidence"):
        for variant in RESPONSES[name]:
            text = variant["text"].lower()
            assert "limited" in text and "low certainty" in text, name
            assert "not been shown" in text, name
    for variant in RESPONSES["utter_evidence"]:
        assert re.search(r"iron.*blood tests?", variant["text"], re.IGNORECASE)


def test_pregnancy_answer_sends_to_maternity_clinician():
    for variant in RESPONSES["utter_pregnancy"]:
        text = variant["text"].lower()
        assert "midwife" in text and ("obstetrician" in text or "gp" in text)
        assert "sedorum" in text and "iron" in text
        assert "after the birth" in text or "after delivery" in text


def test_product_answers_say_read_the_label():
    for variant in RESPONSES["utter_product_info"]:
        text = variant["text"]
        assert re.search(r"the shop lists", text, re.IGNORECASE)
        assert re.search(r"read the label", text, re.IGNORECASE)
        payloads = {b["payload"] for b in variant.get("buttons", [])}
        assert {"/check_safety", "/ask_side_effects", "/request_human"} <= payloads
    for variant in RESPONSES["utter_product_purchase"]:
        payloads = {b["payload"] for b in variant.get("buttons", [])}
        assert "/request_human" in payloads


@pytest.mark.parametrize("locale_id", sorted(LOCALES.locales))
def test_greeting_says_automated_and_gives_emergency_numbers(locale_id):
    for variant in RESPONSES["utter_greet"]:
        text = rendered(variant["text"], locale_id).lower()
        assert "automated assistant" in text and "not a doctor" in text
        assert all(number in text for number in ("911", "999", "112"))
        assert first_emergency_number(text) == LOCALES.get(locale_id).emergency


def first_emergency_number(text: str) -> str | None:
    found = re.search(r"\b(911|999|112)\b", text)
    return found.group(1) if found else None


@pytest.mark.parametrize("locale_id", sorted(LOCALES.locales))
@pytest.mark.parametrize(("name", "variant"), list(_variants()))
def test_every_emergency_line_leads_with_the_locale_number(name, variant, locale_id):
    """UK visitors read 999 first, US visitors 911, EU visitors 112; the others follow."""
    text = rendered(variant["text"], locale_id)
    if first_emergency_number(text):
        assert first_emergency_number(text) == LOCALES.get(locale_id).emergency, f"{name}: {text!r}"


def test_out_of_hours_message_reads_as_a_sentence():
    """Every next-opening text the office hours produce fits the sentence (no "reply by on Monday")."""
    for variant in RESPONSES["utter_handoff_out_of_hours"]:
        for next_open in ("today at 8:00 (UK time)", "tomorrow at 8:00 (UK time)", "on Monday at 8:00 (UK time)"):
            text = variant["text"].replace("{next_open}", next_open)
            assert not re.search(r"\bby (on|today|tomorrow)\b", text), text
        uk = rendered(variant["text"], "uk")
        assert "NHS 111" in uk and "not an emergency" in uk
        assert "988" in rendered(variant["text"], "us")


# Citations a reader cannot follow: a copy on another site, a supplement maker's page, or a
# whole agency or product class instead of the document.
UNFINDABLE_CITATION = re.compile(
    r"\(via |nutri-facts|\bdsm\b|pill2trip|rxreasoner|experts123|US FDA(?:[;.]|$)|"
    r"UK magnesium sulfate product information|product information for magnesium medicines",
    re.IGNORECASE,
)


@pytest.mark.parametrize(("name", "variant"), list(_variants()))
def test_source_lines_name_documents_a_reader_can_find(name, variant):
    for line in variant["text"].splitlines():
        if line.strip().lower().startswith("source"):
            assert not UNFINDABLE_CITATION.search(line), f"{name}: {line!r}"


def test_europe_limit_is_stated_correctly():
    """EFSA's 250 mg (ages 4 and over) is lower than the US adult limit only: for ages 4 to 8 it is
    higher than the US one, so "lower" may be said of adults alone."""
    from sedorum.safety import wording

    text = wording.text("dose.general_overview")
    assert not re.search(r"4 and over is lower|lower limit of", text)
    sentence = next(line for line in text.splitlines() if "EFSA" in line and "250" in line)
    assert "4 and over" in sentence and "For adults, that is lower than the US limit" in sentence


# --- the checks themselves must be able to fail -------------------------------------


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("utter_product_info", "All ingredients are proven effective for RLS."),
        ("utter_magnesium_rls", "Magnesium cures restless legs."),
        ("utter_magnesium_rls", "Magnesium can help your RLS."),
        ("utter_dosage", "You should take 300 mg each evening."),
        ("utter_dosage", "Start with 200 mg a day."),
        ("utter_check", "Good news: Sedorum is safe for you."),
        ("utter_supplement_forms", "Glycinate is about 40% absorbed."),
        ("utter_deficiency_symptoms", "Signs include insomnia and poor nail growth."),
        ("utter_deficiency_symptoms", "Low magnesium can cause restless legs."),
        ("utter_deficiency_symptoms", "You may feel hyperventilation."),
        ("utter_deficiency_causes", "Coffee, sweating and stress lower magnesium."),
        ("utter_rls_symptoms", "It sounds like RLS."),
        ("utter_rls_symptoms", "From what you say, you probably have RLS."),
        ("utter_product_info", "Each serving has 375 mg of magnesium."),
    ],
)
def test_forbidden_patterns_catch_known_bad_text(name, bad):
    assert violations(name, bad), f"not caught: {bad!r}"


def test_grade_ignores_the_source_line_and_markup():
    prose = "Magnesium is a mineral. Your body needs it."
    cited = prose + "\nSource: NIH Office of Dietary Supplements; Institute of Medicine."
    assert grade(cited) == pytest.approx(grade(prose))
    assert grade("**Magnesium** is a [mineral](https://example.org). Your body needs it.") == (
        pytest.approx(grade(prose))
    )
    hard = (
        "Hypermagnesemia, characterised by pathophysiological accumulation consequent "
        "upon compromised glomerular filtration, necessitates individualised evaluation."
    )
    assert grade(hard) > MAX_GRADE


def test_grade_never_downloads(monkeypatch):
    import nltk

    def no_network(*args, **kwargs):
        raise AssertionError("readability must not download data")

    monkeypatch.setattr(nltk, "download", no_network)
    assert grade("A short plain sentence about sleep. Another one here.") < MAX_GRADE


def test_domain_loads_in_rasa():
    from rasa.shared.core.domain import Domain

    domain = Domain.load(str(ROOT / "domain.yml"))
    assert set(REQUIRED) <= set(domain.responses)
