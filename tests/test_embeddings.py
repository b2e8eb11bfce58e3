"""The embedding backends: torch, and ONNX Runtime over a local export (float32 and int8)."""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pytest

from bot.embeddings import OnnxEmbeddings, export_dir, export_onnx, load_embeddings
from bot.errors import ConfigError
from bot.settings import default_embedding_model

SENTENCES = [
    "The city council approved the new budget on Tuesday.",
    "Storms knocked out power to thousands of homes along the coast overnight, and crews expect repairs "
    "to take until the weekend because several substations were flooded.",
    "Shares fell.",
    "Scientists found a new species of frog in the rainforest of Ecuador.",
]


@pytest.fixture(scope="module")
def onnx_cache(model_cache):
    """The run's cache folder, holding both exports of the real model."""
    export_onnx(default_embedding_model(), model_cache, quantize=True)  # exports float32 first, then quantizes it
    return model_cache


def cosines(a: list[list[float]], b: list[list[float]]) -> np.ndarray:
    return (np.array(a) * np.array(b)).sum(axis=1)


@pytest.mark.slow
@pytest.mark.parametrize(("backend", "least"), [("onnx", 0.999), ("onnx-int8", 0.98)])
def test_onnx_vectors_agree_with_torch(onnx_cache, torch_embeddings, backend, least):
    embeddings = load_embeddings(default_embedding_model(), 64, backend, onnx_cache)
    vectors = embeddings.embed_documents(SENTENCES)
    assert cosines(vectors, torch_embeddings.embed_documents(SENTENCES)).min() > least
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert cosines([embeddings.embed_query(SENTENCES[0])], [torch_embeddings.embed_query(SENTENCES[0])])[0] > least


@pytest.mark.slow
def test_vectors_come_back_in_the_order_of_the_texts_when_lengths_differ(onnx_cache):
    model = default_embedding_model()
    embeddings = OnnxEmbeddings(model, export_onnx(model, onnx_cache), batch_size=2, max_length=256)
    together = embeddings.embed_documents(SENTENCES)  # sorted by length into two batches, then put back
    one_by_one = [embeddings.embed_query(text) for text in SENTENCES]
    assert cosines(together, one_by_one).min() > 0.9999
    assert embeddings.embed_documents([]) == []


@pytest.mark.slow
def test_a_second_load_reuses_the_export(onnx_cache):
    model = default_embedding_model()
    folder = export_dir(model, onnx_cache)
    before = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
    load_embeddings(model, 64, "onnx", onnx_cache)
    load_embeddings(model, 64, "onnx-int8", onnx_cache)
    after = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
    assert sorted(before) == ["model-int8.onnx", "model.onnx"]  # no temporary files left behind
    assert after == before


