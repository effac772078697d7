"""Staff accounts for the console: scrypt password hashes from the environment or a table.

Why not a YAML file: passwords (even hashed) do not belong in git. A deployment lists its
staff in SEDORUM_STAFF_USERS="alice:<hash>,bob:<hash>" (a secret store fills it), or adds
them to the `handoff_staff` table of the handoff database with this module's CLI:

    python -m sedorum.handoff.accounts add NAME          # asks for a password, stores the hash
    python -m sedorum.handoff.accounts add NAME --print-only   # prints the hash for the env var
    python -m sedorum.handoff.accounts list | remove NAME

Hashes come from hashlib.scrypt (stdlib; memory-hard, so a stolen table is slow to attack).
For `make run`, `ensure_demo_account` creates one demo account on first run and prints its
password once (it is also written to the git-ignored .env).
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import os
import re
import secrets
import sys
from pathlib import Path

from sedorum.handoff.store import HandoffStore, open_store

USERS_ENV = "SEDORUM_STAFF_USERS"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
# n=2**14, r=8, p=1: about 16 MB and a few tens of milliseconds per check.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD_LENGTH = 10
DEMO_NAME = "staff"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """`scrypt.n.r.p.salt.hash` (URL-safe base64).

    No ':' or ',' so it fits SEDORUM_STAFF_USERS as is, and no '$', which shells and
    docker-compose would try to expand.
    """
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt.{n}.{r}.{p}.{_b64(salt)}.{_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of `password` against a `hash_password` string; False if malformed."""
    try:
        scheme, n, r, p, salt, digest = stored.split(".")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        actual = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# A real hash of a random password: unknown names cost the same time as known ones.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def env_accounts(value: str | None = None) -> dict[str, str]:
    """Name -> hash from SEDORUM_STAFF_USERS ("alice:<hash>,bob:<hash>"); bad entries skipped."""
    value = os.environ.get(USERS_ENV, "") if value is None else value
    value = value.strip().strip("'\"")  # pasted with shell quotes into an env file
    accounts: dict[str, str] = {}
    for entry in value.split(","):
        name, sep, stored = entry.strip().partition(":")
        if sep and NAME_PATTERN.match(name) and stored.startswith("scrypt."):
            accounts[name] = stored
    return accounts


def account_hash(name: str, store: HandoffStore | None = None) -> str | None:
    """The stored hash for `name`: the environment wins over the table."""
    if not NAME_PATTERN.match(name or ""):
        return None
    found = env_accounts().get(name)
    if found:
        return found
    return (store or open_store()).staff_hash(name)


def account_exists(name: str, store: HandoffStore | None = None) -> bool:
    return account_hash(name, store) is not None


def check_login(name: str, password: str, store: HandoffStore | None = None) -> bool:
    stored = account_hash(name, store)
    ok = verify_password(password, stored or _DUMMY_HASH)
    return ok and stored is not None


def any_accounts(store: HandoffStore | None = None) -> bool:
    return bool(env_accounts()) or bool((store or open_store()).staff_names())


def ensure_demo_account(env_file: Path, store: HandoffStore | None = None) -> str | None:
    """On a first `make run` with no staff at all: a demo account, printed once, kept in .env.

    Returns the generated password (None when accounts already exist). The hash goes into
    SEDORUM_STAFF_USERS in .env (git-ignored, mode 600) and into os.environ for the servers;
    the password is written there as a comment so the developer can find it again.
    """
    if any_accounts(store):
        return None
    password = secrets.token_urlsafe(12)
    stored = hash_password(password)
    with env_file.open("a", encoding="utf-8") as out:
        out.write(
            f"# Demo staff console account (created on first run): name {DEMO_NAME}, password {password}\n"
            f"{USERS_ENV}={DEMO_NAME}:{stored}\n"
        )
    env_file.chmod(0o600)
    os.environ[USERS_ENV] = f"{DEMO_NAME}:{stored}"
    print(f"==> Created a demo staff account for the console: name {DEMO_NAME!r}, password {password!r}")
    print(f"==> (shown once; it is also noted in {env_file.name}, which git ignores)")
    return password


def _read_password(generate: bool) -> str:
    """A generated password, one typed twice at a terminal, or one line piped on stdin."""
    if generate:
        password = secrets.token_urlsafe(12)
        print(f"Generated password: {password}")
        return password
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise SystemExit("Passwords differ.")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sedorum.handoff.accounts", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create or reset a staff account")
    add.add_argument("name")
    add.add_argument("--print-only", action="store_true", help="print the hash; do not store it")
    add.add_argument("--generate", action="store_true", help="generate a random password")
    commands.add_parser("list", help="accounts from the environment and the table")
    remove = commands.add_parser("remove", help="remove an account from the table")
    remove.add_argument("name")
    args = parser.parse_args(argv)

    if args.command == "list":
        for name in sorted(env_accounts()):
            print(f"{name}\t(environment)")
        for name in open_store().staff_names():
            print(f"{name}\t(table)")
        return 0
    if args.command == "remove":
        return 0 if open_store().remove_staff(args.name) else 1
    if not NAME_PATTERN.match(args.name):
        raise SystemExit("A name is 1-64 letters, digits, '.', '_' or '-'.")
    password = _read_password(args.generate)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise SystemExit(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    stored = hash_password(password)
    print(f"Hash: {stored}")
    print(f"Environment entry: {USERS_ENV}={args.name}:{stored}")
    if not args.print_only:
        open_store().put_staff(args.name, stored)
        print(f"Stored {args.name!r} in the handoff database.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
