"""How a staff reply is signed: once, with the staff member's name.

Why its own module: on the messaging channels every message comes from the bot's account, so
the signature is how a visitor knows a person is answering. The console signs a reply when it
stores it in the conversation (conversation.py); the widget, the transcript and every channel
send the stored text as it is, and the tests' fakes check for the same signature.
"""

from __future__ import annotations

STAFF_SIGNATURE = "{staff} (support team): {text}"


def sign_staff_reply(staff: str, text: str) -> str:
    """A staff reply as the visitor sees it on every channel."""
    return STAFF_SIGNATURE.format(staff=staff, text=text)
