"""The repository speaks of the product, and its references lead somewhere.

Three checks over every file git tracks:

- words about how the repository was put together (work rounds, who did what, notes kept
  elsewhere) and paths outside the repository: a newcomer cannot follow them;
- links in Markdown (`[text](path)`, with `#anchor`) and mentions of repository files
  (`docs/safety.md`, `tests/unit/test_x.py`) in any file, including runtime messages: each
  must name a file that exists;
- in the documentation, file paths written as code (`sedorum/safety/rules.yml`): they must
  exist too, unless they are made by a build or at run time.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
THIS_FILE = Path(__file__).resolve().relative_to(ROOT).as_posix()

# Generated or bulky files that no person writes.
NOT_SCANNED = ("widget/package-lock.json",)
TEXT_SUFFIXES = {
    ".py", ".md", ".yml", ".yaml", ".json", ".txt", ".toml", ".sh", ".js", ".css", ".html",
    ".template", ".cfg", ".ini", "",
}  # fmt: skip

# Each pattern is precise on purpose: "issue a refund", "lead to low magnesium", "a new session"
# and "Rasa's contract: any failure is a LockError" are ordinary English and must not trip it.
BUILD_HISTORY_WORDS = {
    "a numbered work round": r"\bsessions? [0-9]+\b",
    "the person who led the work": r"\bthe lead(?![\w-])|\blead (?:engineer|developer)s?\b",
    "a tracker ticket": r"\bthe issue\b|\bissue ?#\d+|\bissue \d+\b",
    "notes kept elsewhere": r"\bshared[ /]notes\b",
    "an agreement kept elsewhere": r"\bthe contract(?:'s)?\b|\bcontract\.md\b|\bcontract S\d",
    "a unit of planned work": r"\bwork ?packages?\b|\bWP ?\d+\b",
    "a fact sheet kept elsewhere": r"\bhealth_facts(?:\.md)?\b",
}
OUTSIDE_PATHS = {
    "an absolute path on the build machine": r"(?<![\w.])/work/|(?<![\w.])/root/",
    "a path that climbs out of the repository": r"\.\./shared\b|(?<![\w.])shared/(?:contract|health_facts|notes)",
}

# Mentions of repository files in any text: `docs/x.md`, `tests/unit/test_y.py`. Not when part
# of a URL or of a longer path (`https://host/docs/...`, `site-packages/rasa/...`).
TOP_DIRS = (
    "actions", "bench", "config", "data", "deploy", "docs", "evaluation", "requirements", "scripts", "security",
    "sedorum", "tests", "widget",
)  # fmt: skip
FILE_MENTION = re.compile(
    r"(?<![\w./:@-])((?:" + "|".join(TOP_DIRS) + r")/[\w./-]*\.(?:md|py|yml|yaml|json|sh|txt|html|js|css|png|template))"
    r"(?![\w/])"
)
MARKDOWN_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
# Made by `make web`, `make run`, a benchmark or a test: they need not exist in a fresh clone.
# Made at run time, not kept in git: the review export writes data/nlu/reviewed.yml when staff
# export their marks.
GENERATED = (
    "var/",
    "models/",
    ".env",
    ".venv",
    "sedorum/web/static/vendor",
    "bench/work",
    "widget/node_modules",
    "data/nlu/reviewed.yml",
)


@cache
def tracked_files() -> tuple[str, ...]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    return tuple(path for path in listed if path and (ROOT / path).is_file())


def scanned_files() -> list[str]:
    return [
        path
        for path in tracked_files()
        if path not in NOT_SCANNED and path != THIS_FILE and Path(path).suffix in TEXT_SUFFIXES
    ]


def read(path: str) -> str:
    return (ROOT / path).read_text(encoding="utf-8", errors="replace")


def exists(path: str) -> bool:
    return (ROOT / path).exists() or path in tracked_files()


def github_anchor(heading: str) -> str:
    """The id GitHub gives a Markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {github_anchor(m.group(1)) for m in re.finditer(r"^#+\s+(.+?)\s*$", path.read_text(encoding="utf-8"), re.M)}


def forbidden_findings(text: str) -> list[str]:
    found = []
    for kind, pattern in {**BUILD_HISTORY_WORDS, **OUTSIDE_PATHS}.items():
        for match in re.finditer(pattern, text, re.IGNORECASE):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"line {line}: {match.group(0)!r} ({kind})")
    return found


