"""The language model: read the LUIS JSON in `luis/`, recognise locally, publish to CLU.

`model` reads and checks a LUIS app export (bad file → `ModelError`, exit 2, naming file and
line); `recognizer` trains a small local intent classifier from it at start (no downloads);
`entities` extracts the closed-list, regex and number entities the model defines; `clu` imports
the same file into Conversational Language Understanding, trains, deploys and queries it, with
a key or a Microsoft Entra token; `publish` does that in every region of a deployment at once.
Only `clu` needs a third-party package (aiohttp, and azure-core with a token); nothing here
imports them at package level.
"""
