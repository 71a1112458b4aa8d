"""Rasa component that reports postcodes, places and needs found by the spaCy pipeline.

The spaCy pipeline (nlu/spacy_pipeline.py) marks candidate spans; this component decides what
each one means and gives it a normalised value, so the actions never see "ls97ab" or "hare hills":
- postcode: "LS9 7AB" or "LS9" (bot.geo.postcodes, shared with the app). A full-postcode shape
  that is not valid is still reported, upper-cased, so the bot can say the postcode looks wrong;
  a bare outcode-shaped word is only kept when its area exists ("mp3" is not a postcode).
- place: the gazetteer's official name, whichever spelling was typed.
- need: older_people, sight_loss, hearing_loss, autism, learning_disability or arts.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.tokens import Doc

from bot.geo import postcodes

MAX_TEXT_CHARS = 2000
# What follows an outcode when a full postcode was meant but mistyped ("LS9 7B", "LS9 7BGG").
BROKEN_INCODE = re.compile(r"\s?[0-9][A-Za-z][A-Za-z0-9]*")
# Text-speak that is also a postcode district: "b4" is "before", not Birmingham.
TEXT_SPEAK = frozenset({"b4", "m8", "l8", "w8", "n1", "e2"})


def entity_value(label: str, text: str, ent_id: str) -> str | None:
    """The normalised value of a span, or None when the span is not really an entity."""
    if label == "postcode":
        if text.lower() in TEXT_SPEAK:
            return None
        parsed = postcodes.parse(text)
        if parsed is not None:
            return str(parsed)
        compact = text.replace(" ", "")
        # A full-postcode shape that fails validation: report it so the bot can say so.
        return compact.upper() if len(compact) >= 5 else None
    return ent_id or text


def _made_from(doc: Any, nlp: Any, text: str) -> bool:
    """Whether `doc` is what `nlp(text)` would give: the doc SpacyNLP made with the same
    pipeline from the same text. It is, for a message typed in lower case (SpacyNLP lower-cases
    what it parses), which is then not parsed a second time."""
    return isinstance(doc, Doc) and doc.vocab is nlp.vocab and doc.text == text


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False, model_from="SpacyNLP"
)
class GetOnlineEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Entity extractor over the repo's spaCy EntityRuler (postcodes, gazetteer, needs)."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [SpacyNLP]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"dimensions": ["postcode", "place", "need"]}

    def __init__(self, config: dict[str, Any]) -> None:
        self._dimensions = set(config["dimensions"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GetOnlineEntityExtractor:
        return cls({**cls.get_default_config(), **config})

    @staticmethod
    def required_packages() -> list[str]:
        return ["spacy"]

    def extract(self, nlp: Any, text: str, shared: Any = None) -> list[dict[str, Any]]:
        # The doc Rasa shares is lower-cased; run on the resident's own text so that the
        # reported spans and values keep their case. Very long messages are cut for speed.
        doc = shared if _made_from(shared, nlp, text[:MAX_TEXT_CHARS]) else nlp(text[:MAX_TEXT_CHARS])
        entities: list[dict[str, Any]] = []
        for ent in doc.ents:
            if ent.label_ not in self._dimensions:
                continue
            start, end = ent.start_char, ent.end_char
            broken = BROKEN_INCODE.match(text, end) if ent.label_ == "postcode" else None
            if broken and " " not in ent.text.strip():
                # Report the whole mistyped postcode, so the bot says it looks wrong instead of
                # quietly searching the outcode.
                end = broken.end()
                value: str | None = text[start:end].replace(" ", "").upper()
            else:
                value = entity_value(ent.label_, ent.text, ent.ent_id_)
            if value is None:
                continue
            entities.append(
                {
                    "entity": ent.label_,
                    "value": value,
                    "start": start,
                    "end": end,
                    "confidence": None,
                }
            )
        return self.add_extractor_name(entities)

    def process(self, messages: list[Message], model: SpacyModel) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            extracted = self.extract(model.model, text, message.get(SPACY_DOCS[TEXT]))
            message.set(ENTITIES, message.get(ENTITIES, []) + extracted, add_to_output=True)
        return messages
