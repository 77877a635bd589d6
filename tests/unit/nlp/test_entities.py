"""Every non-red-flag entity type and code, in British, American and South African wording."""

from __future__ import annotations

from typing import List

import pytest

from tests.unit.nlp.helpers import check

Case = tuple  # (text, expect, forbid)

SYMPTOMS: List[Case] = [
    ("the pain goes down to my foot", ["symptom:leg_pain_below_knee"], []),
    ("pain below the knee", ["symptom:leg_pain_below_knee"], []),
    (
        "sharp pain down the back of my leg to my foot",
        ["symptom:leg_pain_below_knee", "body_site:foot"],
        ["symptom:leg_pain"],
    ),
    ("I have sciatica down my right leg", ["symptom:leg_pain", "side:right", "body_site:leg"], []),
    ("my left leg hurts", ["symptom:leg_pain", "side:left"], []),
    ("pins and needles down my left leg", ["symptom:pins_and_needles", "side:left"], []),
    ("pins n needles in my foot", ["symptom:pins_and_needles", "body_site:foot"], []),
    ("tingeling in my toes", ["symptom:pins_and_needles"], []),
    ("numbness in my left leg", ["symptom:leg_numbness", "side:left"], ["red_flag:*"]),
    ("my foot keeps going numb", ["symptom:leg_numbness", "body_site:foot"], ["red_flag:*"]),
    ("it hurts when I bend forward", ["symptom:worse_bending_forward"], []),
    ("bending over is agony", ["symptom:worse_bending_forward"], []),
    ("it's worse when I sit for long", ["symptom:worse_sitting"], []),
    ("sitting makes it worse", ["symptom:worse_sitting"], []),
    ("worse when I drive", ["symptom:worse_driving"], []),
    ("driving kills my back", ["symptom:worse_driving"], []),
    ("it hurts when I come back up", ["symptom:pain_coming_up"], []),
    ("straightening up is the worst", ["symptom:pain_coming_up"], []),
    ("I have to push myself up with my hands", ["symptom:push_up_with_hands"], []),
    ("I use my hands to push myself back up", ["symptom:push_up_with_hands"], []),
    ("worse after walking too far", ["symptom:worse_walking_standing"], []),
    ("standing for long makes it worse", ["symptom:worse_walking_standing"], []),
    ("worse in the cold weather", ["symptom:worse_cold"], []),
    ("it's worse in winter", ["symptom:worse_cold"], []),
    ("stiff in the mornings", ["symptom:worse_mornings"], []),
    ("worst first thing in the morning", ["symptom:worse_mornings"], []),
    ("better with rest", ["symptom:better_with_rest"], []),
    ("it eases off when I lie down", ["symptom:better_with_rest"], []),
    ("it's more stiff than painful", ["symptom:stiffness_not_pain"], []),
    ("not really painful, just stiff", ["symptom:stiffness_not_pain"], []),
    ("hurts when I move", ["symptom:pain_on_movement"], []),
    ("it hurts when I bend to the left", ["symptom:pain_on_movement", "side:left"], []),
    ("sharp pain with the slightest movement", ["symptom:sharp_pain_slightest_movement"], []),
    ("I literally can't move", ["symptom:sharp_pain_slightest_movement"], []),
    ("I've put my back out", ["symptom:spasm", "body_site:lower_back"], []),
    ("my back went", ["symptom:spasm"], []),
    ("I threw my back out", ["symptom:spasm"], []),
    ("spams in my lower back", ["symptom:spasm", "body_site:lower_back"], []),
    ("my back has seized up", ["symptom:spasm"], []),
    ("I did my back in", ["symptom:spasm"], []),
    ("my back is stiff", ["symptom:stiffness"], []),
    ("lots of stifness", ["symptom:stiffness"], []),
    ("lumbago", ["symptom:back_pain"], []),
    ("lower back pain", ["symptom:back_pain", "body_site:lower_back"], []),
    ("me back's killing me", ["symptom:back_pain"], []),
    ("my back is playing up", ["symptom:back_pain"], []),
    ("it keeps coming back", ["symptom:recurrent"], []),
    ("it's happened again", ["symptom:recurrent"], []),
    ("on and off for years", ["symptom:recurrent", "duration:years"], []),
    ("it's getting worse", ["symptom:getting_worse"], []),
    ("worse and worse every day", ["symptom:getting_worse"], []),
    ("my back went this morning", ["symptom:spasm", "duration:days"], []),
    ("is it a spasm or something worse", ["symptom:spasm@uncertain"], []),
]

