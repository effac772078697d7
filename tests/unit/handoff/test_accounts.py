"""Staff accounts: scrypt hashes, environment and table accounts, the CLI, the demo account."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from sedorum.handoff import accounts
from sedorum.handoff.store import HandoffStore, open_store


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HandoffStore:
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    monkeypatch.setenv("SEDORUM_HANDOFF_DB_URL", url)
    monkeypatch.delenv(accounts.USERS_ENV, raising=False)
    return open_store(url)


def test_hash_round_trip_and_salting() -> None:
    first = accounts.hash_password("correct horse battery")
    second = accounts.hash_password("correct horse battery")
    assert first != second, "every hash has its own salt"
    assert first.startswith("scrypt.") and not set(":,$'\" ") & set(first)
    assert accounts.verify_password("correct horse battery", first)
    assert not accounts.verify_password("correct horse battery!", first)


@pytest.mark.parametrize(
    "stored", ["", "plain", "md5.x.y", "scrypt.1.2.3..", "scrypt.a.b.c.d.e", "scrypt.16384.8.1.!!.!!"]
)
def test_malformed_hashes_never_verify(stored: str) -> None:
    assert accounts.verify_password("anything", stored) is False


def test_env_accounts_parse_and_skip_bad_entries() -> None:
    good = accounts.hash_password("pw-alice-123")
    parsed = accounts.env_accounts(f"alice:{good}, bob:plaintext ,bad name:{good},:{good}")
    assert parsed == {"alice": good}
    assert accounts.env_accounts(f"'alice:{good}'") == {"alice": good}, "shell quotes are tolerated"


def test_login_from_env_and_table(store: HandoffStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(accounts.USERS_ENV, f"alice:{accounts.hash_password('alice-password')}")
    store.put_staff("bob", accounts.hash_password("bob-password"))
    assert accounts.check_login("alice", "alice-password", store)
    assert accounts.check_login("bob", "bob-password", store)
    assert not accounts.check_login("bob", "alice-password", store)
    assert not accounts.check_login("carol", "anything", store)
    assert not accounts.check_login("../etc", "anything", store)
    assert accounts.account_exists("bob", store) and not accounts.account_exists("carol", store)


def test_cli_add_stores_only_a_hash(store: HandoffStore, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert accounts.main(["add", "dana"]) == 0
    stored = store.staff_hash("dana")
    assert stored and "a-long-password" not in stored
    assert accounts.check_login("dana", "a-long-password", store)
    out = capsys.readouterr().out
    assert f"{accounts.USERS_ENV}=dana:scrypt." in out


def test_cli_print_only_and_short_password(store: HandoffStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("another-long-one\n"))
    assert accounts.main(["add", "erin", "--print-only"]) == 0
    assert store.staff_hash("erin") is None
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(SystemExit):
        accounts.main(["add", "frank"])
    assert accounts.main(["remove", "nobody"]) == 1


def test_demo_account_created_once(store: HandoffStore, tmp_path: Path, capsys) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("RASA_AUTH_TOKEN=x\n")
    password = accounts.ensure_demo_account(env_file, store)
    assert password
    text = env_file.read_text()
    assert f"{accounts.USERS_ENV}=staff:scrypt." in text and password in capsys.readouterr().out
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert accounts.check_login("staff", password, store)
    assert accounts.ensure_demo_account(env_file, store) is None, "second run: nothing new"
    assert env_file.read_text() == text
    os.environ.pop(accounts.USERS_ENV, None)


def test_no_demo_account_when_staff_exist(store: HandoffStore, tmp_path: Path) -> None:
    store.put_staff("gina", accounts.hash_password("gina-password"))
    env_file = tmp_path / ".env"
    env_file.write_text("")
    assert accounts.ensure_demo_account(env_file, store) is None
    assert env_file.read_text() == ""
