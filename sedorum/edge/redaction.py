"""Keeps what users type out of the logs: emails, phone numbers, names, health details, tokens.

Why: Rasa 3.6 logs user text (structlog debug events such as "processor.message.parse", the
REST channel's failure events, slot values in form validation), Sanic logs request URLs
that may carry `?token=`, and SQLAlchemy errors print the parameters of the failed INSERT,
which are the conversation's events. Logs are copied, shipped and kept far longer than the
conversation (S12), so redaction happens when a record is created, in every process:

* a log-record factory redacts every stdlib record (every logger, any handler, added later too);
* `RedactingFilter` does the same for handlers that get records some other way (defence in depth);
* structlog is routed through stdlib logging, honours the level, and blanks the keys that
  carry user text before anything is rendered.

Health terms come from the safety lexicon (`sedorum/safety/lexicon.yml`) when it loads, plus
a small built-in list, so redaction does not depend on another module being finished.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable, MutableMapping
from functools import lru_cache
from typing import Any

from sedorum.contact_patterns import EMAIL, LOGGED_PHONE

REDACTED = "[redacted]"

# Keys whose values are user text or derived from it (Rasa's own anonymisation list plus ours).
SENSITIVE_KEYS = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
        "metadata",
        "entities",
    }
)

# Built-in health vocabulary: enough to be useful if the lexicon is missing or broken.
BUILTIN_HEALTH_TERMS = (
    "pregnant",
    "pregnancy",
    "breastfeeding",
    "breast feeding",
    "nursing",
    "dialysis",
    "kidney disease",
    "kidney failure",
    "kidneys",
    "kidney",
    "renal",
    "heart block",
    "heart failure",
    "heart condition",
    "heart attack",
    "arrhythmia",
    "pacemaker",
    "myasthenia gravis",
    "myasthenia",
    "diabetes",
    "diabetic",
    "epilepsy",
    "seizure",
    "seizures",
    "cancer",
    "chemotherapy",
    "depression",
    "anxiety",
    "hiv",
    "stroke",
    "overdose",
    "suicidal",
    "anemia",
    "anaemia",
    "miscarriage",
    "gabapentin",
    "pregabalin",
    "levodopa",
    "digoxin",
    "diuretic",
    "antibiotic",
    "antibiotics",
    "antacid",
    "antacids",
    "laxative",
    "laxatives",
    "omeprazole",
    "ropinirole",
    "pramipexole",
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NAME = re.compile(
    r"\b((?i:my name is|my name's|i am called|i'm called|call me|name\s*:))\s+"
    r"([^\s,.;:!?]+(?:\s+[A-Z][^\s,.;:!?]*){0,2})"
)
_AGE = re.compile(r"(?i)\b(\d{1,3})\s*(?:years?\s*old|yrs?\s*old|y/?o)\b|\b(?:i am|i'm|im|aged?)\s+(\d{1,3})\b")
_URL_SECRET = re.compile(r"(?i)([?&](?:token|access_token|jwt|api_key|key)=)[^&\s'\"]+")
_BEARER = re.compile(r"(?i)\b(bearer|token)\s+[A-Za-z0-9._~+/=\-]{8,}")
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\s*(?:\n|\\n|\(Background|$))", re.DOTALL)
# Rasa and rasa-sdk lines whose remainder is user data (slot values, NLG payloads, texts).
_USER_DATA_PREFIXES = re.compile(
    r"(?s)((?:Validating extracted slots|Received NLG response|Received user message|"
    r"Logged UserUtterance|Validating user input|Extracted slot values?)[^:]*:)\s.*"
)


@lru_cache(maxsize=1)
def health_terms() -> tuple[str, ...]:
    """The lexicon's condition, medication and pregnancy terms plus the built-in list."""
    terms: set[str] = {t.lower() for t in BUILTIN_HEALTH_TERMS}
    try:
        from sedorum.safety.lexicon import load_lexicon

        for concept in load_lexicon().concepts.values():
            terms.update(term.lower() for term in concept.terms)
    except Exception:  # the lexicon is optional here: a broken one must not stop logging
        logging.getLogger(__name__).warning("Safety lexicon not loaded; redacting built-in health terms only.")
    return tuple(sorted((t for t in terms if len(t) >= 3), key=len, reverse=True))


