"""Server mode end to end: ingest, ask and the UI against a real `chroma run` on 127.0.0.1.

When the server stops mid-session the user gets a clear error; once it is back,
the app answers again without being restarted itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT_DIR, SAMPLES, free_port, start_app, stop, wait_until_up

pytestmark = pytest.mark.slow


def _chroma(path, port):
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "chroma"), "run",
         "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_until_up(f"http://127.0.0.1:{port}/api/v2/heartbeat", process, 60)
    return process


def test_the_app_survives_its_chroma_server_going_away_and_coming_back(tmp_path):
    from gradio_client import Client

    port = free_port()
    server = _chroma(tmp_path / "chroma", port)
    app = None
    try:
        subprocess.run([sys.executable, "-m", "ingest", str(SAMPLES), "--chroma-host", "127.0.0.1",
                        "--chroma-port", str(port), "--store", str(tmp_path / "local")],
                       cwd=ROOT_DIR, check=True, capture_output=True, timeout=600)
        url, app = start_app(tmp_path / "local", "--chroma-host", "127.0.0.1", "--chroma-port", str(port))
        client = Client(url, verbose=False)
        question = ("Who called on Baku to unblock the Lachin Corridor?", [], "", 0)
        assert not json.loads(client.predict(*question, api_name="/ask"))["refused"]

        stop(server)
        with pytest.raises(Exception, match="check that it is running"):
            client.predict(*question, api_name="/ask")

        server = _chroma(tmp_path / "chroma", port)
        answer = json.loads(client.predict(*question, api_name="/ask"))
        assert not answer["refused"] and "Russia" in answer["citations"][0]["quote"]
    finally:
        if app is not None:
            stop(app)
        stop(server)
