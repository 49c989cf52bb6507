"""The language model: the user's LUIS or CLU JSON ([bot] model), recognised locally, converted, published.

`model` reads and checks a LUIS app export (4.x-7.x, `luis_json`) or a CLU project export
(`clu_export`) into one `LuisModel` (a bad file → `ModelError`, exit 2, naming the file and
every problem with its line); `fit` says whether a target can take it and what it drops;
`recognizer` trains a small local intent classifier from it at start (no downloads), with
`entities` extracting its list, regex, number and learned entities, and `evaluate`
cross-validates it (`geobot nlu test`); `upgrade` turns LUIS 4.x-6.x into the 7.0.0 CLU
imports and `lexv2` turns a model into Lex V2 intents and slots; `clu` imports, trains,
deploys and queries it in Conversational Language Understanding, with a key or a Microsoft
Entra token; `publish` does that in every region of a deployment at once. Only `clu` needs a
third-party package (aiohttp, and azure-core with a token); nothing here imports them at
package level.
"""
