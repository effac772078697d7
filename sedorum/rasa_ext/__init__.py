"""Rasa glue: graph components and policies that plug the plain-Python safety code into Rasa.

Nothing in here decides what is safe; it only routes to `sedorum.safety`, which is tested
without Rasa.
"""
