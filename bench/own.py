"""``python -m bench.own [bench.eval options]``: the answer benchmark on a question set of our own.

    python -m bench.own [--split tune|check] [--distractors JSONL.gz] [--unanswerable N] ...

The dev set is what every answer rule was chosen on; a hidden set of the same
kind judges them. This is a second check no rule was chosen on: 70 news-quiz
questions written for this project (2026-12-02, by a session that had not seen
the bot's code) about 70 articles of ``../shared/bench/news-1k`` published in
2022-2023, four choices each, in the dev set's format and mix (38 entity, 14
location, 11 quantity, 5 person, 2 time; 69 answers stated in their article),
with 130 more news-1k articles of the same years as distractors.
``bench/own_set.json`` holds the questions and the article ids, no article
text: the articles are written from news-1k into
``bench/cache/own-articles/`` (the dev set's file format) and the questions
into ``bench/cache/own_questions.jsonl``, then ``bench.eval`` runs on them
with the options given (results: ``bench/results/eval-product-extractive-own*.json``).

Of the 70, the odd-numbered ones were read for error analysis when the rules of
2026-12-02 were written (which kinds of question fail: "Jan. 23", "what will it
be called?", "which city's airport"); the even-numbered ones were not.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from bench.common import CACHE, SHARED

SET = Path(__file__).with_name("own_set.json")
FEED = SHARED / "bench" / "news-1k.jsonl.gz"


def materialize(target: Path = CACHE) -> tuple[Path, Path]:
    """Write the set's articles (from news-1k) and questions where ``bench.eval`` reads them; returns both paths."""
    data = json.loads(SET.read_text(encoding="utf-8"))
    wanted = set(data["distractors"]) | {e["article_id"] for q in data["questions"] for e in q["evidence"]}
    with gzip.open(FEED, "rt", encoding="utf-8") as feed:
        rows = {row["id"]: row for row in map(json.loads, feed) if row["id"] in wanted}
    missing = wanted - rows.keys()
    if missing:
        raise SystemExit(f"error: {FEED}: {len(missing)} articles of {SET.name} are missing (e.g. {min(missing)}); "
                         "the set needs the news-1k feed it was written for")
    articles = target / "own-articles"
    articles.mkdir(parents=True, exist_ok=True)
    for article_id, row in rows.items():
        header = [f"title: {row['title']}", f"source: {row['source']}", f"author: {row['author'] or 'unknown'}",
                  f"published: {row['published'] or 'unknown'}", f"url: {row['url'] or 'unknown'}"]
        (articles / f"{article_id}.txt").write_text("\n".join(header) + "\n\n" + row["body"], encoding="utf-8")
    questions = target / "own_questions.jsonl"
    with questions.open("w", encoding="utf-8") as out:
        for question in data["questions"]:
            evidence = [{"article_file": f"{e['article_id']}.txt"} for e in question["evidence"]]
            out.write(json.dumps({**question, "evidence": evidence}, ensure_ascii=False) + "\n")
    return articles, questions


def main(argv: list[str] | None = None) -> int:
    from bench import eval as bench_eval

    argv = list(sys.argv[1:] if argv is None else argv)
    articles, questions = materialize()
    return bench_eval.main(["--articles", str(articles), "--questions", str(questions), *argv])


if __name__ == "__main__":
    raise SystemExit(main())
