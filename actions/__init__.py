"""The rasa-sdk action server's actions: thin dialogue glue.

Decisions about safety live in `sedorum.safety` (plain Python, tested without Rasa); the
handoff store in `sedorum.handoff`. Each module here only reads the tracker, calls those,
and turns the result into messages and events.
"""
