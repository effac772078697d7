"""Names and limits that several layers must agree on, written once: intents, slots, statuses.

Why one module: the NLU components, the dialogue policy, the custom actions (a separate
process), the handoff store, the staff console and the messaging channels each used to spell
these out themselves; a rename in one place would silently break another. This module is on
the ground floor: it imports nothing of the project and nothing of Rasa.
"""

from __future__ import annotations

# The intent every emergency ends up as (S1 in docs/safety.md): the classifier's, or the one the
# deterministic detector forces. Also in domain.yml, data/ and the tests' stories.
EMERGENCY_INTENT = "report_emergency"

# The slot that says whether staff have the conversation, and its values (domain.yml).
HANDOFF_SLOT = "handoff"
HANDOFF_WAITING = "waiting"  # a person was asked for; the assistant acknowledges messages
HANDOFF_CLAIMED = "claimed"  # a staff member answers; the assistant is silent except for S1
# The handoff store's statuses: the two above, and how a handoff ends.
HANDOFF_RETURNED = "returned"
HANDOFF_CLOSED = "closed"

# The longest message the model reads and the longest staff reply the console accepts
# (SEDORUM_MAX_MESSAGE_CHARS changes the first).
MAX_MESSAGE_CHARS = 2000
