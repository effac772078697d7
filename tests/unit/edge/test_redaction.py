"""Log redaction: user text, contact details, health terms and tokens never reach a log line."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog

from sedorum.edge import redaction
from sedorum.edge.redaction import RedactingFilter, install_log_redaction, redact, redact_event_dict


@pytest.fixture
def redacting_logs() -> Iterator[None]:
    """Installs redaction for one test and restores the process's logging afterwards."""
    factory = logging.getLogRecordFactory()
    saved_filters = {name: list(logging.getLogger(name).filters) for name in redaction.LOGGERS}
    saved_handler_filters = {
        id(h): (h, list(h.filters)) for name in redaction.LOGGERS for h in logging.getLogger(name).handlers
    }
    structlog_config = structlog.get_config()
    install_log_redaction()
    try:
        yield
    finally:
        logging.setLogRecordFactory(factory)
        for name, filters in saved_filters.items():
            logging.getLogger(name).filters[:] = filters
        for handler, filters in saved_handler_filters.values():
            handler.filters[:] = filters
        structlog.configure(**structlog_config)


@pytest.mark.parametrize(
    ("text", "must_not_contain", "placeholder"),
    [
        ("write to anna.k@example.org please", "anna.k@example.org", "[email]"),
        ("my number is +44 7700 900123", "7700 900123", "[phone]"),
        ("call me on 0171 555 1234", "555 1234", "[phone]"),
        ("Hi, my name is Anna Kowalski", "Kowalski", "[name]"),
        ("I have chronic kidney disease and I am on dialysis", "dialysis", "[health]"),
        ("I'm pregnant and take omeprazole", "omeprazole", "[health]"),
        ("I am 72 years old", "72", "[age]"),
        ("GET /conversations/x/tracker?token=s3cret-token-value", "s3cret-token-value", "[redacted]"),
        ("Authorization: Bearer abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnop", "[redacted]"),
    ],
)
def test_redact_replaces_personal_and_health_details(text: str, must_not_contain: str, placeholder: str) -> None:
    result = redact(text)
    assert must_not_contain not in result
    assert placeholder in result


def test_redact_keeps_operational_details_readable() -> None:
    line = "Custom action action_answer_dosage failed for conversation test-1a2b3c (TimeoutError); intent ask_pregnancy"
    assert redact(line) == line
    assert redact("2026-11-27 09:12:33 port 5005") == "2026-11-27 09:12:33 port 5005"


def test_lexicon_terms_are_used_when_the_lexicon_loads() -> None:
    terms = redaction.health_terms()
    assert "dialysis" in terms
    assert len(terms) > len(redaction.BUILTIN_HEALTH_TERMS)  # lexicon.yml contributed


def test_every_logger_is_redacted_through_the_record_factory(
    redacting_logs: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("rasa.core.actions.action").debug("Validating extracted slots: %s", {"age": 71, "kidney": True})
    logging.getLogger("some.new.logger").warning("user said: my name is Bob Jones, bob@example.com")
    text = caplog.text
    assert "71" not in text and "Bob" not in text and "bob@example.com" not in text
    assert "Validating extracted slots: [redacted]" in text


def test_tracebacks_with_sql_parameters_are_redacted(redacting_logs: None, caplog: pytest.LogCaptureFixture) -> None:
    try:
        raise RuntimeError(
            "(psycopg2.OperationalError) server closed the connection\n"
            "[SQL: INSERT INTO events (sender_id, data) VALUES (%(a)s, %(b)s)]\n"
            '[parameters: {"a": "s1", "b": "{\\"text\\": \\"I am pregnant, anna@example.org\\"}"}]\n'
            "(Background on this error at: https://sqlalche.me/e/14/e3q8)"
        )
    except RuntimeError:
        logging.getLogger("sqlalchemy.engine").exception("save failed")
    assert "anna@example.org" not in caplog.text
    assert "pregnant" not in caplog.text
    assert "[parameters: [redacted]]" in caplog.text


def test_structlog_events_are_redacted_and_respect_the_level(
    redacting_logs: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    log = structlog.get_logger("rasa.core.processor")
    log.debug("processor.message.parse", parse_data_text="I have heart block")
    log.error("rest.message.received.failure", text="my email is x@y.org and I take digoxin")
    assert "heart block" not in caplog.text  # debug is below the level: not emitted at all
    assert "digoxin" not in caplog.text and "x@y.org" not in caplog.text
    assert "rest.message.received.failure" in caplog.text


def test_structlog_processor_blanks_user_text_keys() -> None:
    event = redact_event_dict(None, "info", {"event": "x", "text": "hello", "user_message": "hi", "count": 3})
    assert event == {"event": "x", "text": "[redacted]", "user_message": "[redacted]", "count": 3}


def test_filter_redacts_records_created_elsewhere() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "patient %s on %s", ("Anna", "dialysis"), None)
    assert RedactingFilter().filter(record) is True
    assert "dialysis" not in record.getMessage()


def test_structlog_exceptions_are_redacted_after_formatting(
    redacting_logs: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    try:
        raise RuntimeError(
            "(psycopg2.OperationalError) closed\n[SQL: INSERT INTO events]\n"
            "[parameters: ('s1', 'I take digoxin, call +44 7700 900123')]\n(Background on this error at: x)"
        )
    except RuntimeError:
        structlog.get_logger("rasa.core.channels.rest").exception("rest.message.received.failure", text="hi")
    assert "digoxin" not in caplog.text and "900123" not in caplog.text
    assert "[parameters: [redacted]]" in caplog.text
