"""Where conversations are kept: endpoint switching, the erasable SQL tracker store, retention."""
