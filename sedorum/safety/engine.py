"""Applies the reviewed rules (rules.yml) to a user's profile.

    screening = evaluate(profile)
    screening.findings          # ordered stop > caution > info, then rule order
    screening.render()          # a short chat message that always ends with whom to ask
    dose_allowed(profile)       # "withhold_kidney" | "child" | "general"
    sources_line(keys)          # "Source: <readable names>." for the rules an answer used

Plain Python: no Rasa imports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypedDict

import yaml

from . import limits, spacing, wording
from .conditions import Condition, parse_condition
from .lexicon import load_lexicon
from .profile import Profile
from .subject import SELF, Subject
from .yaml_data import check_keys, listed, mapping, strings, text

RULES_PATH = Path(__file__).with_name("rules.yml")
SOURCES_PATH = Path(__file__).with_name("sources.yml")

SEVERITIES: tuple[str, ...] = ("stop", "caution", "info")

# Whom to ask, most specific first. "their doctor" is used for children.
ASK_ORDER: tuple[str, ...] = (
    "kidney doctor",
    "their doctor",
    "midwife, obstetrician or GP",
    "neurologist or GP",
    "prescriber",
    "GP",
    "pharmacist",
)


# The fields a rule in rules.yml may have; anything else is a typo or a renamed field, refused.
RULE_FIELDS = frozenset({"id", "title", "when", "severity", "advice", "ask", "sources", "behaviour", "amounts"})


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    when: Condition
    severity: str
    advice: str
    ask: str
    sources: tuple[str, ...]
    behaviour: str | None = None
    # False: a dose question from a person this rule applies to gets no amounts, only whom to ask.
    amounts: bool = True


class FindingDict(TypedDict):
    """A Finding as plain data (`Finding.to_dict()`)."""

    rule_id: str
    severity: str
    title: str
    advice: str
    ask: str
    sources: list[str]


class ScreeningDict(TypedDict):
    """A Screening as plain data (`Screening.to_dict()`)."""

    findings: list[FindingDict]
    asks: list[str]
    missing: list[str]


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: str
    advice: str
    ask: str
    sources: tuple[str, ...]
    title: str = ""
    amounts: bool = True  # the rule's `amounts`: False withholds every figure from dose answers

    def to_dict(self) -> FindingDict:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "title": self.title,
            "advice": self.advice,
            "ask": self.ask,
            "sources": list(self.sources),
        }


def _clean(text: object) -> str:
    return " ".join(str(text).split())


@lru_cache(maxsize=4)
def load_source_names(path: str | Path = SOURCES_PATH) -> dict[str, str]:
    """Source key -> the name a reader can look up (sources.yml)."""
    data = mapping(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}, "sources.yml")
    return {key: _clean(name) for key, name in mapping(data.get("sources") or {}, "sources.yml: sources").items()}


def sources_line(keys: Iterable[str]) -> str:
    """The "Source: ..." line for answers built from rules, in the topic answers' format.

    Why: a reader must be able to check every health claim; the raw keys of the fact sheet
    ([ODS*]) mean nothing to them, so each key is shown by its primary source's name, once.
    """
    names = load_source_names()
    shown: list[str] = []
    for key in keys:
        for name in names[key].split("; "):
            if name not in shown:
                shown.append(name)
    return "Source: " + "; ".join(shown) + "." if shown else ""


@lru_cache(maxsize=4)
def load_rules(path: str | Path = RULES_PATH) -> tuple[Rule, ...]:
    """Load and validate rules.yml (unknown ids, severities or askees raise ValueError)."""
    data = mapping(yaml.safe_load(Path(path).read_text(encoding="utf-8")), "rules.yml")
    lexicon = load_lexicon()
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, item in enumerate(listed(data.get("rules") or [], "rules.yml: rules")):
        raw = mapping(item, f"rules.yml: rules[{index}]")
        rid = str(raw.get("id") or "")
        if not rid or rid in seen:
            raise ValueError(f"rules.yml: missing or duplicate rule id {rid!r}")
        seen.add(rid)
        check_keys(raw, RULE_FIELDS, f"rules.yml: rule {rid}")
        severity = raw.get("severity")
        if not isinstance(severity, str) or severity not in SEVERITIES:
            raise ValueError(f"rules.yml: rule {rid}: severity must be one of {SEVERITIES}")
        ask = _clean(raw.get("ask") or "")
        if ask not in ASK_ORDER:
            raise ValueError(f"rules.yml: rule {rid}: ask must be one of {ASK_ORDER}")
        sources = tuple(
            s.strip().strip("[]") for s in strings(raw.get("sources") or [], f"rules.yml: rule {rid}: sources")
        )
        if not sources:
            raise ValueError(f"rules.yml: rule {rid}: needs at least one source key")
        unnamed = [key for key in sources if key not in load_source_names()]
        if unnamed:
            raise ValueError(f"rules.yml: rule {rid}: source keys without a name in sources.yml: {unnamed}")
        advice = _fill(_clean(raw.get("advice") or ""), f"rules.yml: rule {rid}")
        if not advice:
            raise ValueError(f"rules.yml: rule {rid}: needs advice")
        when = parse_condition(
            _fill(_clean(raw.get("when") or ""), f"rules.yml: rule {rid}"),
            known_conditions=lexicon.condition_ids,
            known_medications=lexicon.medication_ids,
        )
        rules.append(
            Rule(
                id=rid,
                title=_clean(raw.get("title") or rid),
                when=when,
                severity=severity,
                advice=advice,
                ask=ask,
                sources=sources,
                behaviour=None
                if raw.get("behaviour") is None
                else text(raw["behaviour"], f"rules.yml: rule {rid}: behaviour"),
                amounts=_amounts(raw.get("amounts", True), rid),
            )
        )
    return tuple(rules)


def _amounts(raw: object, rid: str) -> bool:
    if not isinstance(raw, bool):
        raise ValueError(f"rules.yml: rule {rid}: amounts must be true or false")
    return raw


def _fill(advice: str, where: str) -> str:
    """A rule's advice with the figures of limits.yml and spacing.yml filled in ({limit_adult_mg})."""
    values = {**limits.template_values(), **spacing.template_values()}
    try:
        return advice.format_map(values)
    except KeyError as exc:
        raise ValueError(f"{where}: unknown figure {exc} (known: {sorted(values)})") from exc


