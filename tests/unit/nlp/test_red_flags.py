"""Red flags: every code affirmed, negated (pre- and post-trigger), uncertain and corrected.

A missed red flag is dangerous and a false one alarms a patient, so both directions are tested.
"""

from __future__ import annotations

from typing import Callable, List, Sequence

import pytest

from clinical_nlp import Mention
from tests.unit.nlp.helpers import check

Case = tuple  # (text, expect, forbid)

AFFIRMED: List[Case] = [
    # bladder
    ("can't feel when I need to wee", ["red_flag:bladder_dysfunction"], []),
    ("I cant tell when my bladdder is full", ["red_flag:bladder_dysfunction"], []),
    ("I wet myself last night", ["red_flag:bladder_dysfunction"], []),
    ("I can't pee", ["red_flag:bladder_dysfunction"], []),
    ("I have no control over my bladder", ["red_flag:bladder_dysfunction"], []),
    ("haven't been able to wee since yesterday", ["red_flag:bladder_dysfunction"], []),
    ("I don't know when I need to pee anymore", ["red_flag:bladder_dysfunction"], []),
    ("my bladder is leaking", ["red_flag:bladder_dysfunction"], []),
    ("I've lost control of my bladder", ["red_flag:bladder_dysfunction"], []),
    ("I have not had any control of my bladder", ["red_flag:bladder_dysfunction"], []),
    ("I'm not in control of my bladder", ["red_flag:bladder_dysfunction"], []),
    ("my waterworks aren't right", ["red_flag:bladder_dysfunction"], []),
    ("I can't make it to the toilet in time", ["red_flag:bladder_dysfunction"], []),
    ("my pee stream is weak", ["red_flag:bladder_dysfunction"], []),
    # bowels
    ("I've lost control of my bowels", ["red_flag:bowel_dysfunction"], []),
    ("I soiled myself", ["red_flag:bowel_dysfunction"], []),
    ("can't feel when I need a poo", ["red_flag:bowel_dysfunction"], []),
    ("my bowels are not right", ["red_flag:bowel_dysfunction"], []),
    # saddle
    ("numb around my bum", ["red_flag:saddle_numbness"], []),
    ("numbness in my groin", ["red_flag:saddle_numbness"], []),
    ("my inner thighs feel numb", ["red_flag:saddle_numbness"], []),
    ("tingling around my genitals", ["red_flag:saddle_numbness"], []),
    ("I can't feel the toilet paper when I wipe", ["red_flag:saddle_numbness"], []),
    ("I don't have any feeling in my groin", ["red_flag:saddle_numbness"], []),
    ("my bum has gone numb", ["red_flag:saddle_numbness"], []),
    ("numbess round me bum", ["red_flag:saddle_numbness"], []),
    ("the feeling in my groin isn't normal", ["red_flag:saddle_numbness"], []),
    # both legs
    ("both legs feel weak", ["red_flag:bilateral_leg_symptoms"], []),
    ("my legs are numb", ["red_flag:bilateral_leg_symptoms"], []),
    ("my legs feel dead", ["red_flag:bilateral_leg_symptoms"], []),
    ("I have pins and needles in both legs", ["red_flag:bilateral_leg_symptoms"], []),
    ("sciatica down both legs", ["red_flag:bilateral_leg_symptoms"], []),
    ("both my feet are numb", ["red_flag:bilateral_leg_symptoms"], []),
    ("my legs keep giving way", ["red_flag:bilateral_leg_symptoms"], []),
    ("I can't feel my legs", ["red_flag:bilateral_leg_symptoms"], []),
    ("my legs feel week", ["red_flag:bilateral_leg_symptoms"], []),
    ("my legs don't feel right", ["red_flag:bilateral_leg_symptoms"], []),
    # progressive weakness
    ("my right leg is getting weaker", ["red_flag:progressive_leg_weakness"], []),
    ("my foot is dragging", ["red_flag:progressive_leg_weakness"], []),
    ("I keep tripping over my left foot", ["red_flag:progressive_leg_weakness"], []),
    ("I can't lift my foot up", ["red_flag:progressive_leg_weakness"], []),
    ("foot drop", ["red_flag:progressive_leg_weakness"], []),
    ("I keep tripping because my foot drops", ["red_flag:progressive_leg_weakness"], []),
    ("I can't walk on my heels", ["red_flag:progressive_leg_weakness"], ["activity:walking"]),
    # sexual
    ("I can't get an erection", ["red_flag:sexual_dysfunction"], []),
    ("no feeling during sex", ["red_flag:sexual_dysfunction"], []),
    # urgent flags
    ("I was in a car accident", ["red_flag:major_trauma"], []),
    ("I was rear-ended on the highway", ["red_flag:major_trauma"], []),
    ("I fell off a ladder", ["red_flag:major_trauma"], ["mechanism:slip_or_fall"]),
    ("I have a fever and chills", ["red_flag:fever_or_unwell"], []),
    ("running a temperature", ["red_flag:fever_or_unwell"], []),
    ("I feel a bit under the weather", ["red_flag:fever_or_unwell"], []),
    ("I had breast cancer", ["red_flag:cancer_history"], []),
    ("I finished chemo last year", ["red_flag:cancer_history"], []),
    ("I've lost weight without trying", ["red_flag:unexplained_weight_loss"], []),
    ("lost 6 kilos", ["red_flag:unexplained_weight_loss"], []),
    ("the pain wakes me up at night", ["red_flag:night_pain"], []),
    ("it's worse at night", ["red_flag:night_pain"], []),
    ("the pain is constant, even at night, nothing helps", ["red_flag:night_pain"], []),
    ("I can't get comfortable at night", ["red_flag:night_pain"], []),
    ("I'm on long-term steroids", ["red_flag:immunosuppression"], []),
    ("I have HIV", ["red_flag:immunosuppression"], []),
    ("I take methotrexate", ["red_flag:immunosuppression"], []),
]