def test_changed_weights_get_a_new_export_folder(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    (model / "model.safetensors").write_bytes(b"old weights")
    first = export_dir(model, tmp_path / "cache")
    (model / "model.safetensors").write_bytes(b"new weights, longer")
    assert export_dir(model, tmp_path / "cache") != first
    assert first.parent == tmp_path / "cache"


def test_a_missing_onnxruntime_names_the_package_and_the_setting(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes `import onnxruntime` fail
    with pytest.raises(ConfigError, match=r"onnxruntime.*NEWSBOT_EMBEDDING_BACKEND=torch"):
        load_embeddings(default_embedding_model(), 64, "onnx-int8", tmp_path)
    assert not any(tmp_path.iterdir())  # refused before exporting anything


def test_an_unknown_backend_lists_the_choices(tmp_path):
    with pytest.raises(ConfigError, match=r"'tensorrt'.*torch, onnx, onnx-int8"):
        load_embeddings(default_embedding_model(), 64, "tensorrt", tmp_path)


def test_a_model_without_mean_pooling_is_refused_by_the_onnx_backends(tmp_path):
    model = tmp_path / "model"
    shutil.copytree(default_embedding_model(), model, ignore=shutil.ignore_patterns("model.safetensors"))
    (model / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    with pytest.raises(ConfigError, match="mean pooling only.*NEWSBOT_EMBEDDING_BACKEND=torch"):
        OnnxEmbeddings(model, tmp_path / "unused.onnx")


def test_a_pending_export_is_announced_before_it_happens(tmp_path):
    from bot.embeddings import export_pending
    from bot.settings import Settings

    fresh = Settings(embedding_cache_dir=tmp_path / "empty")
    assert export_pending(fresh)
    assert not export_pending(Settings(embedding_cache_dir=tmp_path / "empty", embedding_backend="torch"))
    folder = export_dir(default_embedding_model(), tmp_path / "empty")
    folder.mkdir(parents=True)
    (folder / "model-int8.onnx").write_bytes(b"exported")
    assert not export_pending(fresh)


# --- where the model runs (GPU logic, checked here on the CPU) -----------------------------------


def test_auto_takes_a_gpu_when_torch_sees_one_and_the_cpu_otherwise():
    from bot.embeddings import resolve_device

    assert resolve_device("auto", lambda device: device == "cuda") == "cuda"
    assert resolve_device("auto", lambda device: device == "mps") == "mps"
    assert resolve_device("auto", lambda device: False) == "cpu"
    assert resolve_device("cpu", lambda device: True) == "cpu"
    assert resolve_device("auto") == "cpu"  # this machine: the CPU build of torch, for real


def test_a_gpu_asked_for_by_name_that_torch_lacks_is_an_error_not_a_silent_cpu_run():
    from bot.embeddings import make_runtime, resolve_device

    with pytest.raises(ConfigError, match="NEWSBOT_DEVICE=cuda.*no CUDA"):
        resolve_device("cuda", lambda device: False)
    with pytest.raises(ConfigError, match="Unknown device 'tpu'"):
        resolve_device("tpu")
    with pytest.raises(ConfigError, match="NEWSBOT_DEVICE=cuda"):
        make_runtime("cuda")  # the real torch of this machine sees no GPU


def test_gpu_batches_grow_with_free_memory_as_powers_of_two_within_bounds():
    from bot.embeddings import MAX_GPU_BATCH, gpu_batch_size

    sizes = [gpu_batch_size(gib << 30) for gib in (0, 1, 4, 16, 80, 140)]
    assert sizes == sorted(sizes)
    assert sizes[0] == 32 and sizes[-1] == MAX_GPU_BATCH
    assert all(size & (size - 1) == 0 for size in sizes)
    assert gpu_batch_size(4 << 30) > gpu_batch_size(4 << 30, max_length=512)  # longer texts, smaller batches


def test_the_cpu_keeps_its_batch_size_and_threads_and_a_gpu_setting_wins_over_sizing():
    from bot.embeddings import Runtime, make_runtime, runtime_for
    from bot.settings import Settings

    assert make_runtime("cpu", 16, 0, 1) == Runtime("cpu", 16, 1)
    settings = Settings(device="cpu", embedding_batch_size=8, embedding_threads=2, gpu_batch_size=512)
    assert runtime_for(settings) == Runtime("cpu", 8, 2)  # gpu_batch_size is for GPUs only
    assert not Runtime("cpu").on_gpu and Runtime("cuda").on_gpu


def test_onnx_backends_use_onnxruntime_gpu_when_installed_and_torch_on_other_gpus():
    from bot.embeddings import gpu_engine

    assert gpu_engine("cpu", ["CUDAExecutionProvider", "CPUExecutionProvider"]) == "onnxruntime"
    assert gpu_engine("cuda", ["CUDAExecutionProvider", "CPUExecutionProvider"]) == "onnxruntime-cuda"
    assert gpu_engine("cuda", ["CPUExecutionProvider"]) == "torch"
    assert gpu_engine("mps", ["CoreMLExecutionProvider", "CPUExecutionProvider"]) == "torch"


@pytest.mark.slow
def test_embedding_threads_reach_onnx_runtime(onnx_cache):
    from bot.embeddings import Runtime

    embeddings = load_embeddings(default_embedding_model(), backend="onnx-int8", cache_dir=onnx_cache,
                                 runtime=Runtime("cpu", 16, 1))
    assert embeddings.session.get_session_options().intra_op_num_threads == 1
    assert embeddings.batch_size == 16


# --- the static backend (distilled locally, no hub) ----------------------------------------------


@pytest.fixture(scope="module")
def static_model(model_cache):
    from bot.embeddings import distill_static

    return distill_static(default_embedding_model(), model_cache)


@pytest.mark.slow
def test_the_static_model_is_distilled_from_the_installed_weights_once(static_model, model_cache):
    from bot.embeddings import STATIC_DIMS, StaticEmbeddings, distill_static, export_pending
    from bot.settings import Settings

    assert static_model.parent == export_dir(default_embedding_model(), model_cache)
    before = static_model.stat().st_mtime_ns
    assert distill_static(default_embedding_model(), model_cache) == static_model
    assert static_model.stat().st_mtime_ns == before
    assert not [p for p in static_model.parent.iterdir() if p.name.endswith(".tmp")]
    assert not export_pending(Settings(embedding_cache_dir=model_cache, embedding_backend="static"))
    embeddings = load_embeddings(default_embedding_model(), backend="static", cache_dir=model_cache)
    assert isinstance(embeddings, StaticEmbeddings)
    vectors = np.array(embeddings.embed_documents(SENTENCES))
    assert vectors.shape == (len(SENTENCES), STATIC_DIMS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embeddings.embed_documents([]) == []


@pytest.mark.slow
def test_static_vectors_still_rank_the_related_text_first(static_model, model_cache):
    from bot.embeddings import StaticEmbeddings

    embeddings = StaticEmbeddings(static_model)
    query = np.array(embeddings.embed_query("Which frog species did researchers discover in Ecuador?"))
    scores = np.array(embeddings.embed_documents(SENTENCES)) @ query
    assert int(scores.argmax()) == 3
    storm = np.array(embeddings.embed_query("power outages after the storm flooded substations"))
    assert int((np.array(embeddings.embed_documents(SENTENCES)) @ storm).argmax()) == 1


def test_a_store_refuses_vectors_of_another_length_with_the_fix(tmp_path):
    from bot.store import Indexed, open_store
    from bot.types import Article, Chunk

    store = open_store(tmp_path / "store", None, 8000, "news")
    body = "A short article body about the harbour."
    article = Article(article_id="a1", title="Harbour", body=body, source="Wire")
    chunk = Chunk(article_id="a1", index=0, start=0, end=len(body), text=body, n_tokens=8)
    store.write([Indexed(article, "h1", [chunk], [[1.0] + [0.0] * 383])], origin="test")
    other = Article(article_id="a2", title="Other", body=body, source="Wire")
    with pytest.raises(ConfigError, match="vectors of 384 numbers.*gives 256.*NEWSBOT_EMBEDDING_BACKEND"):
        store.write([Indexed(other, "h2", [chunk], [[1.0] + [0.0] * 255])], origin="test")
    with pytest.raises(ConfigError, match="another --store or --collection"):
        store.nearest([1.0] + [0.0] * 255, 3)
    assert len(store.nearest([1.0] + [0.0] * 383, 3)) == 1  # vectors of the store's own length still search
    assert list(store.all_records()) == ["a1"]  # the refused write left nothing
