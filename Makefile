# Two commands: `make run` (install, then start the bot) and `make test` (install, then the whole suite).
# `make run` installs what `python app.py` needs (the extractive default); `make run LLM=llamacpp` adds the
# local-model extra (llama-cpp-python compiles, ~15 min on 2 cores) and `make run LLM=openai` LangChain's
# OpenAI client. `make test` installs everything.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
LLM    ?=
EXTRA_llamacpp := local
EXTRA_openai   := openai

.PHONY: install install-all run test lint

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e .
	touch $@

install-all: $(VENV)/.installed-all

$(VENV)/.installed-all: $(VENV)/.installed
	$(PIP) install -q -e '.[local,openai,dev]'
	touch $@

run: install  # opens the chat on http://127.0.0.1:7860 (ingests samples/ on first start)
	$(if $(EXTRA_$(LLM)),$(PIP) install -q -e '.[$(EXTRA_$(LLM))]')
	$(PY) app.py $(if $(LLM),--llm $(LLM))

test: install-all
	$(PY) -m pytest

lint: install-all
	$(VENV)/bin/ruff check .
