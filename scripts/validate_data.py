"""`make validate`: Rasa's data validation, with every warning treated as an error.

`rasa data validate --fail-on-warnings` lets some warnings pass (for example unused
responses), so this runs it and fails on any warning except two that are understood:
- Rasa 3.6 merges the retrieval intent `faq` into the domain a second time and warns about the
  duplicate it made itself (rasa/shared/importers/importer.py, ResponsesSyncImporter).
- responses sent from inside actions or by the safety policy are "not used in any story or
  rule" by construction; they are listed in actions/names.py and checked by a unit test. The
  same holds for a form's `utter_ask_<slot>` questions, which the form sends itself.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Iterable, List

import yaml

from actions.names import RESPONSES_SENT_BY_CODE

ROOT = Path(__file__).resolve().parent.parent
WARNING = re.compile(r"UserWarning: (.*)")
KNOWN = [re.compile(r"The following duplicated intents have been found across multiple "
                    r"domain files: faq$")]


def form_questions(domain_dir: Path = ROOT / "domain") -> List[str]:
    """`utter_ask_<slot>` for every slot a form requests."""
    slots: List[str] = []
    for path in sorted(domain_dir.glob("*.yml")):
        forms = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("forms") or {}
        for form in forms.values():
            slots += list((form or {}).get("required_slots") or [])
    return [f"utter_ask_{slot}" for slot in slots]


def unexpected(warnings: Iterable[str]) -> List[str]:
    allowed = [re.compile(rf"The utterance '{re.escape(name)}' is not used in any story or "
                          r"rule\.$") for name in [*RESPONSES_SENT_BY_CODE, *form_questions()]]
    return [w for w in warnings if not any(p.search(w) for p in KNOWN + allowed)]


def main() -> int:
    rasa = str(Path(sys.executable).with_name("rasa"))
    run = subprocess.run(
        [rasa, "data", "validate", "--fail-on-warnings", "--domain", "domain"],
        cwd=ROOT, capture_output=True, text=True, check=False)
    output = run.stdout + run.stderr
    warnings = [m.group(1).strip() for m in WARNING.finditer(output)]
    problems = unexpected(warnings)
    for problem in problems:
        print(f"validate: {problem}")
    if run.returncode != 0:
        print(output[-3000:])
        print(f"validate: rasa data validate failed (exit {run.returncode})")
        return 1
    if problems:
        return 1
    print(f"validate: clean ({len(warnings)} known Rasa warnings accepted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
