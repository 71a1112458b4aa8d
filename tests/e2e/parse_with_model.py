"""Run in the engine's Python: what a trained model makes of some messages, as JSON on stdout.

`.venv-rasa/bin/python tests/e2e/parse_with_model.py MODEL.tar.gz "message" ...` prints
[{"text", "intent", "confidence"}], the intent as nlu/evaluate.py names it ("faq/scams" for a
topic, "nlu_fallback" for a message the model does not understand). It loads the model with
Rasa's Agent, as `make nlu-report` does: the real pipeline, without starting a server.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from nlu.evaluate import full_intent, predict


def main(model: str, texts: list[str]) -> None:
    parses = asyncio.run(predict(Path(model), texts))
    results = [
        {
            "text": text,
            "intent": full_intent(parse),
            "confidence": (parse.get("intent") or {}).get("confidence"),
        }
        for text, parse in zip(texts, parses, strict=True)
    ]
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