# Seen in the assistant's own training data: words that are not the finding they look like.
LOOKALIKES: List[Case] = [
    ("let's start again", [], ["symptom:recurrent"]),
    ("keep going", [], ["symptom:recurrent"]),
    ("lumbago again", ["symptom:back_pain", "symptom:recurrent"], []),
    ("my neck is stiff from sleeping funny", [], ["symptom:stiffness"]),
    ("names of the lower back muscle groups", [], ["symptom:back_pain"]),
    ("does the back give warning signs", [], ["symptom:spasm"]),
    ("why isn't my back spasm going away", ["symptom:spasm"], ["symptom:spasm@negated"]),
    ("what should I not do with a back spasm", ["symptom:spasm"], ["symptom:spasm@negated"]),
    ("things not to do with lower back pain", ["symptom:back_pain"], ["symptom:*@negated"]),
    ("who won the rugby last night", [], ["duration:*"]),
    ("it keeps coming back every few months", ["symptom:recurrent"], ["duration:*"]),
    ("I've been sitting for hours", ["mechanism:prolonged_sitting"], ["duration:*"]),
    ("my back is going to be fine", [], ["symptom:spasm"]),
]

MECHANISMS: List[Case] = [
    ("my back locked up when I picked up my son", ["mechanism:lifting", "symptom:spasm"], []),
    ("threw my back out lifting a box", ["mechanism:lifting", "symptom:spasm"], []),
    ("I was deadlifting at the gym", ["mechanism:lifting"], []),
    ("carrying a heavy box", ["mechanism:carrying"], []),
    ("we were moving house", ["mechanism:carrying"], []),
    ("gardening all weekend", ["mechanism:repetitive_bending"], []),
    ("picking up the kids' toys", ["mechanism:repetitive_bending"], ["mechanism:lifting"]),
    ("slipped on the wet floor", ["mechanism:slip_or_fall"], []),
    ("I fell down the stairs", ["mechanism:slip_or_fall"], []),
    ("tripped over the dog", ["mechanism:slip_or_fall"], []),
    ("been sitting at my desk all day", ["mechanism:prolonged_sitting"], []),
    ("I have a desk job", ["mechanism:prolonged_sitting"], []),
    ("after a long drive", ["mechanism:prolonged_sitting"], []),
    ("it came on out of nowhere", ["mechanism:no_clear_cause"], []),
    ("I woke up with it", ["mechanism:no_clear_cause"], []),
    ("not sure what caused it", ["mechanism:no_clear_cause"], []),
    ("I didn't do anything", ["mechanism:no_clear_cause"], []),
]

ACTIVITIES: List[Case] = [
    ("I can't bend over", ["activity:bending"], []),
    ("can't touch my toes", ["activity:bending"], []),
    ("I can't sit down", ["activity:sitting"], []),
    ("struggling to sit", ["activity:sitting"], []),
    ("I struggle to get up from a chair", ["activity:standing_up"], []),
    ("can't get out of bed", ["activity:standing_up"], []),
    ("I battle to walk", ["activity:walking"], []),
    ("no longer able to walk properly", ["activity:walking"], []),
    ("I can barely climb the stairs", ["activity:walking"], []),
    ("can't run anymore", ["activity:running"], []),
    ("haven't been able to go to the gym", ["activity:exercise"], []),
    ("it stops me from playing golf", ["activity:exercise"], []),
    ("can't put my pants on", ["activity:dressing"], []),
    ("can't tie my shoelaces", ["activity:dressing"], []),
    ("I can't put my socks on", ["activity:dressing"], []),
    ("getting dressed is a struggle", ["activity:dressing"], []),
    ("trouble putting on my trousers", ["activity:dressing"], []),
    ("I can walk fine", [], ["activity:*"]),
]

BODY_SITES_AND_SIDES: List[Case] = [
    ("pain in my lower back", ["body_site:lower_back"], []),
    ("pain in my right buttock", ["body_site:buttock", "side:right"], []),
    ("it's in my groin", ["body_site:groin"], []),
    ("my left leg", ["body_site:leg", "side:left"], []),
    ("both legs", ["body_site:both_legs", "side:both"], []),
    ("my knee aches", ["body_site:knee"], []),
    ("it goes into my foot", ["body_site:foot"], []),
    ("pain on both sides of my lower back", ["side:both", "body_site:lower_back"], []),
    ("it's on the right-hand side", ["side:right"], []),
    ("bending to the left hurts", ["side:left"], []),
    ("I left work early", [], ["side:*"]),
    ("right now it's fine", [], ["side:*"]),
    ("pain in the back of my leg", ["body_site:leg"], ["body_site:lower_back"]),
]

TEST_RESULTS: List[Case] = [
    ("it hurt", ["test_result:pain"], []),
    ("ouch, sore", ["test_result:pain"], []),
    ("felt tight", ["test_result:tension"], []),
    ("a bit of tension", ["test_result:tension"], []),
    ("I lost control", ["test_result:loss_of_control"], []),
    ("I couldn't control the movement", ["test_result:loss_of_control"], []),
    ("it was fine", ["test_result:fine"], []),
    ("no pain or tension", ["test_result:fine"], ["test_result:pain", "test_result:tension"]),
    ("a bit of tension but no pain", ["test_result:tension"], ["test_result:fine"]),
]

