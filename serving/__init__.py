"""The Rasa server's production extensions: a tracker store and a lock store that are safe
across replicas, and a guard around every visitor turn (limits, rate limiting, and a clear
reply when a store or the action server fails). Loaded by Rasa from endpoints.yml and by our
channels; nothing here runs at import time."""
