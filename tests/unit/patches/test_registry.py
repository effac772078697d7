"""The patch registry: every library replacement declared, applied in one call, undone by one fixture.

What each patch changes in behaviour is tested next to its module (the `test` of each entry);
here: the registry collects every module's declarations and nothing is replaced undeclared,
it refuses unchecked library versions, applies and undoes every patch, the action server loads
no Rasa for patches it does not apply, and the SQLAlchemy settings (pooled SQLite with WAL) do
what they say.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from sedorum import patches
from sedorum.patches import registry
from sedorum.patches.snapshot import Snapshot, resolve_target
from sedorum.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
THIRD_PARTY = ("rasa", "rasa_sdk", "sanic", "socketio", "engineio", "sqlalchemy", "logging")
CHECKED = dict(patches.CHECKED_VERSIONS)
PATCHES = patches.all_patches()


def raw_state(patch: patches.Patch) -> dict[str, object]:
    """Every target's raw value (descriptors included), plus the owners' `_sedorum*` markers."""
    state: dict[str, object] = {}
    for target in patch.targets:
        owner, attribute = resolve_target(target)
        state[target] = vars(owner).get(attribute, "<missing>")
        for name in vars(owner):
            if name.startswith("_sedorum"):
                state[f"{target.partition(':')[0]}:{getattr(owner, '__name__', '?')}.{name}"] = vars(owner)[name]
    return state


# ----------------------------------------------------------------------------- the declarations


@pytest.mark.parametrize("patch", PATCHES, ids=lambda p: p.name)
def test_every_patch_is_fully_declared(patch: patches.Patch) -> None:
    assert patch.targets and patch.why and patch.undo
    assert (ROOT / patch.module).is_file(), patch.module
    assert (ROOT / patch.test).is_file(), patch.test
    for target in patch.targets:
        owner, attribute = resolve_target(target)  # imports the module: the target exists
        assert hasattr(owner, attribute), target
    if patch.copies:
        assert "lines" in patch.copies, "a patch that copies upstream code says which lines"


def test_every_patch_is_declared_by_the_module_that_applies_it() -> None:
    names = [patch.name for patch in PATCHES]
    assert len(names) == len(set(names)), "two patches share a name"
    for path in sorted((ROOT / "sedorum" / "patches").glob("*.py")):
        module = importlib.import_module(f"sedorum.patches.{path.stem}")
        for patch in getattr(module, "PATCHES", ()):
            assert patch in PATCHES, f"{path.name} declares {patch.name}, which the registry does not collect"
            assert patch.module == f"sedorum/patches/{path.name}"


def test_the_action_server_gets_every_patch_declared_for_it() -> None:
    declared = [patch.name for patch in PATCHES if patches.ACTION_SERVER in patch.processes]
    assert [patch.name for patch in patches.patches_for(patches.ACTION_SERVER)] == declared


def test_the_action_server_loads_no_rasa_for_its_patches() -> None:
    script = (
        "import sys; from sedorum import patches; "
        "print(len(patches.patches_for(patches.ACTION_SERVER)), 'rasa' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["2", "False"]


def test_an_unknown_process_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown process"):
        patches.patches_for("router")


def test_patches_that_copy_upstream_code_say_so() -> None:
    copying = {patch.name for patch in PATCHES if patch.copies}
    assert {"sanic_websockets_on_python_3_11", "action_payload_trim", "fast_model_load"} <= copying


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # "package.Class" is not a module
        return False


def _third_party_names(tree: ast.AST) -> dict[str, str]:
    """Local name -> what it stands for ("rasa.core.agent:Agent" or "rasa.core.run:"), for imports of libraries."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in THIRD_PARTY and alias.asname:
                    names[alias.asname] = alias.name + ":"
                elif alias.name in THIRD_PARTY:
                    names[alias.name] = alias.name + ":"
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in THIRD_PARTY:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                is_module = _is_module(full)
                names[alias.asname or alias.name] = f"{full}:" if is_module else f"{node.module}:{alias.name}."
    return names


def _assigned_library_attributes(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = _third_party_names(tree)
    # A parameter named like an imported module (`response` in a middleware) is not that module.
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            names.pop(node.arg, None)
    found = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else []
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id in names
                and not target.attr.startswith("_sedorum")
            ):
                found.add(names[target.value.id] + target.attr)
    return found


