"""Human handoff: the shared store, office hours and staff accounts.

Why a package of its own: the custom actions (action-server process) open handoffs, and the
staff console (Rasa process) claims and answers them, so both import the same plain-Python
store over one database instead of talking to each other.
"""
