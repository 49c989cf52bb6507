"""The language model: read the LUIS JSON in `luis/`, recognise locally, publish to CLU.

`model` reads and checks a LUIS app export (bad file → `ModelError`, exit 2, naming file and
line); `recognizer` trains a small local intent classifier from it at start (no downloads);
`entities` extracts the closed-list, regex and number entities the model defines; `clu` imports
the same file into Conversational Language Understanding, trains, deploys and queries it.
Only `clu` needs a third-party package (aiohttp); nothing here imports it at package level.
"""
