"""Negation and uncertainty scope: triggers, pseudo-triggers, terminators and clause breaks."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from spacy.language import Language

from clinical_nlp.negation import NEGATED, UNCERTAIN, TriggerFileError, load_triggers
from tests.unit.nlp.helpers import check

Case = tuple  # (text, expect, forbid)

SCOPE_TERMINATORS: List[Case] = [
    (
        "no numbness but my bladder is leaking",
        ["symptom:leg_numbness@negated", "red_flag:bladder_dysfunction"],
        [],
    ),
    (
        "no pins and needles however my legs feel weak",
        ["symptom:pins_and_needles@negated", "red_flag:bilateral_leg_symptoms"],
        [],
    ),
    (
        "no tingling although my bum is numb",
        ["symptom:pins_and_needles@negated", "red_flag:saddle_numbness"],
        [],
    ),
    ("no other problems apart from numbness in my groin", ["red_flag:saddle_numbness"], []),
    ("nothing except I can't feel when I need to wee", ["red_flag:bladder_dysfunction"], []),
    (
        "no numbness, my legs are weak",
        ["symptom:leg_numbness@negated", "red_flag:bilateral_leg_symptoms"],
        [],
    ),
    (
        "I don't have tingling and I can't feel when I need to wee",
        ["symptom:pins_and_needles@negated", "red_flag:bladder_dysfunction"],
        [],
    ),
    (
        "no numbness. Both legs feel weak",
        ["symptom:leg_numbness@negated", "red_flag:bilateral_leg_symptoms"],
        [],
    ),
    ("no sciatica; numb around my bum", ["red_flag:saddle_numbness"], []),
    (
        "no pain, numb bum",  # a comma that does not continue a list ends the scope
        ["red_flag:saddle_numbness"],
        [],
    ),
    (
        "not sure about tingling, no numbness",
        ["symptom:pins_and_needles@uncertain", "symptom:leg_numbness@negated"],
        [],
    ),
]

LISTS: List[Case] = [
    (
        "no numbness, tingling or weakness in my legs",
        [
            "symptom:leg_numbness@negated",
            "symptom:pins_and_needles@negated",
            "red_flag:bilateral_leg_symptoms@negated",
        ],
        [],
    ),
    (
        "no bladder or bowel problems",
        ["red_flag:bladder_dysfunction@negated", "red_flag:bowel_dysfunction@negated"],
        [],
    ),
    ("never had cancer or steroids", ["red_flag:cancer_history@negated",
                                      "red_flag:immunosuppression@negated"], []),
]

POST_TRIGGER_SCOPE: List[Case] = [
    # a post-trigger negates its own subject, not an earlier finding
    (
        "legs weak bladder fine",
        ["red_flag:bilateral_leg_symptoms", "red_flag:bladder_dysfunction@negated"],
        [],
    ),
    (
        "numbness in my groin and my bladder is fine",
        ["red_flag:saddle_numbness", "red_flag:bladder_dysfunction@negated"],
        [],
    ),
    ("numb bum, bladder fine", ["red_flag:saddle_numbness",
                                "red_flag:bladder_dysfunction@negated"], []),
    ("my legs are weak, otherwise fine", ["red_flag:bilateral_leg_symptoms"], []),
    # a bare "normal"/"ok" negates a bare topic, never a reported finding
    ("weak legs, normal bladder", ["red_flag:bilateral_leg_symptoms"], []),
    ("numbness in my groin ok", ["red_flag:saddle_numbness"], []),
    ("weak legs, no problems otherwise", ["red_flag:bilateral_leg_symptoms"], []),
]

PSEUDO_TRIGGERS: List[Case] = [
    ("can't feel when my bladder is full", ["red_flag:bladder_dysfunction"], []),
    ("I cannot feel when I need to pee", ["red_flag:bladder_dysfunction"], []),
    ("I have no control over my bowels", ["red_flag:bowel_dysfunction"], []),
    ("no longer able to walk properly", ["activity:walking"], []),
    ("not only my back, my legs are numb too", ["red_flag:bilateral_leg_symptoms"], []),
    ("No, my legs are weak", ["red_flag:bilateral_leg_symptoms"], []),
    ("no I can't feel my bum", ["red_flag:saddle_numbness"], []),
    ("it's not getting better", [], ["symptom:*@negated"]),
    ("no matter how I sit it hurts", [], ["symptom:*@negated"]),
    ("I couldn't put my shoes on", ["activity:dressing"], []),
    ("can't sleep because of the pain", ["red_flag:night_pain"], []),
    ("I'm not sure what caused it", ["mechanism:no_clear_cause"], []),
]

UNCERTAINTY: List[Case] = [
    ("not sure about tingling", ["symptom:pins_and_needles@uncertain"], []),
    ("maybe numbness in my left leg", ["symptom:leg_numbness@uncertain"], []),
    ("I think I pulled something lifting", ["mechanism:lifting@uncertain"], []),
    ("possibly sciatica", ["symptom:leg_pain@uncertain"], []),
    ("I don't know if my legs are weak", ["red_flag:bilateral_leg_symptoms@uncertain"], []),
    ("it's maybe a 6", ["pain_score:6"], ["pain_score:*@uncertain"]),
    ("I don't think my legs are weak, maybe", ["red_flag:bilateral_leg_symptoms@uncertain"], []),
    # hypothetical questions: the assistant should ask rather than assume
    ("What does numbness in the groin mean?", ["red_flag:saddle_numbness@uncertain"], []),
    ("I can't say I've noticed any numbness", ["symptom:leg_numbness@negated"], []),
    (
        "I've never had problems with my bladder until today when I wet myself",
        ["red_flag:bladder_dysfunction@negated", "red_flag:bladder_dysfunction"],
        [],
    ),
    (
        "what happens if I lose control of my bladder?",
        ["red_flag:bladder_dysfunction@uncertain"],
        [],
    ),
]

WORRY_DOES_NOT_DOWNGRADE: List[Case] = [
    # the patient is worried about something they have: still affirmed
    ("I'm worried because I can't feel when I need to wee", ["red_flag:bladder_dysfunction"], []),
    ("I can't feel when I need to wee, is that bad?", ["red_flag:bladder_dysfunction"], []),
    ("is it normal that both legs feel weak?", ["red_flag:bilateral_leg_symptoms"], []),
    ("since May my legs have been numb", ["red_flag:bilateral_leg_symptoms"], []),
    ("is it a problem that I can't feel my legs?", ["red_flag:bilateral_leg_symptoms"], []),
    ("could it be serious if I can't feel my bum", ["red_flag:saddle_numbness"], []),
]

QUALIFIERS_FOLLOW_THEIR_FINDING: List[Case] = [
    (
        "no pain in my left leg",
        ["symptom:leg_pain@negated", "side:left@negated", "body_site:leg@negated"],
        [],
    ),
    (
        "not my left leg, my right leg is numb",
        ["side:left@negated", "side:right", "symptom:leg_numbness"],
        [],
    ),
]


@pytest.mark.parametrize(("text", "expect", "forbid"), SCOPE_TERMINATORS)
def test_scope_terminators(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    check(mentions(text), expect, forbid)


@pytest.mark.parametrize(("text", "expect", "forbid"), LISTS)
def test_a_trigger_covers_a_list(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    check(mentions(text), expect, forbid)


@pytest.mark.parametrize(("text", "expect", "forbid"), POST_TRIGGER_SCOPE)
def test_post_trigger_scope(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    check(mentions(text), expect, forbid)


@pytest.mark.parametrize(("text", "expect", "forbid"), PSEUDO_TRIGGERS)
def test_pseudo_triggers_do_not_negate(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    check(mentions(text), expect, [*forbid, *(e + "@negated" for e in expect)])


@pytest.mark.parametrize(("text", "expect", "forbid"), UNCERTAINTY)
def test_uncertainty(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    check(mentions(text), expect, forbid)


@pytest.mark.parametrize(("text", "expect", "forbid"), WORRY_DOES_NOT_DOWNGRADE)
def test_worry_and_questions_keep_the_flag(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    check(mentions(text), expect, [*(e + "@negated" for e in expect),
                                   *(e + "@uncertain" for e in expect)])


@pytest.mark.parametrize(("text", "expect", "forbid"), QUALIFIERS_FOLLOW_THEIR_FINDING)
def test_sides_and_sites_share_the_role(mentions, text, expect, forbid) -> None:  # type: ignore[no-untyped-def]
    check(mentions(text), expect, forbid)


def test_role_extension_is_set_on_doc_entities(nlp: Language) -> None:
    doc = nlp("no numbness but I can't feel when I need to wee")
    roles = {ent.text: ent._.role for ent in doc.ents}
    assert roles == {"numbness": NEGATED, "can't feel when I need to wee": None}
    final = {span.text: span._.role for span in doc.spans["clinical"]}
    assert final["numbness"] == NEGATED


def test_uncertainty_wins_over_negation(nlp: Language) -> None:
    doc = nlp("I don't think I have numbness in my groin, not sure")
    assert [(s.label_, s._.role) for s in doc.ents] == [("red_flag", UNCERTAIN)]


def test_triggers_live_in_the_data_file() -> None:
    triggers = load_triggers()
    assert "denies" in triggers.pre_negation
    assert "is fine" in triggers.post_negation
    assert "not sure" in triggers.pre_uncertainty
    assert "not only" in triggers.pseudo
    assert "apart from" in triggers.terminators
    assert "pain_score" in triggers.uncertainty_exempt_labels


def test_a_broken_trigger_file_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "triggers.yml"
    broken.write_text("pre_negation: no\n", encoding="utf-8")
    with pytest.raises(TriggerFileError, match=r"triggers\.yml: 'pre_negation' must be"):
        load_triggers(broken)
    broken.write_text("pre_negation: [\n", encoding="utf-8")
    with pytest.raises(TriggerFileError, match="invalid trigger file"):
        load_triggers(broken)
    with pytest.raises(TriggerFileError, match="cannot read"):
        load_triggers(tmp_path / "missing.yml")


def test_a_custom_trigger_file_changes_behaviour(tmp_path: Path) -> None:
    from clinical_nlp import build_pipeline, extract_mentions

    custom = load_triggers().to_dict()
    custom["pre_negation"] = [t for t in custom["pre_negation"] if t != "denies"]
    import yaml

    path = tmp_path / "triggers.yml"
    path.write_text(yaml.safe_dump(custom), encoding="utf-8")
    nlp = build_pipeline(triggers_path=path)
    (mention,) = [m for m in extract_mentions(nlp, "denies saddle anaesthesia")]
    assert mention.role is None
