"""Upper limits for magnesium and the ages the engine decides by, read from limits.yml.

Why a data file: the upper limits by age and the age a child becomes an adult here used to be written in the rules,
in the domain's answers and in the engine's code, and they drifted apart (one answer cited
Europe's lower limit, its twin did not). Now every figure is written once, in limits.yml, and
every text that states one takes it from here through `template_values()` ({placeholders}).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .yaml_data import listed, mapping, number, read_mapping, strings, text

LIMITS_PATH = Path(__file__).with_name("limits.yml")

_TOP = frozenset({"upper_limits", "eu_limit", "ages", "sources"})
_BAND = frozenset({"from_age", "mg", "band", "note"})
_AGES = frozenset({"child", "older_adult", "no_pregnancy_question", "youngest", "oldest"})


@dataclass(frozen=True)
class AgeBand:
    """One row of the upper-limit table: from `from_age` (inclusive) to the next band's."""

    from_age: float
    mg: int | None
    band: str
    note: str = ""


@dataclass(frozen=True)
class Limits:
    bands: tuple[AgeBand, ...]
    eu_mg: int
    eu_from_age: float
    child_age: float
    older_adult_age: float
    no_pregnancy_question_age: float
    youngest_age: float
    oldest_age: float
    limit_sources: tuple[str, ...]
    eu_sources: tuple[str, ...]
    slow_pulse_below_bpm: int  # a resting pulse below this is a slow heart rate

    def band_for(self, age: float | None) -> AgeBand:
        """The band an age falls in; an unknown age gets the oldest band (the adults').

        Why the oldest: an unknown age is an adult's far more often than a child's, and the
        answers for children are only given when the visitor says the person is a child.
        """
        if age is None:
            return self.bands[-1]
        chosen = self.bands[0]
        for band in self.bands:
            if age >= band.from_age:
                chosen = band
        return chosen

    @property
    def adult(self) -> AgeBand:
        return self.bands[-1]

    def is_child(self, age: float | None) -> bool:
        return age is not None and age < self.child_age

    def is_plausible_age(self, age: float) -> bool:
        return self.youngest_age < age <= self.oldest_age


@lru_cache(maxsize=2)
def load_limits(path: str | Path = LIMITS_PATH) -> Limits:
    """limits.yml, checked: bands in increasing age order, every age a number."""
    data = read_mapping(path, _TOP | {"pulse"}, _TOP | {"pulse"})
    bands: list[AgeBand] = []
    for index, item in enumerate(listed(data["upper_limits"] or [], "limits.yml: upper_limits")):
        where = f"limits.yml: upper_limits[{index}]"
        raw = mapping(item, where, _BAND, frozenset({"from_age", "mg", "band"}))
        mg = raw["mg"]
        if mg is not None and (isinstance(mg, bool) or not isinstance(mg, int) or mg <= 0):
            raise ValueError(f"limits.yml: upper_limits[{index}].mg must be a whole number of mg or null")
        note = text(raw.get("note") or "", f"{where}: note")
        if mg is None and not note:
            raise ValueError(f"limits.yml: upper_limits[{index}] has no limit, so it needs a note to say instead")
        from_age = number(raw["from_age"], f"{where}: from_age")
        bands.append(AgeBand(from_age, mg, text(raw["band"], f"{where}: band"), note))
    if not bands or [b.from_age for b in bands] != sorted({b.from_age for b in bands}):
        raise ValueError("limits.yml: upper_limits must list bands in increasing from_age order")
    if bands[-1].mg is None:
        raise ValueError("limits.yml: the oldest band must have a limit")
    ages = mapping(data["ages"], "limits.yml: ages", _AGES, _AGES)
    eu = mapping(data["eu_limit"], "limits.yml: eu_limit", frozenset({"mg", "from_age"}), frozenset({"mg", "from_age"}))
    sources = mapping(
        data["sources"], "limits.yml: sources", frozenset({"upper_limits", "eu_limit"}), frozenset({"upper_limits"})
    )
    pulse = mapping(data["pulse"], "limits.yml: pulse", frozenset({"slow_below_bpm"}), frozenset({"slow_below_bpm"}))
    limit_sources = tuple(strings(sources["upper_limits"], "limits.yml: sources.upper_limits"))
    eu_sources = tuple(strings(sources["eu_limit"], "limits.yml: sources.eu_limit")) if sources.get("eu_limit") else ()
    return Limits(
        bands=tuple(bands),
        eu_mg=int(number(eu["mg"], "limits.yml: eu_limit.mg")),
        eu_from_age=number(eu["from_age"], "limits.yml: eu_limit.from_age"),
        child_age=number(ages["child"], "limits.yml: ages.child"),
        older_adult_age=number(ages["older_adult"], "limits.yml: ages.older_adult"),
        no_pregnancy_question_age=number(ages["no_pregnancy_question"], "limits.yml: ages.no_pregnancy_question"),
        youngest_age=number(ages["youngest"], "limits.yml: ages.youngest"),
        oldest_age=number(ages["oldest"], "limits.yml: ages.oldest"),
        limit_sources=limit_sources,
        eu_sources=eu_sources or limit_sources,
        slow_pulse_below_bpm=int(number(pulse["slow_below_bpm"], "limits.yml: pulse.slow_below_bpm")),
    )


def _age(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


@lru_cache(maxsize=1)
def template_values() -> dict[str, str]:
    """The {placeholders} that texts may use for these figures.

    limit_<from>_<to>_mg for each band with a limit ("limit_4_8_mg": "110"), limit_adult_mg,
    adult_from_age, eu_limit_mg, eu_from_age, child_age, older_adult_age.
    """
    limits = load_limits()
    values: dict[str, str] = {}
    for band, following in zip(limits.bands, [*limits.bands[1:], None], strict=True):
        if band.mg is None:
            continue
        upper = f"{_age(following.from_age - 1)}" if following else "up"
        values[f"limit_{_age(band.from_age)}_{upper}_mg"] = str(band.mg)
    values["limit_adult_mg"] = str(limits.adult.mg)
    values["adult_from_age"] = _age(limits.adult.from_age)
    values["eu_limit_mg"] = str(limits.eu_mg)
    values["eu_from_age"] = _age(limits.eu_from_age)
    values["child_age"] = _age(limits.child_age)
    values["older_adult_age"] = _age(limits.older_adult_age)
    return values
