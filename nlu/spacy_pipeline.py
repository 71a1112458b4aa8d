"""Build the engine's spaCy pipeline from packages and the repo's own data.

No pretrained spaCy model can be downloaded on our machines, so the pipeline is assembled from
built-in factories only (which is also why stock Rasa `SpacyNLP` can load it from disk):

- `attribute_ruler` sets the lemma of text-speak and common misspellings ("pls", "emial",
  "braodband") to the word meant, so the classifier sees one feature for all of them;
- `lemmatizer` in lookup mode (tables from spacy-lookups-data) folds "passwords" into "password";
- `entity_ruler` marks places from the shared gazetteer, needs and postcode-shaped tokens; the
  custom Rasa component `nlu.components.entities.GetOnlineEntityExtractor` turns those into
  normalised entity values.

Run in the engine's environment: `python -m nlu.spacy_pipeline OUT_DIR`.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.pipeline import AttributeRuler, EntityRuler
from spacy.tokenizer import Tokenizer
from spacy.util import compile_suffix_regex

from bot.geo.places import load_places

ROOT = Path(__file__).resolve().parent.parent
NORMALISE_FILE = ROOT / "nlu" / "normalise.csv"
NEEDS_FILE = ROOT / "nlu" / "needs.csv"
PLACES_FILE = ROOT / "content" / "places" / "leeds.csv"

OUTCODE_SHAPE = r"^[a-z]{1,2}[0-9][a-z0-9]?$"
INCODE_SHAPE = r"^[0-9][a-z]{2}$"
FULL_SHAPE = r"^[a-z]{1,2}[0-9][a-z0-9]?[0-9][a-z]{2}$"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def entity_patterns(places_file: Path = PLACES_FILE, needs_file: Path = NEEDS_FILE) -> list[dict[str, Any]]:
    """EntityRuler patterns; `id` carries the normalised value the extractor reports."""
    patterns: list[dict[str, Any]] = [
        {"label": "postcode", "pattern": [{"LOWER": {"REGEX": FULL_SHAPE}}]},
        {
            "label": "postcode",
            "pattern": [{"LOWER": {"REGEX": OUTCODE_SHAPE}}, {"LOWER": {"REGEX": INCODE_SHAPE}}],
        },
        {"label": "postcode", "pattern": [{"LOWER": {"REGEX": OUTCODE_SHAPE}}]},
    ]
    for place in load_places(places_file):
        for spelling in place.spellings:
            patterns.append({"label": "place", "pattern": spelling.lower(), "id": place.name})
    for row in _rows(needs_file):
        patterns.append({"label": "need", "pattern": row["phrase"].lower(), "id": row["need"]})
    return patterns


def _keep_postcodes_whole(nlp: Language) -> None:
    """spaCy splits units off numbers ("7tb" -> "7", "tb"), which breaks postcodes like LS15 7TB.
    Residents don't write "10km" to this bot, so that suffix rule goes."""
    suffixes = [rule for rule in nlp.Defaults.suffixes or [] if not (isinstance(rule, str) and "km" in rule)]
    tokenizer = nlp.tokenizer
    if not isinstance(tokenizer, Tokenizer):
        raise TypeError(f"expected spaCy's own tokenizer, not {tokenizer!r}")
    tokenizer.suffix_search = compile_suffix_regex(suffixes).search


def build(normalise_file: Path = NORMALISE_FILE) -> Language:
    nlp = spacy.blank("en")
    _keep_postcodes_whole(nlp)
    attribute_ruler = nlp.add_pipe("attribute_ruler")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    # add_pipe is typed as returning any component: these two are the rulers named above.
    assert isinstance(attribute_ruler, AttributeRuler) and isinstance(ruler, EntityRuler)
    nlp.initialize()  # loads the lookup tables; patterns go in afterwards, as initialize clears them
    for row in _rows(normalise_file):
        attribute_ruler.add([[{"LOWER": row["variant"].lower()}]], {"LEMMA": row["canonical"]})
    ruler.add_patterns(entity_patterns())
    nlp.meta["name"] = "getonline_en"
    nlp.meta["description"] = "Built by nlu/spacy_pipeline.py from spacy-lookups-data and the repo's own data"
    return nlp


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "spacy" / "getonline_en")
    out.parent.mkdir(parents=True, exist_ok=True)
    build().to_disk(out)
    print(f"spaCy pipeline written to {out}")
