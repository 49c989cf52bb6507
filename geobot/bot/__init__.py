"""The bot host geobot deploys into every region (aiohttp + Microsoft 365 Agents SDK).

It serves the bot `[bot] app` names (`geobot.bot.appspec`; by default the sample booking bot
in `geobot.bot.agent`) through the contract in `geobot.bot.contract`. Run it with
`python -m geobot.bot --vault-url URL --region NAME [--app SPEC] --port N`; every other
setting comes from the vault (names in `geobot.bot.settings`). Routes:

    POST /api/messages                     the bot's: Bot Framework activities; JWT-checked unless anonymous.
                                           "deliveryMode": "expectReplies" → 200 {"activities": [...]}.
                                           503 {"component": ...} when a dependency is down (nothing
                                           was written: retrying elsewhere is safe).
    GET  /api/health                       deep check: 200/503 with one entry per component
    GET  /api/health/live                  liveness: 200 while the process serves
                                           (both carry "version": the code's, geobot.bot.version)
    GET  /.well-known/acme-challenge/{t}   HTTP-01 key authorization from the vault
    GET|POST /api/drill                    the drill hook, below

Every response has the header `X-Geobot-Region: <region>`; every reply activity has
`channelData.region`. A turn of a user's bot that wrote through `context.write` also has
`X-Geobot-State`: its writes as JSON [[key, base etag or null, new etag], ...]
(geobot.bot.statechain), by which the drill judges whether state carried over.

Drill hook contract (exists only when the vault holds `geobot-drill-key`; otherwise 404):

    POST /api/drill
    X-Geobot-Drill-Key: <the vault's geobot-drill-key>     (compared in constant time)
    Content-Type: application/json
    {"fault": "health"}          /api/health answers 503 (component "drill")
    {"fault": "nlu-down"}        language calls fail: turns 503, health names "language"
    {"fault": "store-down"}      store calls fail: turns 503, health names "store"
    {"fault": "slow", "ms": N}   every other request waits N ms first (0..600000; 0 removes it)
    {"fault": "crash"}           answers, then the process exits at once with status 70
    {"fault": "clear"}           removes every fault

    → 200 {"region": ..., "fault": ..., "faults": {"health": bool, "nlu-down": bool,
           "store-down": bool, "slow": ms}}; 400 bad body; 401 missing or wrong key.
    GET /api/drill (same header) → 200 {"region": ..., "faults": {...}}

Faults accumulate until "clear", and each one invalidates the cached health result at once.
Importing this package imports nothing heavy; `geobot.bot.app` pulls in aiohttp and the SDK.
"""
