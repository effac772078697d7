"""Responses with the visitor's emergency number: Rasa's response generator plus locale values.

Why a response generator: the emergency reply (S1) is a static response that the SafetyPolicy
sends before any custom action runs, so it must not depend on the action server. Rasa fills a
response's {placeholders} from slot values and the generator's keyword values; this generator
adds the locale's values (sedorum.content.locale) for every response, so `utter_emergency`,
the greeting and the handoff messages lead with the number of the conversation's locale.

The placeholders are also slots with the UK values as their initial values (domain.yml), so
a Rasa process without this generator (a test agent, `rasa shell`) still says "999", never
"{emergency_number}". Configured in endpoints.yml (`nlg: type: <this class>`).
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from sedorum.content.locale import conversation_locale, default_locale, template_values


class LocaleResponses(TemplatedNaturalLanguageGenerator):
    """Domain responses, with the emergency numbers of the conversation's locale filled in."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None) -> None:
        super().__init__(domain.responses if domain else {})
        default_locale()  # a bad SEDORUM_LOCALE stops start-up, not the first emergency

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        locale = conversation_locale(tracker.get_latest_input_channel() or output_channel, tracker.sender_id)
        values = {**template_values(locale), **kwargs}
        return await super().generate(utter_action, tracker, output_channel, **values)
