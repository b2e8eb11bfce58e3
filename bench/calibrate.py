"""Calibrate the refusal threshold (``min_score``) on the dev questions.

For each dev question the product retrieves twice from the dev articles: once
with everything (it should answer) and once with its gold articles excluded in
the store query (the answer is not there: it should refuse). The score is the
support score bot/chain.py refuses on (``support_score``: the best
passage sentence's blend of embedding similarity and question-word overlap). Prints,
for a sweep of thresholds, refusal_recall (unanswerable refused) and
answer_rate (answerable answered), picks the threshold with the best balanced
accuracy, and writes bench/results/calibration.json.

    python -m bench.calibrate [--articles DIR] [--questions FILE]

What it leaves out: answer correctness (see bench.eval); it only sets the gate.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.common import EVAL, RESULTS, article_ids_by_file, cached_store, load_questions, offline
from bot.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.calibrate")
    parser.add_argument("--articles", type=Path, default=EVAL / "articles")
    parser.add_argument("--questions", type=Path, default=EVAL / "dev_questions.jsonl")
    args = parser.parse_args(argv)
    offline()
    from bot.embeddings import embeddings_for
    from bot.retrieve import Filters, Retriever

    settings = Settings()
    store, _ = cached_store([args.articles], "eval", settings)
    from bot.chain import support_score
    from bot.extractive import ExtractiveAnswerer

    embeddings = embeddings_for(settings)
    retriever = Retriever.from_settings(store, embeddings, settings)
    extractive = ExtractiveAnswerer(embeddings)
    ids = article_ids_by_file(args.articles)
    answerable, unanswerable = [], []
    for question in load_questions(args.questions):
        gold = [ids[e["article_file"]] for e in question["evidence"] if e["article_file"] in ids]
        full = retriever.search(question["question"])
        without = retriever.search(question["question"], filters=Filters(exclude_articles=gold))
        answerable.append(support_score(extractive, question["question"], full))
        unanswerable.append(support_score(extractive, question["question"], without))
    rows = []
    for step in range(10, 81, 2):
        threshold = step / 100
        recall = sum(s < threshold for s in unanswerable) / len(unanswerable)
        rate = sum(s >= threshold for s in answerable) / len(answerable)
        rows.append({"threshold": threshold, "refusal_recall": round(recall, 3), "answer_rate": round(rate, 3)})
    best = max(rows, key=lambda r: (r["refusal_recall"] + r["answer_rate"], r["answer_rate"]))
    print(f"{'threshold':>9} {'refusal_recall':>15} {'answer_rate':>12}")
    for row in rows:
        mark = "  <- best balanced accuracy" if row is best else ""
        print(f"{row['threshold']:>9.2f} {row['refusal_recall']:>15.3f} {row['answer_rate']:>12.3f}{mark}")
    print(f"current min_score {settings.min_score:.2f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "calibration.json").write_text(
        json.dumps({"questions": len(answerable), "best": best, "sweep": rows,
                    "answerable_scores": answerable, "unanswerable_scores": unanswerable}, indent=1)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
