"""Calibrate the refusal gate (``bot/gate.py``) on the dev questions.

Each dev question is asked of the dev articles twice, as of its quiz date: once
with everything (it should be answered) and once with its gold articles
excluded from the search (the answer is not there: it should be refused). For
both, the gate's four features are computed (support, coverage, fused,
margin). Then

1. a logistic model of the features is fitted (numpy, L2) on the *tune* two
   thirds of the questions (ids not divisible by 3) and its weights printed,
   with the threshold that keeps 97.5 % of the tune questions answered;
2. the gate as the product has it now (``bot.gate.WEIGHTS``, ``BIAS``) is swept
   over thresholds on the tune and the *check* third, and, for comparison, the
   support score alone (the gate before);
3. the product's whole decision (``bot.gate.answers``: the threshold, and
   ``UNTYPED_MIN`` for a factoid question whose passages hold no short answer
   of its kind) is reported per split and corpus;
4. everything goes to bench/results/calibration.json.

    python -m bench.calibrate [--articles DIR] [--questions FILE] [--distractors FEED ...]

``--distractors``: the questions are also asked of the dev articles plus each feed (the gold articles
withheld all the same), the fit pools every corpus, and the sweep is reported per corpus.

What it leaves out: answer correctness (see bench.eval); it only sets the gate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bench.common import EVAL, RESULTS, article_ids_by_file, cached_store, feed_name, load_questions, offline
from bot.settings import Settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from bot.extractive import ExtractiveAnswerer
    from bot.store import Store

TARGET_ANSWER_RATE = 0.975


def fit(positives: np.ndarray, negatives: np.ndarray, l2: float = 0.05) -> tuple[np.ndarray, float]:
    """Logistic regression weights and bias on the raw features (standardised inside, undone after)."""
    x = np.vstack([positives, negatives])
    y = np.array([1.0] * len(positives) + [0.0] * len(negatives))
    mean, spread = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / spread
    weights, bias = np.zeros(x.shape[1]), 0.0
    for _ in range(5000):
        p = 1 / (1 + np.exp(-(z @ weights + bias)))
        weights -= 0.5 * (z.T @ (p - y) / len(y) + l2 * weights)
        bias -= 0.5 * float((p - y).mean())
    return weights / spread, bias - float((weights * mean / spread).sum())


def sweep(answerable: np.ndarray, unanswerable: np.ndarray, thresholds: list[float]) -> list[dict]:
    return [{"threshold": round(t, 3), "refusal_recall": round(float((unanswerable < t).mean()), 3),
             "answer_rate": round(float((answerable >= t).mean()), 3)} for t in thresholds]


def feature_rows(questions: list[dict], ids: dict[str, str], store: Store, corpus: str, embeddings: Embeddings,
                 extractive: ExtractiveAnswerer, settings: Settings) -> list[dict]:
    """Per question, the gate's features with its articles ("answerable") and with its gold articles excluded
    from the search ("unanswerable")."""
    from bot import gate
    from bot.retrieve import Filters, Retriever

    retriever = Retriever.from_settings(store, embeddings, settings)
    rows = []
    for question in questions:
        gold = [ids[e["article_file"]] for e in question["evidence"] if e["article_file"] in ids]
        as_of = dt.date.fromisoformat(question["question_date"])
        text = question["question"]
        found = {}
        for name, filters in (("answerable", None), ("unanswerable", Filters(exclude_articles=gold))):
            passages = retriever.search(text, filters=filters, as_of=as_of)
            sentences = extractive.sentences(text, passages)
            found[name] = gate.features(text, sentences, passages).as_tuple()
            reading = extractive.read(text, passages, sentences)
            found[f"{name}_typed"], found["kind"] = reading.choice is not None, reading.expected.kind
        rows.append({"id": question["id"], "corpus": corpus,
                     "check": int(question["id"].rsplit("-", 1)[-1]) % 3 == 0, **found})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.calibrate")
    parser.add_argument("--articles", type=Path, default=EVAL / "articles")
    parser.add_argument("--questions", type=Path, default=EVAL / "dev_questions.jsonl")
    parser.add_argument("--distractors", type=Path, action="append", default=[],
                        help="a JSONL(.gz) news feed: the questions are also asked of the dev articles plus it, "
                             "and the fit learns from both corpora (repeatable)")
    args = parser.parse_args(argv)
    offline()
    from bot import gate
    from bot.embeddings import embeddings_for
    from bot.extractive import ExtractiveAnswerer

    settings = Settings()
    embeddings = embeddings_for(settings)
    extractive = ExtractiveAnswerer(embeddings)
    ids = article_ids_by_file(args.articles)
    questions = load_questions(args.questions)
    corpora = [("eval", [args.articles])] + [(f"eval+{feed_name(path)}", [args.articles, path])
                                             for path in args.distractors]
    rows = [row for label, paths in corpora
            for row in feature_rows(questions, ids, cached_store(paths, label, settings)[0], label, embeddings,
                                    extractive, settings)]
    split = {name: [r for r in rows if r["check"] == (name == "check")] for name in ("tune", "check")}

    def matrix(part: str, kind: str, corpus: str | None = None) -> np.ndarray:
        return np.array([r[kind] for r in split[part] if corpus in (None, r["corpus"])])

    weights, bias = fit(matrix("tune", "answerable"), matrix("tune", "unanswerable"))

    def probabilities(features: np.ndarray, w: np.ndarray | tuple, b: float) -> np.ndarray:
        return 1 / (1 + np.exp(-(features @ np.asarray(w) + b)))

    tune_p = probabilities(matrix("tune", "answerable"), weights, bias)
    threshold = float(np.quantile(tune_p, 1 - TARGET_ANSWER_RATE))
    print("fitted on the tune split: weights (support, coverage, fused, margin) "
          f"{tuple(round(float(w), 4) for w in weights)}, bias {bias:.4f}; threshold for {TARGET_ANSWER_RATE:.1%} "
          f"answered {threshold:.3f}")
    result = {"questions": len(rows), "fitted": {"weights": [float(w) for w in weights], "bias": bias,
                                                 "threshold": threshold}, "product": {}}
    thresholds = [t / 100 for t in range(10, 91, 5)]
    for label, w, b in (("product gate", gate.WEIGHTS, gate.BIAS), ("fitted now", weights, bias)):
        for part in ("tune", "check"):
            rows_at = sweep(probabilities(matrix(part, "answerable"), w, b),
                            probabilities(matrix(part, "unanswerable"), w, b), thresholds)
            result["product" if label == "product gate" else "fitted_now"] = {
                **result.get("product" if label == "product gate" else "fitted_now", {}), part: rows_at}
            for corpus, _ in corpora if len(corpora) > 1 else [(None, None)]:
                at = min(sweep(probabilities(matrix(part, "answerable", corpus), w, b),
                               probabilities(matrix(part, "unanswerable", corpus), w, b), thresholds),
                         key=lambda r: abs(r["threshold"] - settings.min_score))
                print(f"{label:<13} {part:<5} {corpus or '':<14} at min_score {settings.min_score:.2f}: "
                      f"refusal_recall {at['refusal_recall']:.3f}, answer_rate {at['answer_rate']:.3f}")
    for part in ("tune", "check"):  # the whole decision: the threshold, and gate.UNTYPED_MIN for factoid questions
        for corpus, _ in corpora:
            chosen = [r for r in split[part] if r["corpus"] == corpus]

            def answered(row: dict, kind: str) -> bool:
                likely = float(probabilities(np.array([row[kind]]), gate.WEIGHTS, gate.BIAS)[0])
                return gate.answers(likely, settings.min_score, row["kind"], row[f"{kind}_typed"])

            recall = float(np.mean([not answered(r, "unanswerable") for r in chosen]))
            rate = float(np.mean([answered(r, "answerable") for r in chosen]))
            result.setdefault("decision", {}).setdefault(part, {})[corpus] = {"refusal_recall": round(recall, 3),
                                                                               "answer_rate": round(rate, 3)}
            print(f"product gate and untyped rule, {part:<5} {corpus:<14}: refusal_recall {recall:.3f}, "
                  f"answer_rate {rate:.3f}")
    for part in ("tune", "check"):
        support = sweep(matrix(part, "answerable")[:, 0], matrix(part, "unanswerable")[:, 0], [0.36, 0.40, 0.44])
        result.setdefault("support_alone", {})[part] = support
        print(f"support score alone (the gate before), {part}: " + ", ".join(
            f"{r['threshold']:.2f}: {r['refusal_recall']:.3f} / {r['answer_rate']:.3f}" for r in support))
    print(f"{'threshold':>9} {'tune recall':>12} {'tune answered':>14} {'check recall':>13} {'check answered':>15}")
    for tune_row, check_row in zip(result["product"]["tune"], result["product"]["check"]):
        print(f"{tune_row['threshold']:>9.2f} {tune_row['refusal_recall']:>12.3f} {tune_row['answer_rate']:>14.3f} "
              f"{check_row['refusal_recall']:>13.3f} {check_row['answer_rate']:>15.3f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "calibration.json").write_text(json.dumps({**result, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
