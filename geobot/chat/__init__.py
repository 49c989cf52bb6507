"""Talking to a deployed bot the way a channel does: the activity protocol over HTTP(S)."""
