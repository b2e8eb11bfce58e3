"""Settings: one name per backend (the registries and the settings agree), the flags every entry point shares."""

from __future__ import annotations

import argparse

import pytest

from bot import embeddings, llm
from bot.errors import ConfigError
from bot.settings import add_store_arguments, choices, load_settings


def test_the_backend_names_the_settings_allow_are_the_registries():
    assert choices("llm") == list(llm.BACKENDS)
    assert choices("embedding_backend") == list(embeddings.BACKENDS)
    assert choices("device") == list(embeddings.DEVICES)


def test_every_entry_point_takes_the_same_store_flags():
    parser = argparse.ArgumentParser()
    add_store_arguments(parser)
    args = parser.parse_args(["--store", "x/chroma", "--chroma-host", "h", "--chroma-port", "9", "--collection",
                              "c", "--llm", "extractive"])
    settings = load_settings(**vars(args))
    assert (str(settings.store_dir), settings.chroma_host, settings.chroma_port, settings.collection,
            settings.llm) == ("x/chroma", "h", 9, "c", "extractive")
    with pytest.raises(SystemExit):
        parser.parse_args(["--llm", "gpt-9"])
    bare = argparse.ArgumentParser()
    add_store_arguments(bare, llm=False)
    assert "llm" not in vars(bare.parse_args([]))


def test_a_bad_setting_names_the_field_and_the_fix(monkeypatch):
    monkeypatch.setenv("NEWSBOT_EMBEDDING_THREADS", "-1")
    with pytest.raises(ConfigError, match="embedding_threads.*NEWSBOT_"):
        load_settings()
