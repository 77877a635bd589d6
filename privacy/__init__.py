"""Keeping personal health information out of logs."""

from privacy.masking import conversation_ref, mask_phone, redact

__all__ = ["conversation_ref", "mask_phone", "redact"]
