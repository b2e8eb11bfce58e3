"""``python -m bench.eval``: how well the bot retrieves, quotes and refuses on the dev questions.

    python -m bench.eval [--articles DIR] [--questions FILE] [--distractors JSONL.gz]
                         [--unanswerable N] [--llm NAME] [--k K] [--pipeline product|naive]
                         [--json] [--limit N] [--split tune|check] [--typos] [--label L]

The articles (plus the distractor feed, if given) are ingested with the
product's ingest into a store cached by corpus hash (bench/cache). Each question
is then asked through the product's own path, ``NewsBot.ask``, with its
``question_date`` as the as-of date; ``--pipeline naive`` runs the pipeline a
user would build from LangChain's docs instead (bench/naive.py; retrieval only).

Retrieval is scored at article level: the top 10 passages of ``NewsBot.prepare``
(or of the naive similarity search), reduced to their articles in order of first
appearance, against the question's gold articles (``evidence[].article_file``):
hits@1/5/10 and MRR@10. Among thousands of distractors another outlet's
report of the same story may rank first: ``answer_article@1`` counts a first
article that is gold or whose body holds the gold answer (lenient match).

``--unanswerable N``: N questions (a fixed seed) get their gold articles excluded
from the store query (``Filters(exclude_articles=...)``). For retrieval that is
the same as deleting them from the corpus, without rebuilding the store; those
questions should be refused. Their retrieval metrics still use the full corpus.

Answers: ``quotes_verbatim`` (share of citation quotes found character for
character in their article's file, or feed body: must be 1.0),
``quote_has_answer`` / ``top_quote_has_answer`` (normalized gold answer in any /
the first quote, over answerable questions, a refusal counting as a miss),
``quote_has_answer_lenient`` (the same, forgiving possessives, demonyms, number
words, "a 12-year-old" for "12", and holding a gold answer that names several things, "Russia and China",
when one quote holds each: bench/metrics.py), ``mc_accuracy`` (which of
the quiz's four choices the answer text and quotes support best: the share of
each choice's words they hold, ties told apart by the answer text alone, then
split, none found = wrong; the paper's
figures are printed beside it), ``answer_em`` / ``answer_f1`` (the short
answer, else the answer text, against the gold answer), ``refusal_recall``
(unanswerable refused), ``withheld_refused_or_right`` (a withheld question
refused, or answered with the right choice from another outlet's report of the
same story: among thousands of articles, withholding one rarely makes a
question unanswerable), ``answer_rate`` (answerable answered).

``--typos``: every question is asked with one word misspelled (``misspell``: its longest word of six
letters or more, a name first; one edit of a kind picked by a fixed seed: two neighbours swapped, a letter
dropped, doubled or replaced), as people type. Latency: ``latency_*`` times each
``ask`` call (the naive pipeline: its search), ``retrieval_*`` the ranking
retrieval alone (``prepare`` with k=10, or the naive search), so the two
pipelines compare like for like.

Prints a table (``--json``: then one JSON summary as the last line) and writes
bench/results/eval-<label>.json with the config, the machine and one row per
question for error analysis (by question id: the question and answer texts stay
in ../shared, whose license keeps them out of the repository; the rows do hold
the bot's answer and quotes, short excerpts of the articles). It is a benchmark:
it never fails on a number.

What it leaves out: follow-up questions (each question is asked without
history), and judging answers beyond string and word matches.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

from bench import metrics
from bench.common import (
    EVAL,
    RESULTS,
    article_ids_by_file,
    cached_store,
    feed_name,
    load_questions,
    machine,
    offline,
    store_folder,
)
from bot.errors import ConfigError, NewsBotError
from bot.llm import BACKENDS
from bot.settings import Settings, load_settings

UNANSWERABLE_SEED = 20240617
RANK_DEPTH = 10  # passages retrieved for the article ranking (hits@10, MRR@10)
DATASET_TEXT = ("question", "gold_answer", "choices", "typo")
TYPO_SEED = 7
#: The RealTime QA paper's own systems on these 122 dev questions (Kasai et al., NeurIPS 2023): multiple-choice
#: accuracy and open-answer EM / F1 (SQuAD-normalised, as ``metrics.exact_match`` / ``f1``), scored from their
#: weekly predictions (github.com/realtimeqa/realtimeqa_public, baseline_results/<year>/<week>_qa_open_*_gcs[_gen]
#: .jsonl at commit bc15fba7, matched by question id), for comparison.
PAPER = {
    "GPT-3 + Google search (MC)": 0.861, "RAG + Google search (MC)": 0.623,
    "GPT-3 + Google search (open EM)": 0.533, "GPT-3 + Google search (open F1)": 0.642,
    "RAG + Google search (open EM)": 0.328, "RAG + Google search (open F1)": 0.397,
}  # left out of the results file: the dev set stays in ../shared


def default_label(args: argparse.Namespace) -> str:
    corpus = args.questions.stem.split("_")[0]
    if args.distractors:
        corpus += f"+{feed_name(args.distractors)}"
    parts = [args.pipeline] + ([args.llm] if args.pipeline == "product" else []) + [corpus]
    if args.unanswerable:
        parts.append(f"unanswerable{args.unanswerable}")
    if args.limit:
        parts.append(f"limit{args.limit}")
    if args.split:
        parts.append(args.split)
    if args.typos:
        parts.append("typos")
    return "-".join(parts)


def article_texts(articles: Path, distractors: Path | None) -> dict[str, str]:
    """article id -> the text its quotes must be found in: the article's file, or its feed line's body."""
    texts = {article_id: (articles / name).read_text(encoding="utf-8")
             for name, article_id in article_ids_by_file(articles).items()}
    if distractors:
        from ingest.sources import read_origin

        texts.update({a.article_id: a.body for a in read_origin(distractors, 5_000_000, 500_000_000).articles})
    return texts


def misspell(question: str, rng: random.Random) -> tuple[str, str]:
    """``question`` with one typo (see the module's docstring), and "word->typo" ('' when no word is long enough)."""
    words = list(re.finditer(r"[A-Za-z]{6,}", question))
    if not words:
        return question, ""
    match = max(words, key=lambda m: (m.group()[0].isupper(), len(m.group()), m.start()))
    word, at = match.group(), rng.randrange(1, len(match.group()) - 2)
    kind = rng.choice(["swap", "drop", "double", "replace"])
    if kind == "swap":
        typo = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    elif kind == "drop":
        typo = word[:at] + word[at + 1 :]
    elif kind == "double":
        typo = word[:at] + word[at] + word[at:]
    else:
        typo = word[:at] + rng.choice("aeiourstn") + word[at + 1 :]
    return question[: match.start()] + typo + question[match.end() :], f"{word}->{typo}"


def question_rows(questions: list[dict], ids: dict[str, str], unanswerable: set[str]) -> list[dict[str, Any]]:
    """One row per question with what is known before asking: gold ids and whether they are withheld."""
    rows = []
    for question in questions:
        files = [e["article_file"] for e in question["evidence"]]
        missing = [name for name in files if name not in ids]
        if missing:
            raise ConfigError(f"{question['id']}: gold article {missing[0]} is not in the articles folder; "
                              "pass the --articles folder that goes with --questions")
        rows.append({
            "id": question["id"], "question": question["question"], "gold_answer": question["answer"],
            "choices": question.get("choices") or [], "answer_index": question.get("answer_index"),
            "answer_in_article": question.get("answer_in_article"), "question_date": question["question_date"],
            "gold_files": files, "gold": list(dict.fromkeys(ids[name] for name in files)),
            "unanswerable": question["id"] in unanswerable,
        })
    return rows


# --- the two pipelines ---------------------------------------------------------------
def run_product(rows: list[dict], paths: list[Path], store_label: str, settings: Settings,
                texts: dict[str, str]) -> dict[str, Any]:
    """Ask every question through NewsBot; fills the rows in place and returns the store record."""
    from bot.chain import build_bot
    from bot.retrieve import Filters

    store, built_seconds = cached_store(paths, store_label, settings)
    bot = build_bot(settings, store)
    for number, row in enumerate(rows, 1):
        as_of = dt.date.fromisoformat(row["question_date"])
        started = time.perf_counter()
        prepared = bot.prepare(row["question"], as_of=as_of, k=RANK_DEPTH)
        row["retrieval_seconds"] = time.perf_counter() - started
        row["ranked"] = metrics.first_appearances(p.article_id for p in prepared.passages)
        filters = Filters(exclude_articles=row["gold"]) if row["unanswerable"] else None
        started = time.perf_counter()
        answer = bot.ask(row["question"], filters=filters, as_of=as_of, k=settings.k)
        row["seconds"] = time.perf_counter() - started
        row["refused"] = answer.refused
        row["answer"] = answer.text
        row["short"] = answer.short.text if answer.short else None
        row["quotes"] = [
            {"article_id": c.article_id, "quote": c.quote,
             "verbatim": metrics.is_verbatim(c.quote, texts.get(c.article_id, ""))}
            for c in answer.citations
        ]
        row["top_quote"] = row["quotes"][0]["quote"] if row["quotes"] else None
        progress(number, len(rows))
    recorded = json.loads((store_folder(paths, store_label, settings) / "built.json").read_text())
    return {"folder": store_folder(paths, store_label, settings).name, "cached": built_seconds == 0.0,
            "build_seconds": round(recorded.get("build_seconds", built_seconds), 3),
            "articles": store.count_articles(), "chunks": store.count_chunks()}


def run_naive(rows: list[dict], paths: list[Path], settings: Settings) -> dict[str, Any]:
    """Search every question with the naive LangChain pipeline; fills the rows in place."""
    from bench.naive import cached_naive

    pipeline, record = cached_naive(paths, settings)
    for number, row in enumerate(rows, 1):
        started = time.perf_counter()
        row["ranked"] = pipeline.ranked(row["question"], k=RANK_DEPTH)
        row["seconds"] = row["retrieval_seconds"] = time.perf_counter() - started
        row.update(refused=None, answer=None, quotes=[], top_quote=None)
        progress(number, len(rows))
    return record


def progress(done: int, total: int) -> None:
    if done % 25 == 0 or done == total:
        print(f"  {done}/{total} questions", file=sys.stderr, flush=True)


# --- scoring ---------------------------------------------------------------------------
def score(rows: list[dict[str, Any]], answers: bool, model: bool) -> dict[str, float | int | None]:
    """The summary metrics of filled-in rows (``answers``: the pipeline answers; ``model``: not extractive)."""
    answerable = [row for row in rows if not row["unanswerable"]]
    withheld = [row for row in rows if row["unanswerable"]]
    result: dict[str, float | int | None] = {
        "questions": len(rows), "answerable": len(answerable), "unanswerable": len(withheld),
        "hits@1": metrics.mean(metrics.hit_at(r["ranked"], r["gold"], 1) for r in rows),
        "hits@5": metrics.mean(metrics.hit_at(r["ranked"], r["gold"], 5) for r in rows),
        "hits@10": metrics.mean(metrics.hit_at(r["ranked"], r["gold"], 10) for r in rows),
        "mrr@10": metrics.mean(metrics.reciprocal_rank(r["ranked"], r["gold"], 10) for r in rows),
        "answer_article@1": metrics.mean(r["top_article_answers"] for r in rows),
    }
    quotes = [quote for row in rows for quote in row["quotes"]]
    in_article = [row for row in answerable if row["answer_in_article"]]
    result.update({
        "citations": len(quotes) if answers else None,
        "quotes_verbatim": metrics.mean(q["verbatim"] for q in quotes) if answers else None,
        "quote_has_answer": _share(answerable, _any_quote_has_answer) if answers else None,
        "quote_has_answer_when_in_article": _share(in_article, _any_quote_has_answer) if answers else None,
        "top_quote_has_answer": _share(answerable, _top_quote_has_answer) if answers else None,
        "quote_has_answer_lenient": _share(answerable, _any_quote_has_answer_lenient) if answers else None,
        "mc_accuracy": metrics.mean(_mc(row) for row in answerable if row["choices"]) if answers else None,
        "short_answers": _share(answerable, lambda row: bool(row.get("short"))) if answers else None,
        "answer_em": _mean_over(answerable, metrics.exact_match) if answers else None,
        "answer_f1": _mean_over(answerable, metrics.f1) if answers else None,
        "refusal_recall": metrics.refusal_recall([r["refused"] for r in withheld]) if answers else None,
        "withheld_refused_or_right": metrics.mean(
            float(r["refused"] or _mc(r) == 1.0) for r in withheld if r["choices"]) if answers else None,
        "answer_rate": metrics.answer_rate([r["refused"] for r in answerable]) if answers else None,
        "latency_p50_s": metrics.percentile([r["seconds"] for r in rows], 50),
        "latency_p95_s": metrics.percentile([r["seconds"] for r in rows], 95),
        "retrieval_p50_s": metrics.percentile([r["retrieval_seconds"] for r in rows], 50),
        "retrieval_p95_s": metrics.percentile([r["retrieval_seconds"] for r in rows], 95),
    })
    return result


def _any_quote_has_answer(row: dict[str, Any]) -> bool:
    return any(metrics.contains_answer(q["quote"], row["gold_answer"]) for q in row["quotes"])


def _any_quote_has_answer_lenient(row: dict[str, Any]) -> bool:
    return any(metrics.contains_answer_lenient(q["quote"], row["gold_answer"]) for q in row["quotes"])


def _mc(row: dict[str, Any]) -> float:
    """The multiple-choice credit of the answer (its text and quotes); a refusal supports no choice."""
    if row["refused"] or row["answer_index"] is None:
        return 0.0
    quotes = " ".join(q["quote"] for q in row["quotes"])
    return metrics.mc_credit(row.get("answer") or "", row["choices"], row["answer_index"], evidence=quotes)


def _top_quote_has_answer(row: dict[str, Any]) -> bool:
    return bool(row["top_quote"]) and metrics.contains_answer(row["top_quote"], row["gold_answer"])


def _share(rows: list[dict[str, Any]], test: Any) -> float | None:
    return metrics.mean(float(test(row)) for row in rows)


def _mean_over(rows: list[dict[str, Any]], compare: Any) -> float | None:
    """The short answer (else the answer text) against the gold answer; a refusal is the empty answer."""
    return metrics.mean(
        float(compare("" if row["refused"] else (row.get("short") or metrics.strip_markers(row["answer"])),
                      row["gold_answer"]))
        for row in rows
    )


# --- output ----------------------------------------------------------------------------
def print_table(result: dict[str, Any]) -> None:
    config, store = result["config"], result["store"]
    answering = f", llm {config['llm']}, k {config['k']}" if config["llm"] else " (retrieval only)"
    print(f"pipeline {config['pipeline']}{answering}, corpus {config['corpus']}, "
          f"{result['metrics']['questions']} questions; label {config['label']}")
    print(f"store {store['folder']} ({'cached' if store['cached'] else 'built now'}, "
          f"build {store['build_seconds']:.1f} s); wall {result['wall_seconds']:.1f} s on "
          f"{result['machine']['cpu_count']} CPUs, load {result['machine']['load_average'][0]}")
    if config["unanswerable"]:
        print(f"{config['unanswerable']} questions made unanswerable by excluding their gold articles "
              "in the store query (same as removing them for retrieval)")
    width = max(len(name) for name in result["metrics"])
    print(f"{'metric':<{width}}  value")
    for name, value in result["metrics"].items():
        shown = "-" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))
        print(f"{name:<{width}}  {shown}")
    print("for comparison, the RealTime QA paper on its dev questions: " +
          ", ".join(f"{name} {value:.3f}" for name, value in PAPER.items()))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="python -m bench.eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=Path, default=EVAL / "articles", help="folder of article files")
    parser.add_argument("--questions", type=Path, default=EVAL / "dev_questions.jsonl", help="questions JSONL")
    parser.add_argument("--distractors", type=Path, help="a JSONL(.gz) news feed added to the corpus")
    parser.add_argument("--unanswerable", type=int, default=0, metavar="N",
                        help="withhold the gold articles of N questions (fixed seed); they must be refused")
    parser.add_argument("--llm", choices=list(BACKENDS), default="extractive", help="answer backend (product only)")
    parser.add_argument("--k", type=int, default=defaults.k, help="passages per answer (default: Settings.k)")
    parser.add_argument("--pipeline", choices=["product", "naive"], default="product")
    parser.add_argument("--json", action="store_true", help="end with one JSON summary line")
    parser.add_argument("--limit", type=int, default=0, metavar="N", help="only the first N questions")
    parser.add_argument("--split", choices=["tune", "check"],
                        help="two thirds of the questions to tune methods on (ids not divisible by 3), or the third "
                             "kept aside to check them (ids divisible by 3)")
    parser.add_argument("--typos", action="store_true", help="ask every question with one word misspelled")
    parser.add_argument("--label", help="name of the results file (default from pipeline, llm and corpus)")
    args = parser.parse_args(argv)
    if args.pipeline == "naive" and args.unanswerable:
        parser.error("--unanswerable needs an answerer to refuse; the naive pipeline has none")
    if args.unanswerable < 0 or args.limit < 0:
        parser.error("--unanswerable and --limit take a number >= 0")
    args.label = args.label or default_label(args)
    return args


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    settings = load_settings(llm=args.llm, k=args.k)
    for path in [args.articles, args.questions] + ([args.distractors] if args.distractors else []):
        if not path.exists():
            raise ConfigError(f"{path} does not exist; check --articles, --questions and --distractors")
    questions = load_questions(args.questions)[: args.limit or None]
    if args.split:
        kept_aside = [int(q["id"].rsplit("-", 1)[-1]) % 3 == 0 for q in questions]
        questions = [q for q, aside in zip(questions, kept_aside) if aside == (args.split == "check")]
    if args.unanswerable > len(questions):
        raise ConfigError(f"--unanswerable {args.unanswerable} is more than the {len(questions)} questions asked")
    withheld = {q["id"] for q in random.Random(UNANSWERABLE_SEED).sample(questions, args.unanswerable)}
    rows = question_rows(questions, article_ids_by_file(args.articles), withheld)
    if args.typos:
        rng = random.Random(TYPO_SEED)
        for row in rows:
            row["question"], row["typo"] = misspell(row["question"], rng)
    paths = [args.articles] + ([args.distractors] if args.distractors else [])
    corpus = "eval" + (f"+{feed_name(args.distractors)}" if args.distractors else "")
    asking = time.perf_counter()
    texts = article_texts(args.articles, args.distractors)
    if args.pipeline == "product":
        store = run_product(rows, paths, corpus, settings, texts)
    else:
        store = run_naive(rows, paths, settings)
    asking = time.perf_counter() - asking
    for row in rows:
        row["gold_rank"] = metrics.gold_rank(row["ranked"], row["gold"], RANK_DEPTH)
        row["top_article_answers"] = metrics.first_article_answers(row["ranked"], row["gold"], row["gold_answer"],
                                                                   texts)
    product = args.pipeline == "product"
    summary = score(rows, answers=product, model=product and args.llm != "extractive")
    return {
        "config": {
            "pipeline": args.pipeline, "llm": args.llm if product else None, "k": args.k if product else None,
            "rank_depth": RANK_DEPTH, "corpus": corpus, "articles": str(args.articles),
            "questions": str(args.questions), "distractors": str(args.distractors) if args.distractors else None,
            "unanswerable": args.unanswerable, "unanswerable_seed": UNANSWERABLE_SEED,
            "unanswerable_method": "gold article ids excluded in the store query (Filters.exclude_articles)",
            "limit": args.limit or None, "split": args.split, "typos": args.typos, "label": args.label,
            "min_score": settings.min_score if product else None,
            "embedding_model": settings.embedding_model,
        },
        "machine": machine(), "store": store,
        "wall_seconds": round(time.perf_counter() - started, 2), "questions_seconds": round(asking, 2),
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "metrics": summary, "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    offline()
    try:
        result = run(args)
    except NewsBotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ConfigError) else 1
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"eval-{args.label}.json"
    rows = [{key: value for key, value in row.items() if key not in DATASET_TEXT} for row in result["rows"]]
    target.write_text(json.dumps({**result, "rows": rows}, indent=1, ensure_ascii=False), encoding="utf-8")
    print_table(result)
    print(f"wrote {target.relative_to(RESULTS.parents[1])}")
    if args.json:
        print(json.dumps({key: value for key, value in result.items() if key != "rows"}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
