"""spaCy pipelines built inside the project (pretrained ones cannot be downloaded here)."""
