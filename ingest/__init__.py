"""Ingestion: files -> Article -> Chunk (with character offsets) -> vectors -> store.

Modules: ``sources`` finds and decodes inputs, ``parse`` turns each into an
Article, ``chunk`` splits bodies into token-bounded chunks, ``pipeline``
syncs the store (add, replace, prune), ``__main__`` is the command line.
"""