def test_every_library_attribute_the_code_replaces_is_in_the_registry() -> None:
    declared = {target for patch in PATCHES for target in patch.targets}
    assigned: dict[str, set[str]] = {}
    for path in sorted((ROOT / "sedorum").rglob("*.py")):
        for target in _assigned_library_attributes(path):
            assigned.setdefault(target, set()).add(str(path.relative_to(ROOT)))
    assert assigned, "the scan found no replacement at all: it is broken"
    undeclared = {target: files for target, files in assigned.items() if target not in declared}
    assert not undeclared, f"replaced without a declaration in sedorum/patches/: {undeclared}"


# ----------------------------------------------------------------------------- versions


def test_the_installed_libraries_are_the_checked_ones() -> None:
    patches.check_versions()  # the pinned lock is what the registry was checked against
    assert registry.installed_versions() == CHECKED


@pytest.mark.parametrize(
    ("package", "version"),
    [("rasa", "3.7.0"), ("rasa-sdk", "3.6.3"), ("sanic", "22.12.0"), ("python-socketio", "5.10.0"), ("sanic", None)],
)
def test_start_up_refuses_an_unchecked_version_with_a_clear_message(package: str, version: str | None) -> None:
    installed = {**CHECKED, package: version}
    before = {patch.name: raw_state(patch) for patch in PATCHES}
    with pytest.raises(patches.UncheckedVersionError) as refused:
        patches.apply_all(patches.RASA_SERVER, Settings(), installed=installed)
    message = str(refused.value.code)
    assert f"{package} {version or 'not installed'} (checked: {CHECKED[package]})" in message
    assert "Refusing to start" in message and "CHECKED_VERSIONS" in message
    assert {patch.name: raw_state(patch) for patch in PATCHES} == before, "nothing applied before refusing"


def test_the_rasa_server_refuses_to_start_on_an_unchecked_version(monkeypatch: pytest.MonkeyPatch) -> None:
    from sedorum.server import rasa_server

    monkeypatch.setattr(registry, "installed_versions", lambda names=CHECKED: {**CHECKED, "sanic": "23.3.0"})
    with pytest.raises(patches.UncheckedVersionError, match="sanic 23.3.0"):
        rasa_server.create_app(Settings(auth_token="t"), Path("no-model.tar.gz"))


# ----------------------------------------------------------------------------- apply and undo


def test_one_call_applies_every_patch_of_each_process_in_order() -> None:
    applied = patches.apply_all(patches.RASA_SERVER, Settings())
    assert applied == [patch.name for patch in PATCHES if patches.RASA_SERVER in patch.processes]
    assert patches.apply_all(patches.ACTION_SERVER, Settings()) == [
        "sanic_websockets_on_python_3_11",
        "log_redaction",
    ]


def _kept_originals() -> dict[str, object]:
    """The library functions the patches keep to call through to (`_sedorum_original_*`)."""
    return {
        key: value.__func__ if isinstance(value, staticmethod | classmethod) else value
        for patch in PATCHES
        for key, value in raw_state(patch).items()
        if "._sedorum_original" in key or key.endswith("._sedorum_py311_patched")
    }


def test_applying_twice_wraps_the_library_once() -> None:
    patches.apply_all(patches.RASA_SERVER, Settings())
    once = _kept_originals()
    assert once, "the patches keep the functions they wrap"
    patches.apply_all(patches.RASA_SERVER, Settings())
    assert _kept_originals() == once, "a second apply must wrap Rasa's function, not the first patch"


@pytest.mark.parametrize("patch", PATCHES, ids=lambda p: p.name)
def test_each_patch_changes_its_targets_and_the_snapshot_undoes_it(patch: patches.Patch) -> None:
    before = raw_state(patch)
    snapshot = Snapshot.take((patch,))
    patch.apply(registry.ApplyContext(settings=Settings()))
    after = raw_state(patch)
    changed = [target for target in patch.targets if after[target] is not before[target]]
    assert changed, f"{patch.name} changed none of its declared targets"
    snapshot.restore()
    assert raw_state(patch) == before


