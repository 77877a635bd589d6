"""Which input channels Rasa serves: credentials.yml, plus each WhatsApp channel whose
environment variables are all set (config/credentials.whatsapp.yml)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Mapping

import yaml

from scripts.services import ROOT

BASE = ROOT / "credentials.yml"
WHATSAPP = ROOT / "config" / "credentials.whatsapp.yml"
_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
# Keys the channels default themselves when left out (see channels/settings.py).
OPTIONAL = {"WHATSAPP_API_VERSION", "WHATSAPP_GRAPH_API_BASE_URL", "TWILIO_API_BASE_URL",
            "TWILIO_WEBHOOK_PUBLIC_URL"}


def enabled_channels(env: Mapping[str, str], extra: Path = WHATSAPP) -> Dict[str, Dict]:
    """The extra channel entries whose required variables are all set (optional keys that
    are unset are left out, so the channel uses its default)."""
    enabled: Dict[str, Dict] = {}
    for name, entry in (yaml.safe_load(extra.read_text(encoding="utf-8")) or {}).items():
        required: List[str] = []
        kept: Dict[str, str] = {}
        for key, value in (entry or {}).items():
            variables = _VAR.findall(str(value))
            if any(v in OPTIONAL and not env.get(v) for v in variables):
                continue
            required += variables
            kept[key] = value
        if required and all(env.get(v) for v in required):
            enabled[name] = kept
    return enabled


def credentials_file(env: Mapping[str, str], out_dir: Path) -> Path:
    """credentials.yml itself, or a copy under `out_dir` with the enabled WhatsApp channels."""
    extra = enabled_channels(env)
    if not extra:
        return BASE
    merged = {**(yaml.safe_load(BASE.read_text(encoding="utf-8")) or {}), **extra}
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "credentials.yml"
    target.write_text(yaml.safe_dump(merged, sort_keys=False), encoding="utf-8")
    return target
