"""Emergency numbers by locale: the table, the setting, a phone number's country code, the replies.

The emergency reply (S1) is a static domain response; these tests render it the way the Rasa
process does (through the locale response generator) for conversations from different places.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sedorum.content.locale import (
    LOCALE_ENV,
    conversation_locale,
    default_locale,
    emergency_instruction,
    load_locales,
    template_values,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _no_locale_setting(monkeypatch):
    monkeypatch.delenv(LOCALE_ENV, raising=False)


def test_the_table_has_uk_eu_and_us_with_their_numbers():
    table = load_locales()
    assert table.default == "uk"
    assert {k: v.emergency for k, v in table.locales.items()} == {"uk": "999", "eu": "112", "us": "911"}
    assert "NHS 111" in table.get("uk").urgent_advice
    assert "988" in table.get("us").urgent_advice
    assert len(table.get("eu").country_codes) == 27  # the member states


def test_default_is_the_uk_and_the_setting_switches_it(monkeypatch):
    assert default_locale().id == "uk"
    monkeypatch.setenv(LOCALE_ENV, "US")
    assert default_locale().id == "us"
    monkeypatch.setenv(LOCALE_ENV, "eu")
    assert default_locale().emergency == "112"


def test_an_unknown_setting_is_refused_not_guessed(monkeypatch):
    monkeypatch.setenv(LOCALE_ENV, "fr")
    with pytest.raises(ValueError, match=LOCALE_ENV):
        default_locale()


@pytest.mark.parametrize(
    ("sender", "expected"),
    [
        ("+447700900123", "uk"),
        ("whatsapp:+447700900123", "uk"),
        ("+15551234567", "us"),
        ("whatsapp:+15551234567", "us"),
        ("+353861234567", "eu"),  # Ireland: a 3-digit code
        ("+4915112345678", "eu"),  # Germany
        ("+33612345678", "eu"),
        ("+61400000000", "uk"),  # not in the table: the deployment's default
        ("not-a-number", "uk"),
    ],
)
def test_a_phone_channel_chooses_by_country_code(sender, expected):
    assert conversation_locale("twilio", sender).id == expected


def test_longest_country_code_wins():
    table = load_locales()
    irish, british = table.for_phone("+35312345678"), table.for_phone("+4412345678")
    assert irish is not None and irish.id == "eu"  # +353, not a shorter code
    assert british is not None and british.id == "uk"


def test_non_phone_channels_use_the_setting(monkeypatch):
    assert conversation_locale("rest", "+15551234567").id == "uk"
    assert conversation_locale("socketio", None).id == "uk"
    monkeypatch.setenv(LOCALE_ENV, "us")
    assert conversation_locale("rest", "abc").id == "us"
    assert conversation_locale("twilio", "+447700900123").id == "uk"  # the phone still decides


@pytest.mark.parametrize("locale_id", ["uk", "eu", "us"])
def test_values_lead_with_the_locale_and_name_the_others(locale_id):
    table = load_locales()
    locale = table.get(locale_id)
    values = template_values(locale)
    assert values["emergency_number"] == locale.emergency
    others = {other.emergency for other in table.others(locale)}
    assert locale.emergency not in values["other_emergency_numbers"]
    assert all(number in values["other_emergency_numbers"] for number in others)
    assert values["emergency_abroad"].startswith(f"Not in {locale.name}?")
    assert emergency_instruction(locale).startswith(f"Call {locale.emergency} now")


def test_a_broken_table_is_refused(tmp_path):
    bad = tmp_path / "locales.yml"
    bad.write_text(
        "default: uk\nlocales:\n  uk:\n    name: the UK\n    emergency: '99'\n"
        "    urgent_advice: x\n    country_codes: ['+44']\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="3-digit"):
        load_locales(bad)


# ----------------------------------------------------------------------------- through Rasa's generator


def _reply(response: str, channel: str, sender: str, **kwargs) -> str:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from sedorum.rasa_ext.locale_responses import LocaleResponses

    domain = Domain.load(str(ROOT / "domain.yml"))
    tracker = DialogueStateTracker.from_events(sender, [UserUttered("help", input_channel=channel)], slots=domain.slots)
    generator = LocaleResponses(domain=domain)
    message = asyncio.run(generator.generate(response, tracker, channel, **kwargs))
    assert message is not None
    return message["text"]


@pytest.mark.parametrize(
    ("channel", "sender", "number"),
    [
        ("rest", "web-visitor-1", "999"),
        ("twilio", "+447700900123", "999"),
        ("twilio", "+15551234567", "911"),
        ("twilio", "whatsapp:+33612345678", "112"),
    ],
)
def test_emergency_reply_leads_with_the_conversation_number(channel, sender, number):
    text = _reply("utter_emergency", channel, sender)
    assert text.startswith(f"Call {number} now")
    assert all(n in text for n in ("911", "999", "112"))  # the others follow, for travellers
    assert "{" not in text


def test_setting_changes_the_emergency_reply_of_web_conversations(monkeypatch):
    monkeypatch.setenv(LOCALE_ENV, "eu")
    assert _reply("utter_emergency", "rest", "web-visitor-2").startswith("Call 112 now")


def test_handoff_values_and_locale_values_fill_together():
    text = _reply(
        "utter_handoff_out_of_hours",
        "twilio",
        "+15551234567",
        office_hours="Monday to Friday, 8:00 to 20:00 (UK time)",
        next_open="on Monday at 8:00 (UK time)",
    )
    assert "We are back on Monday at 8:00 (UK time)." in text
    assert "call 911 straight away" in text and "988" in text and "{" not in text


def test_without_the_generator_the_slots_still_give_the_uk_numbers():
    """A Rasa process with the plain generator (tests, `rasa shell`) never shows a bare placeholder."""
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(ROOT / "domain.yml"))
    tracker = DialogueStateTracker.from_events("x", [], slots=domain.slots)
    plain = TemplatedNaturalLanguageGenerator(domain.responses)
    message = asyncio.run(plain.generate("utter_emergency", tracker, "rest"))
    assert message is not None and message["text"].startswith("Call 999 now") and "{" not in message["text"]


def test_endpoints_use_the_locale_generator():
    from rasa.core.utils import AvailableEndpoints

    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))
    assert endpoints.nlg is not None
    assert endpoints.nlg.type == "sedorum.rasa_ext.locale_responses.LocaleResponses"
