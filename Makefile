# Two commands: `make run` (install, then start the bot) and `make test` (install, then the whole suite).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: install run test lint

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[local,openai,dev]'
	touch $@

run: install  # opens the chat on http://127.0.0.1:7860 (ingests samples/ on first start)
	$(PY) app.py

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
