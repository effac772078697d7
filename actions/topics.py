"""The one table from the visitor's question (the NLU intent) to what answers it.

Why here: the safety engine's plan speaks of topics ("side_effects") and of texts it wrote; it
knows nothing of Rasa's intents or response names. The actions own the translation: which
intents are topics the engine plans for, and which domain response says each topic's static
answer. Add a topic by adding one line here (and its response in domain.yml).
"""

from __future__ import annotations

# intent -> (the engine's topic, the domain response with the topic's static answer)
TOPICS: dict[str, tuple[str, str | None]] = {
    "ask_dosage": ("dosage", None),  # the engine writes every dose answer itself
    "ask_side_effects": ("side_effects", "utter_side_effects"),
    "ask_product_info": ("product_info", "utter_product_info"),
    "ask_supplement_forms": ("supplement_forms", "utter_supplement_forms"),
    "ask_magnesium_rls": ("magnesium_rls", "utter_magnesium_rls"),
    "ask_pregnancy": ("pregnancy", "utter_pregnancy"),
    "ask_rls_overview": ("rls_overview", "utter_rls_overview"),
    "ask_rls_symptoms": ("rls_symptoms", "utter_rls_symptoms"),
    "ask_rls_causes": ("rls_causes", "utter_rls_causes"),
    "ask_rls_treatment": ("rls_treatment", "utter_rls_treatment"),
    "ask_magnesium_overview": ("magnesium_overview", "utter_magnesium_overview"),
    "ask_deficiency_causes": ("deficiency_causes", "utter_deficiency_causes"),
    "ask_deficiency_symptoms": ("deficiency_symptoms", "utter_deficiency_symptoms"),
    "ask_food_sources": ("food_sources", "utter_food_sources"),
    "ask_evidence": ("evidence", "utter_evidence"),
}
SAFETY_CHECK_INTENT = "check_safety"
INFORM_INTENT = "inform"

RESPONSES: dict[str, str] = {topic: response for topic, response in TOPICS.values() if response}


def topic_of(intent: str) -> str | None:
    entry = TOPICS.get(intent)
    return entry[0] if entry else None


def response_of(topic: str) -> str:
    return RESPONSES[topic]
