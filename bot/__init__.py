"""The news bot: shared types, settings, the store, retrieval and answering.

``bot`` never imports ``ingest`` or ``app``; they import it.
"""
