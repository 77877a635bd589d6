"""NLU graph components of our own, named in config.yml."""