def finding_advice(finding: Finding, subject: Subject = SELF) -> str:
    """The rule's advice, addressed to the visitor or about the person they asked for.

    Rules whose advice already speaks to a carer ("their doctor") are left as written.
    """
    if finding.ask == "their doctor":
        return finding.advice
    return wording.about(subject, finding.advice)


def _no_findings_ending(subject: Subject) -> str:
    if subject.is_self:
        return wording.text("endings.no_findings_self")
    return wording.text("endings.no_findings_other", **wording.person(subject))


@dataclass
class Screening:
    profile: Profile
    findings: list[Finding] = field(default_factory=list)

    @property
    def rule_ids(self) -> list[str]:
        return [f.rule_id for f in self.findings]

    @property
    def has_stop(self) -> bool:
        return any(f.severity == "stop" for f in self.findings)

    @property
    def withholding(self) -> list[Finding]:
        """The findings that rule out amounts in a dose answer: every stop, and rules with `amounts: false`."""
        return [f for f in self.findings if f.severity == "stop" or not f.amounts]

    @property
    def asks(self) -> list[str]:
        """Distinct people to ask, most specific first ("GP" is dropped when another ask names a GP,
        or names a child's own doctor)."""
        present = {f.ask for f in self.findings}
        ordered = [a for a in ASK_ORDER if a in present]
        if "GP" in ordered and any(a != "GP" and (a.endswith("GP") or a == "their doctor") for a in ordered):
            ordered.remove("GP")  # a child's own doctor stands in for the GP
        return ordered

    def ending(self, subject: Subject = SELF) -> str:
        """The closing sentence: whom to ask (S9: never an all-clear)."""
        asks = self.asks
        if not asks:
            return _no_findings_ending(subject)
        grammar = wording.person(subject)
        if subject.is_self:
            age = self.profile.age
            about_child = "their doctor" in asks and (age is None or limits.load_limits().is_child(age))
            if about_child:  # a parent asking without saying so: the advice is about a child
                people = [a if a.startswith("their ") else f"their {a}" for a in asks]
                return wording.text("endings.child", people=wording.join(people))
            people = [f"your {a.removeprefix('their ')}" for a in asks]
            return wording.text("endings.self", people=wording.join(people))
        people = [f"{grammar['possessive']} {a.removeprefix('their ')}" for a in asks]
        return wording.text("endings.other", people=wording.join(people), **grammar)

    @property
    def sources(self) -> list[str]:
        """Source keys of the rules that fired, in finding order (each once)."""
        keys: list[str] = []
        for finding in self.findings:
            keys += [key for key in finding.sources if key not in keys]
        return keys

    def render(self, subject: Subject = SELF) -> str:
        """A short chat message listing the findings, then whom to ask, then the source line."""
        grammar = wording.person(subject)
        if not self.findings:
            none = wording.text("findings.none_self" if subject.is_self else "findings.none_other", **grammar)
            return none + "\n\n" + _no_findings_ending(subject)
        header = wording.text("findings.header_self" if subject.is_self else "findings.header_other", **grammar)
        lines = [header]
        for f in self.findings:
            lines.append(f"{wording.severity_label(f.severity)}: {f.title}. {finding_advice(f, subject)}")
        lines.append(self.ending(subject))
        # One line with the ending: channels split a text at blank lines.
        lines[-1] += "\n" + sources_line(self.sources)
        # One message: channels split a text at blank lines, and the findings belong together
        # (the first thing a visitor reads must be what their facts already show).
        return "\n".join(lines)

    def to_dict(self) -> ScreeningDict:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "asks": self.asks,
            "missing": self.profile.missing(),
        }


