"""Rasa custom actions: thin adapters between the conversation and the clinical core.

rasa_sdk imports every module of this package and registers each Action subclass.
"""
