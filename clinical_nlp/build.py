"""Builds the clinical pipeline from the pattern files and saves it.

Usage::

    python -m clinical_nlp.build --out var/nlp/clinic_en [--patterns-dir DIR] [--triggers FILE]

Prints one line on success. On a broken pattern or trigger file it prints ``error: <file>:<line>:
<problem>`` to stderr and exits with status 1, leaving any previously built pipeline untouched.
"""

import os

# spaCy imports thinc, which probes TensorFlow; keep its start-up chatter out of build logs.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from clinical_nlp.negation import TriggerFileError
from clinical_nlp.pattern_files import PatternFileError
from clinical_nlp.pipeline import build_pipeline, save_pipeline


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m clinical_nlp.build",
        description="Build the clinical entity pipeline from its pattern files and save it.",
    )
    parser.add_argument("--out", required=True, type=Path, help="output directory")
    parser.add_argument(
        "--patterns-dir",
        type=Path,
        default=None,
        help="directory of *.jsonl pattern files (default: the packaged patterns)",
    )
    parser.add_argument(
        "--triggers",
        type=Path,
        default=None,
        help="negation trigger file (default: the packaged triggers.yml)",
    )
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        nlp = build_pipeline(args.patterns_dir, args.triggers)
        out = save_pipeline(nlp, args.out)
    except (PatternFileError, TriggerFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot write {args.out}: {exc}", file=sys.stderr)
        return 1
    info = nlp.meta.get("clinical_nlp", {})
    print(
        f"built {nlp.meta['name']} {nlp.meta['version']}: {info.get('patterns')} patterns from "
        f"{len(info.get('pattern_files', []))} files -> {out} "
        f"(fingerprint {str(info.get('fingerprint', ''))[:12]})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