def evaluate(profile: Profile) -> Screening:
    """Apply every rule to the profile; findings are ordered stop > caution > info, then rule order."""
    fired: list[tuple[int, int, Finding]] = []
    for order, rule in enumerate(load_rules()):
        if rule.when(profile):
            finding = Finding(
                rule_id=rule.id,
                severity=rule.severity,
                advice=rule.advice,
                ask=rule.ask,
                sources=rule.sources,
                title=rule.title,
                amounts=rule.amounts,
            )
            fired.append((SEVERITIES.index(rule.severity), order, finding))
    fired.sort(key=lambda t: (t[0], t[1]))
    return Screening(profile=profile, findings=[f for _, _, f in fired])


# ---------------------------------------------------------------------------- doses

DOSE_WITHHOLD_KIDNEY = "withhold_kidney"
DOSE_CHILD = "child"
DOSE_GENERAL = "general"


def dose_allowed(profile: Profile) -> str:
    """What a dose question may be answered with (S2 and S7 in docs/safety.md).

    "withhold_kidney": kidney disease or dialysis: no amounts at all, kidney doctor.
    "child":           a child (limits.yml `ages.child`): their doctor; the child's limit only as a limit.
    "general":         older, or age unknown: the adult supplemental limit, as a limit.
    """
    if "kidney_disease" in profile.conditions:
        return DOSE_WITHHOLD_KIDNEY
    if limits.load_limits().is_child(profile.age):
        return DOSE_CHILD
    return DOSE_GENERAL


def dose_sources(kind: str) -> tuple[str, ...]:
    """The sources each kind of dose answer rests on (their source line ends the answer)."""
    if kind == DOSE_WITHHOLD_KIDNEY:
        return ("MSD-HYPER", "SmPC-MgAsp", "SmPC-MgGP")
    return limits.load_limits().limit_sources


def dose_limit_text(profile: Profile) -> str:
    """Plain-language answer to "how much can I take?" that never gives a dose [NF][IOM-GALE].

    It ends with the source line of what it states, like every health answer.
    """
    kind = dose_allowed(profile)
    return _dose_limit_prose(profile, kind) + "\n" + sources_line(dose_sources(kind))


def _dose_limit_prose(profile: Profile, kind: str) -> str:
    if kind == DOSE_WITHHOLD_KIDNEY:
        return wording.text("dose.kidney")
    if kind == DOSE_CHILD:
        band = limits.load_limits().band_for(profile.age or 0.0)
        limit = band.note if band.mg is None else wording.text("dose.child_limit", band=band.band, mg=band.mg)
        return " ".join((wording.text("dose.child_intro"), limit, wording.text("dose.child_ending")))
    return wording.text("dose.general")
