"""Checks of the FAQ content: domain/faq.yml (responses) and data/nlu_faq.yml (examples).

Every topic is a retrieval intent `faq/<topic>` answered by `utter_faq/<topic>`; a topic with
more to say has `utter_faq/<topic>_more`, and its main response carries a "Tell me more" button.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
DOMAIN_FILE = ROOT / "domain" / "faq.yml"
NLU_FILE = ROOT / "data" / "nlu_faq.yml"

RETRIEVAL_INTENT = "faq"
RESPONSE_PREFIX = f"utter_{RETRIEVAL_INTENT}/"
MORE_SUFFIX = "_more"
MAX_CHARS = 600
MIN_EXAMPLES = 15
TELL_ME_MORE = {"title": "Tell me more", "payload": "/tell_me_more"}
FORBIDDEN_SUBSTRINGS = ("<", ">", "you have", "you've got")
CURLY_APOSTROPHE = "\u2019"

TOPICS = [
    "what_is_spasm",
    "what_it_feels_like",
    "anatomy",
    "stabilisers_mobilisers",
    "muscle_groups",
    "core_stability",
    "cause_instability",
    "cause_strain",
    "cause_lifting",
    "cause_carrying",
    "cause_repetitive",
    "cause_fall",
    "cause_sitting",
    "cause_wrong_muscles",
    "warning_signs",
    "lifestyle",
    "jenga_stages",
    "spasm_vs_strain",
    "strain_grades",
    "self_tests",
    "severity",
    "pain_not_going_away",
    "physio_diagnosis",
    "xray",
    "ultrasound",
    "mri",
    "treatment",
    "rehab_phases",
    "healing_time",
    "anti_inflammatories",
    "clicking_back",
    "biokineticist",
    "brace",
    "stretching_foam_rolling",
    "surgery",
    "what_else",
    "what_not_to_do",
    "what_to_do",
    "what_makes_worse",
    "waiting_too_long",
    "stopping_treatment",
    "rest_balance",
    "heat",
    "strapping",
]


def _load(path: Path) -> dict:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


DOMAIN = _load(DOMAIN_FILE)
RESPONSES: dict[str, list[dict]] = DOMAIN["responses"]
NLU = _load(NLU_FILE)


def _examples_by_topic() -> dict[str, list[str]]:
    result: dict[str, list[str]] = defaultdict(list)
    for block in NLU["nlu"]:
        intent = block["intent"]
        assert intent.startswith(f"{RETRIEVAL_INTENT}/"), intent
        topic = intent.split("/", 1)[1]
        for line in block["examples"].splitlines():
            line = line.strip()
            if line:
                assert line.startswith("- "), f"{intent}: malformed example line {line!r}"
                result[topic].append(line[2:].strip())
    return dict(result)


EXAMPLES = _examples_by_topic()
ALL_RESPONSE_NAMES = sorted(RESPONSES)
MORE_NAMES = sorted(n for n in RESPONSES if n.endswith(MORE_SUFFIX))


def _texts(name: str) -> list[str]:
    return [variant["text"] for variant in RESPONSES[name]]


def _has_more_button(name: str) -> bool:
    return any(TELL_ME_MORE in variant.get("buttons", []) for variant in RESPONSES[name])


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


# ------------------------------------------------------------------ file shape


def test_domain_file_shape() -> None:
    assert str(DOMAIN["version"]) == "3.1"
    assert set(DOMAIN) == {"version", "responses"}
    for name in RESPONSES:
        assert name.startswith(RESPONSE_PREFIX), name


def test_nlu_file_shape() -> None:
    assert str(NLU["version"]) == "3.1"
    assert set(NLU) == {"version", "nlu"}
    intents = [block["intent"] for block in NLU["nlu"]]
    assert len(intents) == len(set(intents)), "an intent block appears twice"


def test_no_unknown_topics() -> None:
    known = set(TOPICS)
    assert set(EXAMPLES) <= known, set(EXAMPLES) - known
    main_topics = {n[len(RESPONSE_PREFIX) :] for n in RESPONSES if not n.endswith(MORE_SUFFIX)}
    assert main_topics <= known, main_topics - known


# ------------------------------------------------------------------ per topic


@pytest.mark.parametrize("topic", TOPICS)
def test_topic_has_response(topic: str) -> None:
    name = f"{RESPONSE_PREFIX}{topic}"
    assert name in RESPONSES, f"missing response {name}"
    assert all(t.strip() for t in _texts(name))


@pytest.mark.parametrize("topic", TOPICS)
def test_topic_has_enough_examples(topic: str) -> None:
    examples = EXAMPLES.get(topic, [])
    distinct = {_normalise(e) for e in examples}
    assert len(distinct) >= MIN_EXAMPLES, f"faq/{topic}: {len(distinct)} distinct examples"


@pytest.mark.parametrize("topic", TOPICS)
def test_more_and_button_go_together(topic: str) -> None:
    name = f"{RESPONSE_PREFIX}{topic}"
    more = f"{name}{MORE_SUFFIX}"
    assert _has_more_button(name) == (more in RESPONSES), (
        f"{name}: a 'Tell me more' button needs {more}, and {more} needs the button"
    )


# ------------------------------------------------------------------ per response


@pytest.mark.parametrize("name", ALL_RESPONSE_NAMES)
def test_response_length(name: str) -> None:
    for text in _texts(name):
        assert len(text) <= MAX_CHARS, f"{name}: {len(text)} characters"


@pytest.mark.parametrize("name", ALL_RESPONSE_NAMES)
def test_response_has_no_forbidden_content(name: str) -> None:
    for text in _texts(name):
        lowered = text.lower().replace(CURLY_APOSTROPHE, "'")
        for bad in FORBIDDEN_SUBSTRINGS:
            assert bad not in lowered, f"{name}: contains {bad!r}"


@pytest.mark.parametrize("name", ALL_RESPONSE_NAMES)
def test_only_tell_me_more_buttons(name: str) -> None:
    for variant in RESPONSES[name]:
        for button in variant.get("buttons", []):
            assert button == TELL_ME_MORE, f"{name}: unexpected button {button}"


@pytest.mark.parametrize("name", MORE_NAMES)
def test_more_has_main_with_button(name: str) -> None:
    main = name[: -len(MORE_SUFFIX)]
    assert main in RESPONSES, f"{name} has no main response {main}"
    assert _has_more_button(main), f"{main} lacks the 'Tell me more' button"
    assert not _has_more_button(name), f"{name} must not chain another 'Tell me more'"


# ------------------------------------------------------------------ whole file


def test_no_duplicate_examples() -> None:
    seen: dict[str, str] = {}
    duplicates = []
    for topic, examples in EXAMPLES.items():
        for example in examples:
            key = _normalise(example)
            if key in seen:
                duplicates.append((example, seen[key], topic))
            seen[key] = topic
    assert not duplicates, duplicates


def test_no_near_duplicate_examples() -> None:
    """Two examples whose word sets differ by at most one word add nothing (and look like
    copy-paste to reviewers): "what should I do for a back spasm" / "what do I do for ..."."""
    items = [(topic, e, set(_normalise(e).split())) for topic, exs in EXAMPLES.items() for e in exs]
    near = [
        (a[1], b[1]) for i, a in enumerate(items) for b in items[i + 1 :] if len(a[2] ^ b[2]) <= 1
    ]
    assert not near, near
