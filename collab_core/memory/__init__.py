"""The memory index and retrieval: embedders, the Mem0 index (the only mem0 importer), the tokeniser, query understanding and hybrid search."""
