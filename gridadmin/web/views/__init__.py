"""One small module of views per kind of record."""
