"""Conversation scenarios shared by the end-to-end safety suite and the safety benchmark."""
