"""The public surface: __all__ is complete, finding codes are unique and well formed."""

from __future__ import annotations

import re
import types

import flowdsl
from flowdsl.diagnostics import Diagnostic, all_codes


def test_all_lists_exactly_the_public_names() -> None:
    # Submodules appear as attributes once imported; the public names are the rest. They
    # are imported on first use (PEP 562), so they are listed by dir(), not yet in vars().
    public = {
        name
        for name in dir(flowdsl)
        if not name.startswith("_") and not isinstance(getattr(flowdsl, name), types.ModuleType)
    }
    assert public | {"__version__"} == set(flowdsl.__all__)


def test_codes_are_unique_and_well_formed() -> None:
    seen: dict[str, type[Diagnostic]] = {}
    pending = list(Diagnostic.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        assert re.fullmatch(r"FD\d{3}", cls.code), cls
        assert cls.code not in seen, f"{cls.code} used by {cls} and {seen[cls.code]}"
        assert cls.__doc__, f"{cls} needs a docstring saying what it finds"
        seen[cls.code] = cls
    assert seen.keys() == all_codes().keys()
