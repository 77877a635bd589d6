"""merge_findings: the latest statement wins, but "unsure" never clears an affirmed finding."""

from __future__ import annotations

import pytest

from tests.unit.triage.conftest import EMERGENCY_FLAGS, URGENT_FLAGS
from triage import Mention, Presence, merge_findings

P, A, U = Presence.PRESENT, Presence.ABSENT, Presence.UNSURE


@pytest.mark.parametrize(
    ("previous", "mentions", "expected"),
    [
        ({}, [Mention("pins_and_needles")], P),
        ({}, [Mention("pins_and_needles", "negated")], A),
        ({}, [Mention("pins_and_needles", "uncertain")], U),
        # "no tingling" ... "actually I do have some tingling"
        ({}, [Mention("pins_and_needles", "negated"), Mention("pins_and_needles")], P),
        ({"pins_and_needles": A}, [Mention("pins_and_needles")], P),
        # "I have numbness" ... "sorry, no numbness"
        ({}, [Mention("leg_numbness"), Mention("leg_numbness", "negated")], A),
        ({"leg_numbness": P}, [Mention("leg_numbness", "negated")], A),
        # an unsure mention never downgrades an affirmed finding
        ({"leg_numbness": P}, [Mention("leg_numbness", "uncertain")], P),
        ({}, [Mention("leg_numbness"), Mention("leg_numbness", "uncertain")], P),
        # but it does replace a denial or another unsure
        ({"leg_numbness": A}, [Mention("leg_numbness", "uncertain")], U),
        ({"leg_numbness": U}, [Mention("leg_numbness", "negated")], A),
        ({"leg_numbness": U}, [Mention("leg_numbness")], P),
        ({"leg_numbness": "present"}, [], P),  # slot values arrive as strings
    ],
)
def test_latest_statement_wins_except_unsure_after_present(
    previous: dict[str, Presence], mentions: list[Mention], expected: Presence
) -> None:
    merged = merge_findings(previous, mentions)
    code = mentions[0].code if mentions else next(iter(previous))
    assert merged[code] is expected


def test_other_findings_are_kept_and_input_is_not_changed() -> None:
    previous = {"leg_pain": P, "worse_cold": A}
    merged = merge_findings(previous, [Mention("night_pain", "negated")])
    assert merged == {"leg_pain": P, "worse_cold": A, "night_pain": A}
    assert previous == {"leg_pain": P, "worse_cold": A}


@pytest.mark.parametrize("code", EMERGENCY_FLAGS + URGENT_FLAGS)
def test_every_red_flag_can_be_corrected_both_ways(code: str) -> None:
    assert merge_findings({}, [Mention(code, "negated"), Mention(code)])[code] is P
    assert merge_findings({}, [Mention(code), Mention(code, "negated")])[code] is A
    assert merge_findings({}, [Mention(code), Mention(code, "uncertain")])[code] is P


def test_unknown_codes_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown finding code 'tingles'"):
        merge_findings({}, [Mention("tingles")])
    with pytest.raises(ValueError, match="unknown finding code 'bladder'"):
        merge_findings({"bladder": P}, [])
    with pytest.raises(ValueError, match="unknown finding code 'lifting'"):
        merge_findings({}, [Mention("lifting")])  # a mechanism, not a finding


def test_explicit_known_codes_replace_the_packaged_vocabulary() -> None:
    assert merge_findings({}, [Mention("custom_sign")], known_codes={"custom_sign"}) == {
        "custom_sign": P
    }
    with pytest.raises(ValueError, match="unknown finding code 'leg_pain'"):
        merge_findings({}, [Mention("leg_pain")], known_codes={"custom_sign"})


def test_bad_previous_presence_and_bad_roles_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"findings\[leg_pain\]: 'yes' is not a presence"):
        merge_findings({"leg_pain": "yes"}, [])
    with pytest.raises(ValueError, match="unknown role 'hypothetical'"):
        Mention("leg_pain", "hypothetical")
    with pytest.raises(ValueError, match="expected a finding code"):
        Mention("")