PRE_NEGATED: List[Case] = [
    ("no bladder problems", ["red_flag:bladder_dysfunction@negated"], []),
    ("no problems with my bowels", ["red_flag:bowel_dysfunction@negated"], []),
    ("no numbness in my groin", ["red_flag:saddle_numbness@negated"], []),
    ("I don't think my legs are weak", ["red_flag:bilateral_leg_symptoms@negated"], []),
    ("my leg is not getting weaker", ["red_flag:progressive_leg_weakness@negated"], []),
    ("no erection problems", ["red_flag:sexual_dysfunction@negated"], []),
    ("I haven't had a car accident", ["red_flag:major_trauma@negated"], []),
    ("no fever", ["red_flag:fever_or_unwell@negated"], []),
    ("never had cancer", ["red_flag:cancer_history@negated"], []),
    ("I haven't lost any weight", ["red_flag:unexplained_weight_loss@negated"], []),
    ("no pain at night", ["red_flag:night_pain@negated"], []),
    ("I'm not on steroids", ["red_flag:immunosuppression@negated"], []),
    ("denies saddle anaesthesia", ["red_flag:saddle_numbness@negated"], []),
    ("I do not have any numbness around my bottom", ["red_flag:saddle_numbness@negated"], []),
    ("free of pins and needles in both legs", ["red_flag:bilateral_leg_symptoms@negated"], []),
    ("no sign of weakness in both legs", ["red_flag:bilateral_leg_symptoms@negated"], []),
]

POST_NEGATED: List[Case] = [
    ("my bladder is fine", ["red_flag:bladder_dysfunction@negated"], []),
    ("bowels are normal", ["red_flag:bowel_dysfunction@negated"], []),
    ("the feeling around my bottom is normal", ["red_flag:saddle_numbness@negated"], []),
    ("legs are ok", ["red_flag:bilateral_leg_symptoms@negated"], []),
    ("my legs are not weak", ["red_flag:bilateral_leg_symptoms@negated"], []),
    ("the strength in my legs is normal", ["red_flag:progressive_leg_weakness@negated"], []),
    ("my sex life is fine", ["red_flag:sexual_dysfunction@negated"], []),
    ("accidents have not been an issue", ["red_flag:major_trauma@negated"], []),
    ("my temperature is normal", ["red_flag:fever_or_unwell@negated"], []),
    ("cancer screening came back clear", ["red_flag:cancer_history@negated"], []),
    ("my weight is stable", ["red_flag:unexplained_weight_loss@negated"], []),
    ("my sleep is fine", ["red_flag:night_pain@negated"], []),
    ("my immune system is fine", ["red_flag:immunosuppression@negated"], []),
    (
        "bladder and bowels, no problems",
        ["red_flag:bladder_dysfunction@negated", "red_flag:bowel_dysfunction@negated"],
        [],
    ),
    (
        "bladder ok, bowels ok, no numbness",
        [
            "red_flag:bladder_dysfunction@negated",
            "red_flag:bowel_dysfunction@negated",
            "symptom:leg_numbness@negated",
        ],
        [],
    ),
    (
        "Legs fine. Bladder fine. Bowels fine.",
        [
            "red_flag:bilateral_leg_symptoms@negated",
            "red_flag:bladder_dysfunction@negated",
            "red_flag:bowel_dysfunction@negated",
        ],
        [],
    ),
    ("no changes to my waterworks", ["red_flag:bladder_dysfunction@negated"], []),
    (
        "my bladder and bowels are both fine",
        ["red_flag:bladder_dysfunction@negated", "red_flag:bowel_dysfunction@negated"],
        [],
    ),
]