DURATIONS: List[Case] = [
    ("pain for 2 days", ["duration:days"], ["pain_score:*"]),
    ("since yesterday", ["duration:days"], []),
    ("about 3 weeks", ["duration:weeks"], []),
    ("a fortnight", ["duration:weeks"], []),
    ("a couple of months", ["duration:months"], []),
    ("for years", ["duration:years"], []),
    ("5 yrs", ["duration:years"], []),
    ("my 3 year old", [], ["duration:*", "pain_score:*"]),
    ("twice a week", [], ["duration:*"]),
]

# British, American and South African wording, and spelling slips.
REGIONAL_AND_MISSPELT: List[Case] = [
    ("I've done my back in and I'm knackered", ["symptom:spasm"], []),
    ("my back's giving me gyp", ["symptom:back_pain"], []),
    ("my back went out when I lifted the groceries", ["symptom:spasm", "mechanism:lifting"], []),
    ("I'm battling to bend, it's a mission to put on my takkies", ["activity:bending",
                                                                    "activity:dressing"], []),
    ("eish my back is sore", ["symptom:back_pain"], []),
    ("numbess in my leg", ["symptom:leg_numbness"], []),
    ("I have sciatic pain", ["symptom:leg_pain"], []),
    ("muscle spasim", ["symptom:spasm"], []),
    ("pian in my lower back", ["symptom:back_pain"], []),
    ("I CAN'T FEEL WHEN I NEED TO WEE", ["red_flag:bladder_dysfunction"], []),
    ("can\u2019t feel when I need to pee", ["red_flag:bladder_dysfunction"], []),  # curly '

    ("cannot feel my bum", ["red_flag:saddle_numbness"], []),
    ("my bum cheeks are numb", ["red_flag:saddle_numbness"], []),
    ("legs feel like jelly", ["red_flag:bilateral_leg_symptoms"], []),
]


@pytest.mark.parametrize(("text", "expect", "forbid"), SYMPTOMS)
def test_symptoms(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    check(mentions(text), expect, forbid)


@pytest.mark.parametrize(("text", "expect", "forbid"), LOOKALIKES)
def test_lookalikes(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    check(mentions(text), expect, forbid)


@pytest.mark.parametrize(("text", "expect", "forbid"), MECHANISMS)
def test_mechanisms(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    check(mentions(text), expect, forbid)


@pytest.mark.parametrize(("text", "expect", "forbid"), ACTIVITIES)
def test_activities(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    check(mentions(text), expect, forbid)


@pytest.mark.parametrize(("text", "expect", "forbid"), BODY_SITES_AND_SIDES)
def test_body_sites_and_sides(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    check(mentions(text), expect, forbid)


@pytest.mark.parametrize(("text", "expect", "forbid"), TEST_RESULTS)
def test_movement_test_results(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    check(mentions(text), expect, forbid)


@pytest.mark.parametrize(("text", "expect", "forbid"), DURATIONS)
def test_durations(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    check(mentions(text), expect, forbid)


@pytest.mark.parametrize(("text", "expect", "forbid"), REGIONAL_AND_MISSPELT)
def test_regional_wording_and_misspellings(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    check(mentions(text), expect, forbid)


def _codes(table: List[Case], entity: str) -> set:
    return {
        item.split(":", 1)[1].split("@")[0]
        for _, expect, _ in table
        for item in expect
        if item.startswith(entity + ":")
    }


@pytest.mark.parametrize(
    ("table", "entity", "codes"),
    [
        (SYMPTOMS, "symptom", {
            "leg_pain_below_knee", "leg_pain", "pins_and_needles", "leg_numbness",
            "worse_bending_forward", "worse_sitting", "worse_driving", "pain_coming_up",
            "push_up_with_hands", "worse_walking_standing", "worse_cold", "worse_mornings",
            "better_with_rest", "stiffness_not_pain", "pain_on_movement",
            "sharp_pain_slightest_movement", "spasm", "stiffness", "back_pain", "recurrent",
            "getting_worse"}),
        (MECHANISMS, "mechanism", {"lifting", "carrying", "repetitive_bending", "slip_or_fall",
                                   "prolonged_sitting", "no_clear_cause"}),
        (ACTIVITIES, "activity", {"bending", "sitting", "standing_up", "walking", "running",
                                  "exercise", "dressing"}),
        (BODY_SITES_AND_SIDES, "body_site", {"lower_back", "buttock", "groin", "leg",
                                              "both_legs", "knee", "foot"}),
        (BODY_SITES_AND_SIDES, "side", {"left", "right", "both"}),
        (TEST_RESULTS, "test_result", {"pain", "tension", "loss_of_control", "fine"}),
        (DURATIONS, "duration", {"days", "weeks", "months", "years"}),
    ],
)  # fmt: skip
def test_every_code_has_a_case(table: List[Case], entity: str, codes: set) -> None:
    assert _codes(table, entity) == codes
