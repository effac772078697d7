"""Local fakes of the messaging platforms' APIs, and builders of their real-format webhooks."""
