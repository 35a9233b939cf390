"""Did-you-mean over many candidates: the same hints as difflib for typical typos."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from flowdsl.diagnostics import SMALL_POOL, did_you_mean
from flowdsl.suggest import Suggester

NAMES = [f"{stem}_{i}" for stem in ("resize", "upload", "notify", "convert") for i in range(50)]


def test_typical_typos_are_found() -> None:
    suggester = Suggester(NAMES)
    assert suggester.closest("resize_17x") == "resize_17"
    assert suggester.closest("uplod_3") == "upload_3"
    assert suggester.closest("ntoify_9") == "notify_9"  # a transposition
    assert suggester.closest("convert_4") == "convert_4"
    assert suggester.closest("something_else") is None
    assert suggester.closest("") is None


def test_large_pools_use_the_index() -> None:
    assert len(NAMES) > SMALL_POOL
    assert did_you_mean("uplod_3", NAMES) == "did you mean `upload_3`?"
    assert did_you_mean("uplod", ["upload", "resize"]) == "did you mean `upload`?"


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(NAMES),
    st.integers(min_value=0, max_value=12),
    st.sampled_from(["delete", "insert", "replace"]),
    st.sampled_from("abxyz_0"),
)
def test_one_edit_finds_a_name_as_close_as_difflibs(
    name: str, at: int, edit: str, char: str
) -> None:
    at = min(at, len(name) - 1)
    if edit == "delete":
        typo = name[:at] + name[at + 1 :]
    elif edit == "insert":
        typo = name[:at] + char + name[at:]
    else:
        typo = name[:at] + char + name[at + 1 :]
    found = Suggester(NAMES).closest(typo)
    assert found is not None
    best = difflib.get_close_matches(typo, NAMES, n=1, cutoff=0.6)[0]
    ratio = difflib.SequenceMatcher(None, typo, found).ratio()
    assert ratio >= difflib.SequenceMatcher(None, typo, best).ratio() - 0.1