UNCERTAIN: List[Case] = [
    ("I think I might be leaking urine", ["red_flag:bladder_dysfunction@uncertain"], []),
    ("maybe I've lost control of my bowels", ["red_flag:bowel_dysfunction@uncertain"], []),
    ("maybe a bit numb around my bum", ["red_flag:saddle_numbness@uncertain"], []),
    ("not sure if both legs are weak", ["red_flag:bilateral_leg_symptoms@uncertain"], []),
    ("I think my leg is getting weaker", ["red_flag:progressive_leg_weakness@uncertain"], []),
    ("possibly erection problems", ["red_flag:sexual_dysfunction@uncertain"], []),
    ("not sure if it counts as a serious fall", ["red_flag:major_trauma@uncertain"], []),
    ("I might have a temperature", ["red_flag:fever_or_unwell@uncertain"], []),
    ("worried it might be cancer", ["red_flag:cancer_history@uncertain"], []),
    ("maybe lost some weight", ["red_flag:unexplained_weight_loss@uncertain"], []),
    ("possibly worse at night", ["red_flag:night_pain@uncertain"], []),
    ("I think I'm immunocompromised", ["red_flag:immunosuppression@uncertain"], []),
    ("numb around my bum, I think", ["red_flag:saddle_numbness@uncertain"], []),
    ("tingling in both legs, not sure", ["red_flag:bilateral_leg_symptoms@uncertain"], []),
    ("don't know if my bladder is fine", ["red_flag:bladder_dysfunction@uncertain"], []),
]

CORRECTED: List[Case] = [
    (
        "no bladder problems, actually I did wet myself yesterday",
        ["red_flag:bladder_dysfunction@negated", "red_flag:bladder_dysfunction"],
        [],
    ),
    ("bowels are fine, sorry I mean I soiled myself twice", ["red_flag:bowel_dysfunction"], []),
    ("no numbness actually wait yes numb around my bum", ["red_flag:saddle_numbness"], []),
    ("I said no but my legs do feel weak", ["red_flag:bilateral_leg_symptoms"], []),
    ("not really. oh wait, my left foot is dragging", ["red_flag:progressive_leg_weakness"], []),
    ("no problems there apart from erection problems", ["red_flag:sexual_dysfunction"], []),
    ("no falls except I fell off a ladder last month", ["red_flag:major_trauma"], []),
    ("not unwell. correction: I've had a fever", ["red_flag:fever_or_unwell"], []),
    ("never had cancer, well, I had breast cancer years ago", ["red_flag:cancer_history"], []),
    (
        "weight is stable, actually I've lost 6 kilos without trying",
        ["red_flag:unexplained_weight_loss"],
        [],
    ),
    ("sleep is ok but the pain wakes me up at night", ["red_flag:night_pain"], []),
    ("no medication, oh actually I take prednisolone", ["red_flag:immunosuppression"], []),
]

