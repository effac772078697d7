"""What the assistant knows about the person who would take the supplement.

A `Profile` holds only facts about the user themself (never a relative's, never a
hypothetical). It remembers explicit "no" answers as well as "yes" answers, so that a
screening question answered "no" is not asked again, and so that a later "no" can clear
an earlier "yes" for that one fact.

The profile is plain data: `to_dict()` gives a JSON-able dict for a Rasa slot and
`from_dict()` reads it back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypedDict

from .limits import load_limits

# Screening questions, in the order a conversation would normally ask them.
SCREENING_QUESTIONS: tuple[str, ...] = (
    "age",
    "kidney_disease",
    "heart_condition",
    "pregnancy_status",
    "medications",
)

# Condition ids that a "no" to the heart screening question rules out. The question also names
# myasthenia gravis, so a bare "yes" records `heart_or_myasthenia`, never a heart problem.
HEART_CONDITIONS: frozenset[str] = frozenset(
    {"heart_block", "slow_heart_rate", "heart_conduction", "heart_other", "heart_or_myasthenia"}
)
# The ids the heart question asks about (a bare "yes" to it records `heart_or_myasthenia`).
HEART_QUESTION_CONDITIONS: frozenset[str] = frozenset({"heart_block", "slow_heart_rate", "heart_conduction"})

# Children (under limits.yml `ages.child`) are not asked about pregnancy, nor is anyone from
# `ages.no_pregnancy_question` on: many of our visitors are older adults, and asking a
# 72-year-old whether they are pregnant costs trust for no safety gain.


def _as_set(value: object) -> set[str]:
    if not value:
        return set()
    if isinstance(value, str):
        return {value}
    if not isinstance(value, Iterable):
        raise TypeError(f"expected a list of ids, not {value!r}")
    return {str(v) for v in value}


def _as_bool(value: object) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in {"true", "yes", "1"}:
            return True
        if low in {"false", "no", "0"}:
            return False
        return None
    return bool(value)


def _as_age(value: object) -> float | None:
    if value is None or value == "" or not isinstance(value, (int, float, str)):
        return None
    try:
        age = float(value)
    except (TypeError, ValueError):
        return None
    if not load_limits().is_plausible_age(age):
        return None
    return age


class ProfileDict(TypedDict):
    """A Profile as plain data (`Profile.to_dict()`): what a Rasa slot holds."""

    age: float | None
    conditions: list[str]
    medications: list[str]
    pregnant: bool | None
    breastfeeding: bool | None
    pregnant_or_breastfeeding: bool | None
    denied_conditions: list[str]
    denied_medications: list[str]
    takes_medicines: bool | None
    other_medicines: list[str]


@dataclass
class Profile:
    """Facts about the user. `None` means "not known yet"; `False` means "the user said no"."""

    age: float | None = None
    conditions: set[str] = field(default_factory=set)
    medications: set[str] = field(default_factory=set)
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    # "yes" to the combined question "are you pregnant or breastfeeding?" without saying which.
    pregnant_or_breastfeeding: bool | None = None
    # Explicit negatives: the user said they do NOT have / take these.
    denied_conditions: set[str] = field(default_factory=set)
    denied_medications: set[str] = field(default_factory=set)
    # True: takes some medicines; False: said they take none; None: unknown.
    takes_medicines: bool | None = None
    # Medicines the user named that the lexicon does not know (kept for the pharmacist advice).
    other_medicines: set[str] = field(default_factory=set)

    # ------------------------------------------------------------------ queries
    def has_condition(self, condition_id: str) -> bool:
        return condition_id in self.conditions

    def takes(self, medication_id: str) -> bool:
        return medication_id in self.medications

    def is_empty(self) -> bool:
        return self == Profile()

    def missing(self) -> list[str]:
        """Screening questions still unanswered, in asking order.

        Among: age, kidney_disease, heart_condition, pregnancy_status, medications.
        """
        out: list[str] = []
        if self.age is None:
            out.append("age")
        if "kidney_disease" not in self.conditions and "kidney_disease" not in self.denied_conditions:
            out.append("kidney_disease")
        heart_known = bool(self.conditions & HEART_CONDITIONS) or self.denied_conditions >= HEART_QUESTION_CONDITIONS
        if not heart_known:
            out.append("heart_condition")
        if not self._pregnancy_known():
            out.append("pregnancy_status")
        if not self._medications_known():
            out.append("medications")
        return out

    def _pregnancy_known(self) -> bool:
        ages = load_limits()
        if self.age is not None and (ages.is_child(self.age) or self.age >= ages.no_pregnancy_question_age):
            return True  # a young child or an older adult: the question does not apply
        if self.pregnant or self.breastfeeding or self.pregnant_or_breastfeeding:
            return True
        # "Not pregnant" answers the question: asking "are you pregnant?" again after it is
        # the kind of question that makes people stop reading.
        return self.pregnant is False or self.pregnant_or_breastfeeding is False

    def _medications_known(self) -> bool:
        if self.medications or self.other_medicines:
            return True
        return self.takes_medicines is False

    # ------------------------------------------------------------------ merging
    def merge(self, newer: Profile) -> Profile:
        """Return a new profile: this one updated with the facts in `newer`.

        Newer facts win. A newer explicit "no" clears an earlier "yes" only for that fact
        (and a newer "yes" clears an earlier "no" for that fact). Unknowns in `newer`
        never erase what is already known. A general "I take no medicines" does not drop
        medicines the user named before: only "I don't take X (any more)" drops X.
        """
        merged = Profile(
            age=newer.age if newer.age is not None else self.age,
            conditions=(self.conditions - newer.denied_conditions) | newer.conditions,
            denied_conditions=(self.denied_conditions - newer.conditions) | newer.denied_conditions,
            medications=(self.medications - newer.denied_medications) | newer.medications,
            denied_medications=(self.denied_medications - newer.medications) | newer.denied_medications,
            pregnant=newer.pregnant if newer.pregnant is not None else self.pregnant,
            breastfeeding=newer.breastfeeding if newer.breastfeeding is not None else self.breastfeeding,
            pregnant_or_breastfeeding=(
                newer.pregnant_or_breastfeeding
                if newer.pregnant_or_breastfeeding is not None
                else self.pregnant_or_breastfeeding
            ),
            takes_medicines=newer.takes_medicines if newer.takes_medicines is not None else self.takes_medicines,
            other_medicines=self.other_medicines | newer.other_medicines,
        )
        # Once the user says which one (or says no to both), the combined "yes" is resolved.
        if merged.pregnant or merged.breastfeeding:
            merged.pregnant_or_breastfeeding = None
        if newer.pregnant is False and newer.breastfeeding is False:
            merged.pregnant_or_breastfeeding = False
        if merged.medications or merged.other_medicines:
            merged.takes_medicines = True
        return merged

    # ------------------------------------------------------------------ (de)serialisation
    def to_dict(self) -> ProfileDict:
        """A JSON-able dict (sets become sorted lists)."""
        return {
            "age": self.age,
            "conditions": sorted(self.conditions),
            "medications": sorted(self.medications),
            "pregnant": self.pregnant,
            "breastfeeding": self.breastfeeding,
            "pregnant_or_breastfeeding": self.pregnant_or_breastfeeding,
            "denied_conditions": sorted(self.denied_conditions),
            "denied_medications": sorted(self.denied_medications),
            "takes_medicines": self.takes_medicines,
            "other_medicines": sorted(self.other_medicines),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object] | None) -> Profile:
        """Read a dict made by `to_dict()` (tolerates missing keys, None and unknown keys)."""
        if not data:
            return cls()
        return cls(
            age=_as_age(data.get("age")),
            conditions=_as_set(data.get("conditions")),
            medications=_as_set(data.get("medications")),
            pregnant=_as_bool(data.get("pregnant")),
            breastfeeding=_as_bool(data.get("breastfeeding")),
            pregnant_or_breastfeeding=_as_bool(data.get("pregnant_or_breastfeeding")),
            denied_conditions=_as_set(data.get("denied_conditions")),
            denied_medications=_as_set(data.get("denied_medications")),
            takes_medicines=_as_bool(data.get("takes_medicines")),
            other_medicines=_as_set(data.get("other_medicines")),
        )
