"""Conversation insights and review for the shop's support team.

The figures are read from the tracker store's own `events` table with SQL (SQLite by default,
PostgreSQL when configured). A small roll-up (`rollup.py`) turns new events into one row per
conversation and one per visitor message, incrementally, so a page over 100,000
conversations is a handful of indexed GROUP BY queries (`figures.py`). Review marks
(`review.py`) and visitor feedback (`feedback.py`) live beside them in the same database, so
a conversation erased from `events` (delete-my-data, retention) leaves every figure and export.
"""