def test_a_patch_switched_off_by_its_setting_is_undone() -> None:
    from rasa.core import tracker_store

    original = vars(tracker_store)["create_engine_kwargs"]
    patches.apply_all(patches.RASA_SERVER, Settings())
    assert tracker_store.create_engine_kwargs is not original
    patches.apply_all(patches.RASA_SERVER, Settings(sqlite_fast_commit=False))
    assert tracker_store.create_engine_kwargs is original


def test_the_undo_fixture_restores_what_a_test_patched(request: pytest.FixtureRequest) -> None:
    # Runs the autouse fixture's own code on a patch applied here.
    from rasa.shared.core.events import Event

    original = vars(Event)["resolve_by_type"]
    snapshot = Snapshot.take(PATCHES)
    patches.apply_all(patches.RASA_SERVER, Settings())
    assert vars(Event)["resolve_by_type"] is not original
    snapshot.restore()
    assert vars(Event)["resolve_by_type"] is original
    assert not [name for name in vars(Event) if name.startswith("_sedorum")]


def test_describe_says_what_why_versions_and_undo_for_every_patch() -> None:
    text = patches.describe()
    for patch in PATCHES:
        assert patch.name in text and patch.targets[0] in text
    assert text.count("checked:  rasa 3.6.21, rasa-sdk 3.6.2, sanic 21.12.2, python-socketio 5.9.0") == len(PATCHES)
    assert "sanic/server/websockets/impl.py lines 487-536" in text


def test_the_copied_sanic_lines_are_where_the_registry_says() -> None:
    import inspect

    from sanic.server.websockets import impl

    (patch,) = [patch for patch in PATCHES if patch.name == "sanic_websockets_on_python_3_11"]
    declared = {
        method: (int(first), int(last))
        for first, last, method in re.findall(r"(\d+)-(\d+) \((\w+)\)", patch.copies or "")
    }
    assert set(declared) == {"recv", "recv_burst"}, patch.copies
    for method, span in declared.items():
        lines, start = inspect.getsourcelines(vars(impl.WebsocketImplProtocol)[method])
        assert (start, start + len(lines) - 1) == span, method


# ----------------------------------------------------------------------------- the SQLAlchemy settings


def _journal_mode(url: str) -> str:
    from rasa.core import tracker_store

    engine = sa.create_engine(url, **tracker_store.create_engine_kwargs(url))
    try:
        with engine.connect() as connection:
            return str(connection.exec_driver_sql("PRAGMA journal_mode").scalar()).lower()
    finally:
        engine.dispose()


def test_sqlite_files_get_a_pool_and_a_wal_journal_and_postgresql_is_untouched(tmp_path: Path) -> None:
    from rasa.core import tracker_store
    from sqlalchemy.pool import QueuePool

    sqlite_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    postgres_url = "postgresql://user:pw@127.0.0.1:5432/rasa"
    rasa_postgres = tracker_store.create_engine_kwargs(postgres_url)
    assert "poolclass" not in tracker_store.create_engine_kwargs(sqlite_url)  # Rasa: NullPool for files

    patches.apply_all(patches.RASA_SERVER, Settings())
    kwargs = tracker_store.create_engine_kwargs(sqlite_url)
    assert kwargs["poolclass"] is QueuePool and kwargs["connect_args"] == {"check_same_thread": False}
    assert tracker_store.create_engine_kwargs(postgres_url) == rasa_postgres
    assert "poolclass" not in tracker_store.create_engine_kwargs("sqlite://")  # in memory: left alone
    assert _journal_mode(sqlite_url) == "wal"
    with sqlite3.connect(tmp_path / "tracker.db") as plain:  # WAL is a property of the file
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sqlalchemy_settings_are_undone_with_their_listener(tmp_path: Path) -> None:
    from rasa.core import tracker_store
    from sqlalchemy.engine import Engine

    from sedorum.patches import performance

    snapshot = Snapshot.take(PATCHES)
    patches.apply_all(patches.RASA_SERVER, Settings())
    assert sa.event.contains(Engine, "connect", performance.on_sqlite_connect)
    snapshot.restore()
    assert not sa.event.contains(Engine, "connect", performance.on_sqlite_connect)
    assert "poolclass" not in tracker_store.create_engine_kwargs(f"sqlite:///{tmp_path / 'a.db'}")
    assert _journal_mode(f"sqlite:///{tmp_path / 'b.db'}") == "delete"  # SQLite's own default