@lru_cache(maxsize=1)
def _health_pattern() -> re.Pattern[str]:
    alternatives = "|".join(re.escape(term).replace(r"\ ", r"\s+") for term in health_terms())
    return re.compile(rf"(?i)(?<![\w])(?:{alternatives})(?![\w])")


def _phone(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in found)
    if digits < 7 or _ISO_DATE.match(found.strip()):
        return found
    if not found.startswith("+") and digits < 9:
        return found
    return "[phone]"


def redact(text: str) -> str:
    """Returns `text` with personal and health details replaced by placeholders."""
    if not text:
        return text
    text = _SQL_PARAMETERS.sub("[parameters: [redacted]]", text)
    text = _USER_DATA_PREFIXES.sub(r"\1 " + REDACTED, text)
    text = _URL_SECRET.sub(r"\1" + REDACTED, text)
    text = _BEARER.sub(r"\1 " + REDACTED, text)
    text = EMAIL.sub("[email]", text)
    text = LOGGED_PHONE.sub(_phone, text)
    text = _NAME.sub(lambda m: f"{m.group(1)} [name]", text)
    text = _AGE.sub("[age]", text)
    return _health_pattern().sub("[health]", text)


def _redact_value(key: str, value: Any) -> Any:
    if key in SENSITIVE_KEYS and value not in (None, "", [], {}):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    return value


def redact_event_dict(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: blanks user-text keys and redacts every other string value."""
    for key, value in list(event_dict.items()):
        event_dict[key] = _redact_value(key, value)
    return event_dict


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Redacts a record in place (message, arguments and traceback); idempotent."""
    if getattr(record, "_sedorum_redacted", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep only the template
        message = str(record.msg)
    record.msg = redact(message)
    record.args = None
    if record.exc_info and record.exc_info[0] is not None:
        formatted = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = redact(formatted)
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._sedorum_redacted = True
    return record


class RedactingFilter(logging.Filter):
    """Redacts every record that passes through; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_FILTER = RedactingFilter()
LOGGERS = ("", "rasa", "rasa_sdk", "sanic.root", "sanic.error", "sanic.access", "sqlalchemy", "aiohttp", "sedorum")


def _attach_filter(names: Iterable[str]) -> None:
    for name in names:
        target = logging.getLogger(name)
        if _FILTER not in target.filters:
            target.addFilter(_FILTER)
        for handler in target.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)


def configure_structlog() -> None:
    """Routes Rasa's structlog events through stdlib logging, redacted and level-filtered.

    Rasa only configures structlog in its own CLI; under our entry point structlog would print
    every debug event (with user text) straight to stdout.
    """
    import structlog

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            structlog.stdlib.add_log_level,
            structlog.processors.format_exc_info,  # before redaction: tracebacks carry SQL parameters
            redact_event_dict,
            structlog.processors.KeyValueRenderer(key_order=["event"], drop_missing=True),
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,  # a later configure() (tests) must take effect
    )


def install_log_redaction() -> None:
    """Installs redaction for this process (idempotent): record factory, filters, structlog."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "_sedorum_redacting", False):

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return redact_record(current(*args, **kwargs))

        # A marker on the function itself, so a second install does not wrap the factory twice.
        factory._sedorum_redacting = True  # type: ignore[attr-defined]  # a marker on a function object
        logging.setLogRecordFactory(factory)
    _attach_filter(LOGGERS)
    configure_structlog()
    route_loguru_to_logging()


def route_loguru_to_logging() -> None:
    """medspaCy's PyRuSH logs sentences (user text) through loguru at DEBUG, straight to stderr.

    Loguru's default sink is replaced by one that hands INFO and above to stdlib logging, where
    the record factory redacts it.
    """
    try:
        from loguru import logger as loguru_logger
    except ImportError:
        return

    def sink(message: Any) -> None:
        record = message.record
        logging.getLogger(record["name"] or "loguru").log(record["level"].no, record["message"])

    loguru_logger.remove()
    loguru_logger.add(sink, level="INFO", format="{message}")
