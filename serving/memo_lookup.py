"""The memoization policy's lookup by the text of the states, not by its compressed form.

Rasa 3.6.21's MemoizationPolicy keeps what it learned under keys that are the states'
JSON text compressed with zlib and base64-encoded (`enable_feature_string_compression`, on by
default), so every prediction compresses the text of the latest states to look them up: a
tenth of the policies' time per turn (cProfile), twice a turn.

Here the learned keys are decompressed once per policy, and a prediction looks up the text
itself. A key is taken only if compressing its text gives that key back, so a lookup finds
exactly what Rasa's finds: Rasa's lookup of text T hits key K only when compress(T) == K,
which means T is K's text and K was checked. The text of the states is made as Rasa's
`_create_feature_key` makes it (a unit test fails if that changes). A policy without
compression, or with a lookup this cannot read, is left to Rasa's code. Installed at server
start (server_hooks.attach); training keeps Rasa's code.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Dict, List, Optional, Text, Tuple

from rasa.core.policies.memoization import MemoizationPolicy
from rasa.shared.core.domain import State

RASAS_RECALL_STATES = MemoizationPolicy._recall_states
PLAIN = "_physio_plain_lookup"  # on a policy: (its lookup object, that lookup by text)
ENCODING = "utf-8"  # rasa.shared.utils.io.DEFAULT_ENCODING


def compressed(text: Text) -> Text:
    """Rasa's key for a text of states (MemoizationPolicy._create_feature_key)."""
    return base64.b64encode(zlib.compress(bytes(text, ENCODING))).decode(ENCODING)


def by_text(lookup: Dict[Text, Text]) -> Dict[Text, Text]:
    """The lookup under the texts of its keys, each key checked to be Rasa's key of its text."""
    plain: Dict[Text, Text] = {}
    for key, action in lookup.items():
        try:
            text = zlib.decompress(base64.b64decode(key, validate=True)).decode(ENCODING)
        except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError, TypeError):
            continue  # not a key compress() makes: no text is looked up under it
        if compressed(text) == key:
            plain[text] = action
    return plain


def states_text(states: List[State]) -> Text:
    """The text Rasa 3.6.21 compresses into a key."""
    return json.dumps(states, sort_keys=True).replace('"', "")


def _plain_lookup(policy: MemoizationPolicy) -> Optional[Dict[Text, Text]]:
    if not policy.config.get("enable_feature_string_compression"):
        return None
    kept: Optional[Tuple[object, Dict[Text, Text]]] = policy.__dict__.get(PLAIN)
    if kept is None or kept[0] is not policy.lookup:
        kept = (policy.lookup, by_text(policy.lookup))
        policy.__dict__[PLAIN] = kept
    return kept[1]


def recall_states(self: MemoizationPolicy, states: List[State]) -> Optional[Text]:
    """Same answer as Rasa 3.6.21's `MemoizationPolicy._recall_states`."""
    plain = _plain_lookup(self)
    if plain is None:
        return RASAS_RECALL_STATES(self, states)
    if not states:
        return self.lookup.get(None)  # type: ignore[call-overload]  # Rasa's key of nothing
    return plain.get(states_text(states))


def install() -> None:
    MemoizationPolicy._recall_states = recall_states  # type: ignore[method-assign]
