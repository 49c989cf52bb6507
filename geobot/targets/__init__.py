"""Targets supply stages; the pipeline runs them. One subpackage per target, loaded lazily."""