# Must not raise an affirmed red flag (a false emergency alarms a patient).
NOT_A_RED_FLAG: List[Case] = [
    ("I can feel my legs fine", [], ["red_flag:*@affirmed"]),
    ("my son is numb to my jokes", [], ["red_flag:*", "symptom:*"]),
    ("my bladder is fine", [], ["red_flag:*@affirmed"]),
    ("what about my bladder?", [], ["red_flag:*"]),
    ("numbness in my left leg", ["symptom:leg_numbness"], ["red_flag:*"]),
    ("tingling down my right leg", ["symptom:pins_and_needles"], ["red_flag:*"]),
    ("I fell asleep on the couch", [], ["red_flag:*", "mechanism:*"]),
    ("my mum had cancer", [], ["red_flag:cancer_history"]),
    ("I'm trying to lose weight", [], ["red_flag:*"]),
    ("I leak a bit when I sneeze", [], ["red_flag:bladder_dysfunction"]),
    ("I wet myself laughing", [], ["red_flag:bladder_dysfunction"]),
    ("a wee bit sore", [], ["red_flag:*"]),
    ("pain in my legs after a long walk", ["symptom:leg_pain"], ["red_flag:*"]),
    ("my hands are numb", [], ["red_flag:*", "symptom:leg_numbness"]),
    ("I slipped a disc years ago", [], ["mechanism:slip_or_fall", "red_flag:*"]),
    ("I can't sleep on my stomach", [], ["red_flag:night_pain"]),
    ("no", [], ["red_flag:*", "symptom:*"]),
    ("nothing like that", [], ["red_flag:*@affirmed"]),
    ("my back is sore", ["symptom:back_pain"], ["red_flag:*"]),
    ("I picked up a cold", [], ["red_flag:*", "mechanism:lifting"]),
    ("does losing weight take pressure off the back", [], ["red_flag:*"]),
    ("is it a train smash if I wait a while", [], ["red_flag:*"]),
    ("can a fall off a bike cause back spasm", [], ["red_flag:*"]),
    ("I need to lose weight", [], ["red_flag:*"]),
]


def _run(
    mentions: Callable[[str], List[Mention]],
    text: str,
    expect: Sequence[str],
    forbid: Sequence[str],
) -> None:
    check(mentions(text), expect, forbid)


@pytest.mark.parametrize(("text", "expect", "forbid"), AFFIRMED)
def test_affirmed(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    _run(mentions, text, expect, [*forbid, *(e + "@negated" for e in expect)])


@pytest.mark.parametrize(("text", "expect", "forbid"), PRE_NEGATED)
def test_negated_by_a_preceding_trigger(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    _run(mentions, text, expect, [*forbid, "red_flag:*@affirmed"])


@pytest.mark.parametrize(("text", "expect", "forbid"), POST_NEGATED)
def test_negated_by_a_following_trigger(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    _run(mentions, text, expect, [*forbid, "red_flag:*@affirmed"])


@pytest.mark.parametrize(("text", "expect", "forbid"), UNCERTAIN)
def test_uncertain(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    _run(mentions, text, expect, [*forbid, "red_flag:*@affirmed"])


@pytest.mark.parametrize(("text", "expect", "forbid"), CORRECTED)
def test_corrected_phrasings_affirm_the_flag(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    _run(mentions, text, expect, forbid)


@pytest.mark.parametrize(("text", "expect", "forbid"), NOT_A_RED_FLAG)
def test_must_not_match(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    _run(mentions, text, expect, forbid)


RED_FLAG_CODES = [
    "bladder_dysfunction", "bowel_dysfunction", "saddle_numbness", "bilateral_leg_symptoms",
    "progressive_leg_weakness", "sexual_dysfunction", "major_trauma", "fever_or_unwell",
    "cancer_history", "unexplained_weight_loss", "night_pain", "immunosuppression",
]  # fmt: skip


@pytest.mark.parametrize(
    ("table", "role"),
    [
        (AFFIRMED, "affirmed"),
        (PRE_NEGATED, "negated"),
        (POST_NEGATED, "negated"),
        (UNCERTAIN, "uncertain"),
        (CORRECTED, "affirmed"),
    ],
)
def test_every_red_flag_code_is_covered(table: List[Case], role: str) -> None:
    covered = set()
    for _, expect, _ in table:
        for item in expect:
            body, _, item_role = item.partition("@")
            entity, _, value = body.partition(":")
            if entity == "red_flag" and (item_role or "affirmed") == role:
                covered.add(value)
    assert covered == set(RED_FLAG_CODES)
