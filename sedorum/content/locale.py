"""Which emergency number a reply leads with: the visitor's locale (locales.yml).

    locale = conversation_locale("twilio", "whatsapp:+15551234567")   # -> the "us" locale
    locale.template_values()["emergency_number"]                      # -> "911"

Why: an emergency instruction that starts with another country's number costs seconds when
they matter. The shop is in the UK, so the default is the UK (999; NHS 111 for urgent advice
that is not an emergency); SEDORUM_LOCALE switches the default for a deployment, and a phone
channel's country code switches it for one conversation. The other numbers still follow the
locale's own, for travellers.

Plain Python (no Rasa): the Rasa process fills the response placeholders with these values
(sedorum.rasa_ext.locale_responses), and actions may use them for their own texts.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

LOCALES_PATH = Path(__file__).with_name("locales.yml")
LOCALE_ENV = "SEDORUM_LOCALE"
# Channels whose conversation id is the visitor's phone number in E.164 ("whatsapp:" allowed).
PHONE_CHANNELS = frozenset({"twilio"})
_E164 = re.compile(r"^(?:whatsapp:)?(\+\d{6,15})$")


@dataclass(frozen=True)
class Locale:
    id: str
    name: str
    emergency: str
    urgent_advice: str
    country_codes: tuple[str, ...]
    emergency_department: str = "the emergency department"
    same_day_help: str = "see a doctor today"
    crisis_lines: str = ""


@dataclass(frozen=True)
class LocaleTable:
    default: str
    locales: dict[str, Locale]

    def get(self, locale_id: str) -> Locale:
        return self.locales[locale_id]

    def others(self, locale: Locale) -> list[Locale]:
        """The other locales, in table order: named after the visitor's own number."""
        return [other for other in self.locales.values() if other.id != locale.id]

    def for_phone(self, number: str) -> Locale | None:
        """The locale of an E.164 number by its country code (longest prefix), or None."""
        match = _E164.match(number.strip().replace(" ", ""))
        if not match:
            return None
        digits = match.group(1)
        best: tuple[int, Locale] | None = None
        for locale in self.locales.values():
            for code in locale.country_codes:
                if digits.startswith(code) and (best is None or len(code) > best[0]):
                    best = (len(code), locale)
        return best[1] if best else None


@lru_cache(maxsize=4)
def load_locales(path: str | Path = LOCALES_PATH) -> LocaleTable:
    """Read and check locales.yml (a missing field, a bad number or an unknown default raise)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    locales: dict[str, Locale] = {}
    for locale_id, raw in (data.get("locales") or {}).items():
        emergency = str(raw.get("emergency") or "")
        if not re.fullmatch(r"\d{3}", emergency):
            raise ValueError(f"locales.yml: {locale_id}: emergency must be a 3-digit number, not {emergency!r}")
        codes = tuple(str(code) for code in raw.get("country_codes") or [])
        if not codes or not all(re.fullmatch(r"\+\d{1,4}", code) for code in codes):
            raise ValueError(f"locales.yml: {locale_id}: country_codes must be like '+44'")
        name, urgent = str(raw.get("name") or ""), " ".join(str(raw.get("urgent_advice") or "").split())
        if not name or not urgent:
            raise ValueError(f"locales.yml: {locale_id}: needs a name and urgent_advice")
        extra = {
            key: " ".join(str(raw.get(key) or "").split())
            for key in ("emergency_department", "same_day_help", "crisis_lines")
        }
        missing = sorted(key for key, value in extra.items() if not value)
        if missing:
            raise ValueError(f"locales.yml: {locale_id}: needs {', '.join(missing)}")
        extra["crisis_lines"] = extra["crisis_lines"].replace("{emergency}", emergency)
        locales[str(locale_id)] = Locale(str(locale_id), name, emergency, urgent, codes, **extra)
    default = str(data.get("default") or "")
    if default not in locales:
        raise ValueError(f"locales.yml: default {default!r} is not one of {sorted(locales)}")
    return LocaleTable(default=default, locales=locales)


def default_locale() -> Locale:
    """The deployment's locale: SEDORUM_LOCALE, else the table's default (the UK).

    An unknown value raises instead of silently leading with the wrong country's number.
    """
    table = load_locales()
    wanted = os.environ.get(LOCALE_ENV, "").strip().lower() or table.default
    if wanted not in table.locales:
        raise ValueError(f"{LOCALE_ENV}={wanted!r}: must be one of {', '.join(table.locales)}")
    return table.get(wanted)


def conversation_locale(channel: str | None, sender_id: str | None) -> Locale:
    """The locale for one conversation: a phone channel's country code, else the default."""
    if channel in PHONE_CHANNELS and sender_id:
        by_phone = load_locales().for_phone(sender_id)
        if by_phone:
            return by_phone
    return default_locale()


def template_values(locale: Locale) -> dict[str, str]:
    """The response placeholders that carry the emergency numbers (domain.yml uses these).

    emergency_number         "999"
    other_emergency_numbers  "or 112 in the EU, 911 in the US"
    emergency_abroad         "Not in the UK? Call 112 in the EU or 911 in the US."
    urgent_advice            "For urgent advice that is not an emergency, call NHS 111."
    emergency_department     "A&E"
    same_day_help            "call NHS 111 or get a GP appointment today"
    crisis_lines             "Call NHS 111 and choose option 2 ... Samaritans free on 116 123 ..."
    """
    others = load_locales().others(locale)
    named = [f"{other.emergency} in {other.name}" for other in others]
    return {
        "emergency_number": locale.emergency,
        "other_emergency_numbers": "or " + ", ".join(named),
        "emergency_abroad": f"Not in {locale.name}? Call " + " or ".join(named) + ".",
        "urgent_advice": locale.urgent_advice,
        "emergency_department": locale.emergency_department,
        "same_day_help": locale.same_day_help,
        "crisis_lines": locale.crisis_lines,
    }


def emergency_instruction(locale: Locale) -> str:
    """The S1 instruction as one plain sentence pair, for texts built outside domain.yml."""
    values = template_values(locale)
    return (
        f"Call {locale.emergency} now, or go to the nearest emergency department. Don't wait. "
        + values["emergency_abroad"]
    )
