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