def broken_links(path: str, text: str) -> list[str]:
    """Markdown links (relative to the file) and file mentions (relative to the root) that lead nowhere."""
    broken = []
    if path.endswith(".md"):
        for target in MARKDOWN_LINK.findall(text):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                if target.startswith("#") and target[1:] not in anchors(ROOT / path):
                    broken.append(f"{target} (no such heading)")
                continue
            file_part, _, anchor = target.partition("#")
            resolved = (ROOT / path).parent / file_part
            if not resolved.exists():
                broken.append(target)
            elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
                broken.append(f"{target} (no such heading)")
    for mention in FILE_MENTION.findall(text):
        if not exists(mention.rstrip(".")) and not mention.startswith(GENERATED):
            broken.append(mention)
    if path.endswith(".md"):
        for span in CODE_SPAN.findall(text):
            candidate = span.strip().rstrip("/")
            if (
                re.fullmatch(r"(?:" + "|".join(TOP_DIRS) + r")/[\w./-]+", candidate)
                and not candidate.startswith(GENERATED)
                and not exists(candidate)
            ):
                broken.append(f"`{span}`")
    return sorted(set(broken))


def test_the_repository_speaks_of_the_product_only() -> None:
    problems = {path: found for path in scanned_files() if (found := forbidden_findings(read(path)))}
    assert not problems, "words about how the repository was built, or paths outside it:\n" + "\n".join(
        f"{path}: {finding}" for path, found in problems.items() for finding in found
    )


def test_every_link_and_file_mention_leads_to_a_file() -> None:
    problems = {path: found for path in scanned_files() if (found := broken_links(path, read(path)))}
    assert not problems, "links to missing files:\n" + "\n".join(
        f"{path}: {target}" for path, found in problems.items() for target in found
    )


def test_every_test_the_documentation_names_exists() -> None:
    defined = set()
    for path in tracked_files():
        if path.startswith("tests/") and path.endswith(".py"):
            defined.update(re.findall(r"^\s*(?:async )?def (test_\w+)", read(path), re.M))
    named = {
        name: path
        for path in scanned_files()
        if path.endswith(".md")
        for name in re.findall(r"`(test_\w+)`", read(path))
    }
    assert len(named) > 20, "the documentation names the tests that back its promises"
    missing = {name: path for name, path in named.items() if name not in defined}
    assert not missing, f"documentation names tests that do not exist: {missing}"


def unexplained_type_ignores(text: str) -> list[int]:
    """Lines with `# type: ignore` and no reason: none on the line after it, none on the line above."""
    lines = text.splitlines()
    found = []
    for number, line in enumerate(lines, 1):
        code, marker, rest = line.partition("# type: ignore")
        if not marker:
            continue
        reason_after = "#" in rest
        reason_above = number > 1 and lines[number - 2].strip().startswith("#")
        if not (reason_after or reason_above):
            found.append(number)
    return found


def test_every_type_ignore_says_why() -> None:
    problems = {
        path: lines
        for path in scanned_files()
        if path.endswith(".py") and path.startswith(("sedorum/", "actions/"))
        if (lines := unexplained_type_ignores(read(path)))
    }
    assert not problems, f"`# type: ignore` without a reason (a comment above or after it): {problems}"


def test_the_type_ignore_check_needs_a_reason() -> None:
    text = (
        "x = f()  # type: ignore[misc]\n"
        "# Rasa is untyped here.\n"
        "y = g()  # type: ignore[misc]\n"
        "z = h()  # type: ignore  # why\n"
    )
    assert unexplained_type_ignores(text) == [1]


@pytest.mark.parametrize(
    "text",
    [
        # Each sample is written in two pieces (joined with +), so this file does not itself hold the words it
        # keeps out of the repository; the check sees them joined.
        "Measured in ses" + "sion 2 on that data.",
        "the le" + "ad trains the model",
        "the scenario of the is" + "sue: a visitor",
        "see ../sha" + "red/notes/x.md",
        "read /wo" + "rk/main/README.md",
        "under the con" + "tract's keys",
        "facts come from health_" + "facts.md",
        "work pack" + "age 3",
    ],
)
def test_the_word_check_catches_build_history(text: str) -> None:
    assert forbidden_findings(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Staff can issue a refund; the ticket is issued once.",
        "Can celiac disease lead to low magnesium? Its lead-in line stays.",
        "A new session starts every 25 turns; the session id is kept.",
        "Rasa's contract: any failure here is a LockError.",
        "no breathing issues",
        "https://example.org/work/item",
    ],
)
def test_the_word_check_leaves_ordinary_words_alone(text: str) -> None:
    assert not forbidden_findings(text), forbidden_findings(text)


def test_the_link_check_catches_a_missing_file_and_heading() -> None:
    text = (
        "[gone](docs/no-such-file.md), [ok](docs/safety.md), [bad anchor](docs/safety.md#no-such-heading), "
        "[web](https://example.org/docs/x.md); see docs/also-gone.md and `sedorum/not_here.py`."
    )
    assert broken_links("README.md", text) == [
        "`sedorum/not_here.py`",
        "docs/also-gone.md",
        "docs/no-such-file.md",
        "docs/safety.md#no-such-heading (no such heading)",
        "sedorum/not_here.py",
    ]
