"""Domain services: plain functions over models, no request objects."""
