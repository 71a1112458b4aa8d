"""Rasa's ResponseSelector, run only on messages DIET took for a knowledge-base question.

The selector is a second TensorFlow model, and Rasa runs it on every message: about a tenth of
the engine's busy time (bench/load.py). Its answer is only ever used when the intent is `faq`
(the rules answer `faq` with `utter_faq`, and the gateway channel reads the topic only then),
so for answers to the confidence check, postcodes and greetings it is skipped. Training is
unchanged.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message

RETRIEVAL_INTENT = "faq"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqOnlyResponseSelector(ResponseSelector):
    def process(self, messages: list[Message]) -> list[Message]:
        wanted = [m for m in messages if (m.get(INTENT) or {}).get(INTENT_NAME_KEY) == RETRIEVAL_INTENT]
        if wanted:
            super().process(wanted)
        return messages
