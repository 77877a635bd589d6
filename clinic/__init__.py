"""The clinic's own details (name, phone, hours, emergency number), loaded from a YAML profile."""

from clinic.profile import ClinicProfile, ProfileError, load_profile

__all__ = ["ClinicProfile", "ProfileError", "load_profile"]
