"""Evaluate the trained model on the held-out set and write docs/nlu-report.md.

The held-out set (tests/nlu/holdout.yml) is never used in training. Intents are scored by their
full name, so a question counts as right only if both the classifier ("faq") and the response
selector ("faq/scams") are right. Entities are scored as exact spans of the right type.

Beside the per-message figures, the report gives the conversation success rate: the whole
conversations in tests/conversations/ run against the real bot (`tests/conversations/runner.py`,
in the app's environment, which starts the stack once), and a conversation counts as a success
only when every one of its turns went right. The failing ones are listed with the turn that failed.

Run in the engine's environment: `python -m nlu.evaluate [MODEL]` (`make nlu-report`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.metrics import precision_recall_fscore_support

ROOT = Path(__file__).resolve().parent.parent
HOLDOUT = ROOT / "tests" / "nlu" / "holdout.yml"
REPORT = ROOT / "docs" / "nlu-report.md"
RESULTS = ROOT / "results" / "nlu-evaluation.json"
CONVERSATION_RESULTS = ROOT / "results" / "conversations.json"
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
# An entity as (start, end, type).
Span = tuple[int, int, str]


def full_intent(parse: dict[str, Any]) -> str:
    intent = (parse.get("intent") or {}).get("name") or ""
    selector = (parse.get("response_selector") or {}).get(intent)
    if selector:
        key = selector.get("response", {}).get("intent_response_key")
        if key:
            return str(key)
    return intent


async def predict(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def span_scores(gold: list[set[Span]], predicted: list[set[Span]]) -> dict[str, dict[str, float]]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for gold_spans, predicted_spans in zip(gold, predicted, strict=False):
        for span in gold_spans & predicted_spans:
            counts[span[2]]["tp"] += 1
        for span in predicted_spans - gold_spans:
            counts[span[2]]["fp"] += 1
        for span in gold_spans - predicted_spans:
            counts[span[2]]["fn"] += 1
    scores = {}
    for entity, c in sorted(counts.items()):
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[entity] = {"precision": precision, "recall": recall, "f1": f1, "support": c["tp"] + c["fn"]}
    return scores


def run_conversations() -> list[dict[str, Any]]:
    """Every conversation of tests/conversations/ against the real bot (the current model)."""
    subprocess.run(
        [str(APP_PYTHON), "-m", "tests.conversations.runner", "--json", str(CONVERSATION_RESULTS)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    results: list[dict[str, Any]] = json.loads(CONVERSATION_RESULTS.read_text(encoding="utf-8"))
    return results


def conversation_lines(results: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """The headline figure (for the top, beside the per-message ones) and the section."""
    passed = sum(1 for r in results if r["passed"])
    rate = passed / len(results) if results else 0.0
    failing = [r for r in results if not r["passed"]]
    by_channel: dict[str, list[bool]] = defaultdict(list)
    for r in results:
        by_channel[r["channel"]].append(bool(r["passed"]))
    channels = ", ".join(f"{name} {sum(v)}/{len(v)}" for name, v in sorted(by_channel.items()))
    headline = f"- **Conversation success rate: {rate:.3f}** ({passed} of {len(results)}; {channels})"
    lines = [
        "",
        "## Whole conversations",
        "",
        f"`tests/conversations/` ({len(results)} conversations as residents have them, run against the real"
        " engine, action server and gateway on their channel; a conversation succeeds only if every turn"
        " went right).",
        "",
        headline,
        "",
        f"### Failing conversations ({len(failing)})",
        "",
    ]
    for r in failing:
        failures = "; ".join(r["failures"]).replace("|", "/")
        lines.append(f"- {r['name']} ({r['channel']}, `{r['source']}`): {failures}")
    return headline, lines


def main() -> None:
    model = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else ROOT / "models" / (ROOT / "models" / "current").read_text().strip()
    )
    data = load_data(str(HOLDOUT))
    examples = data.training_examples
    texts = [example.get("text") for example in examples]
    parses = asyncio.run(predict(model, texts))

    gold_intents = [example.get_full_intent() for example in examples]
    predicted_intents = [full_intent(parse) for parse in parses]
    labels = sorted(set(gold_intents))
    precision, recall, f1, support = precision_recall_fscore_support(
        gold_intents, predicted_intents, labels=labels, zero_division=0
    )
    accuracy = sum(g == p for g, p in zip(gold_intents, predicted_intents, strict=False)) / len(examples)
    base_accuracy = sum(
        g.split("/")[0] == p.split("/")[0] for g, p in zip(gold_intents, predicted_intents, strict=False)
    ) / len(examples)
    macro_f1 = sum(f1) / len(f1)

    gold_spans: list[set[Span]] = [
        {(e["start"], e["end"], e["entity"]) for e in example.get("entities") or []} for example in examples
    ]
    predicted_spans: list[set[Span]] = [
        {(e["start"], e["end"], e["entity"]) for e in parse.get("entities") or []} for parse in parses
    ]
    entity_scores = span_scores(gold_spans, predicted_spans)

    errors = [
        {"text": t, "expected": g, "predicted": p}
        for t, g, p in zip(texts, gold_intents, predicted_intents, strict=False)
        if g != p
    ]
    lines = [
        "# NLU report",
        "",
        f"Model `{model.name}`, held-out set `tests/nlu/holdout.yml` ({len(examples)} messages, never used in"
        f" training), {dt.date.today().isoformat()}. Written by `make nlu-report`.",
        "",
        f"- **Intent accuracy (full names, `faq/*` included): {accuracy:.3f}**",
        f"- Intent accuracy with `faq/*` folded into `faq`: {base_accuracy:.3f}",
        f"- Macro F1 over {len(labels)} intents: {macro_f1:.3f}",
        "",
        "## Intents",
        "",
        "| intent | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=False):
        lines.append(f"| {label} | {p:.2f} | {r:.2f} | {f:.2f} | {s} |")
    lines += [
        "",
        "## Entities (exact span and type)",
        "",
        "| entity | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for entity, s in entity_scores.items():
        lines.append(
            f"| {entity} | {s['precision']:.2f} | {s['recall']:.2f} | {s['f1']:.2f} | {s['support']} |"
        )
    lines += [
        "",
        f"## Misclassified ({len(errors)})",
        "",
        "| message | expected | predicted |",
        "|---|---|---|",
    ]
    for error in errors:
        text = error["text"].replace("|", "/")
        lines.append(f"| {text} | {error['expected']} | {error['predicted']} |")
    conversations = run_conversations()
    headline, section = conversation_lines(conversations)
    # The whole-conversation figure goes beside the per-message ones, at the top.
    lines.insert(lines.index("## Intents") - 1, headline)
    lines += section
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "accuracy": accuracy,
                "base_accuracy": base_accuracy,
                "macro_f1": macro_f1,
                "entities": entity_scores,
                "errors": errors,
                "conversation_success_rate": (
                    sum(1 for r in conversations if r["passed"]) / len(conversations)
                    if conversations
                    else 0.0
                ),
            },
            indent=2,
        )
    )
    print(
        f"intent accuracy {accuracy:.3f} (faq folded {base_accuracy:.3f}); "
        f"conversations {sum(1 for r in conversations if r['passed'])}/{len(conversations)}; "
        f"report in {REPORT.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
