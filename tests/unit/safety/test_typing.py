"""No public function of the safety engine takes or returns `Any`.

Why: mypy checks nothing that passes through an `Any`. The safety engine decides what a visitor
is told, and its public functions are where the rest of the product (the actions, the channels,
the tests) calls in; an `Any` there lets a wrongly shaped value cross unchecked. mypy itself
cannot be told to refuse `Any` in signatures only, so this test holds the line: every public
function of every module under sedorum.safety, and every public method of its public classes,
is read with its annotations evaluated, and `Any` may not appear anywhere in them, however deep
(inside `dict[str, ...]`, a `Callable`, a union or the fields of a TypedDict).

Names a module imports for the type checker only (under `if TYPE_CHECKING:`, so that spaCy is
not loaded before the pipeline is first used) are imported here to evaluate the annotations.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import typing
import warnings
from collections.abc import Callable, Iterator
from functools import cache
from types import ModuleType

import pytest

import sedorum.safety


def _modules() -> Iterator[ModuleType]:
    yield sedorum.safety
    for info in pkgutil.walk_packages(sedorum.safety.__path__, "sedorum.safety."):
        yield importlib.import_module(info.name)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


@cache
def _namespace(module_name: str) -> dict[str, object]:
    """The module's globals plus what it imports for the type checker only."""
    module = importlib.import_module(module_name)
    namespace = dict(vars(module))
    tree = ast.parse(inspect.getsource(module))
    for node in tree.body:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            code = compile(ast.Module(body=node.body, type_ignores=[]), module.__file__ or module_name, "exec")
            with warnings.catch_warnings():  # importing medspaCy mutes every warning for good
                exec(code, namespace)
    return namespace


def _function(raw: object) -> Callable[..., object] | None:
    """The plain function behind a def, a classmethod, a staticmethod, a property or an lru_cache."""
    if isinstance(raw, (classmethod, staticmethod)):
        raw = raw.__func__
    elif isinstance(raw, property):
        raw = raw.fget
    if not callable(raw):
        return None
    func = inspect.unwrap(raw)
    return func if inspect.isfunction(func) else None


def _public_functions() -> Iterator[tuple[str, Callable[..., object]]]:
    for module in _modules():
        for name, value in vars(module).items():
            if name.startswith("_") or getattr(value, "__module__", None) != module.__name__:
                continue  # private, or imported from elsewhere (checked where it is defined)
            func = _function(value)
            if func is not None:
                yield f"{module.__name__}.{name}", func
            elif inspect.isclass(value):
                for attr, raw in vars(value).items():
                    method = None if attr.startswith("_") else _function(raw)
                    if method is not None and method.__module__ == module.__name__:
                        yield f"{module.__name__}.{name}.{attr}", method


def _mentions_any(annotation: object, seen: set[int] | None = None) -> bool:
    """Whether `Any` appears in an evaluated annotation, looking inside generic arguments and TypedDicts."""
    seen = set() if seen is None else seen
    if annotation is typing.Any:
        return True
    if id(annotation) in seen:
        return False
    seen.add(id(annotation))
    if isinstance(annotation, (list, tuple)):  # the parameter list of a Callable
        return any(_mentions_any(a, seen) for a in annotation)
    if typing.is_typeddict(annotation):
        return any(_mentions_any(a, seen) for a in typing.get_type_hints(annotation).values())
    return any(_mentions_any(a, seen) for a in typing.get_args(annotation))


PUBLIC = sorted(_public_functions(), key=lambda item: item[0])


def test_the_walk_finds_the_engine_s_public_functions() -> None:
    names = {name for name, _ in PUBLIC}
    # a few that must be seen, or the walk itself is broken
    assert {
        "sedorum.safety.engine.evaluate",
        "sedorum.safety.yaml_data.read_mapping",
        "sedorum.safety.profile.Profile.to_dict",
        "sedorum.safety.emergency.verdict.assess",
    } <= names
    assert len(names) > 100


def test_the_check_sees_any_however_deep() -> None:
    assert _mentions_any(typing.Any)
    assert _mentions_any(dict[str, typing.Any])
    assert _mentions_any(Callable[[typing.Any], bool])
    assert _mentions_any(list[tuple[int, typing.Any]] | None)
    assert not _mentions_any(dict[str, object])
    assert not _mentions_any(Callable[[str], list[int]] | None)


@pytest.mark.parametrize(("name", "func"), PUBLIC, ids=[name for name, _ in PUBLIC])
def test_no_public_function_takes_or_returns_any(name: str, func: Callable[..., object]) -> None:
    hints = typing.get_type_hints(func, globalns=_namespace(func.__module__))
    with_any = sorted(param for param, annotation in hints.items() if _mentions_any(annotation))
    assert not with_any, f"{name}: `Any` in the annotation of {with_any}"
