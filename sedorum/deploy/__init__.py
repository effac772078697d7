"""Deployment helpers: several Rasa and action-server replicas behind nginx (docs/scaling.md)."""
