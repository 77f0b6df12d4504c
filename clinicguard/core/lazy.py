"""Packages whose names load from their modules when first used (PEP 562), so that importing the
package costs nothing: `core.exports` (openpyxl) and `core.reports` (Typst) use it, and
tests/test_cheap_imports.py keeps reading commands free of those libraries."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable


def lazy_package(package: str, names: dict[str, tuple[str, ...]], submodules: Iterable[str] = ()
                 ) -> tuple[list[str], Callable[[str], object], Callable[[], list[str]]]:
    """`names` maps each module of `package` to the names it gives; returns the package's
    `__all__`, `__getattr__` and `__dir__`. `package.module` also loads that module."""
    module_of = {name: module for module, given in names.items() for name in given}
    loadable = {*names, *submodules}
    everything = sorted(module_of)

    def __getattr__(name: str):  # noqa: N807 (the module-level hook's name)
        if name in loadable:
            return importlib.import_module(f"{package}.{name}")
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)  # looked up once
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(set(vars(sys.modules[package])) | set(everything))

    return everything, __getattr__, __dir__
