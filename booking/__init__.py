"""Understanding and checking a visitor's preferred appointment time (pure Python, no Rasa)."""
