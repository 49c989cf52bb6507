"""`geobot chat --web`: a chat page on loopback, to watch which region answers during a failover.

A small aiohttp app on 127.0.0.1 serves one static page (HTML, CSS and JS shipped in
`static/`, no build step, no other origin) and two JSON calls:

    POST /api/say      {"conversation": id, "text": ...} -> {"ok", "region", "replies", "ms", "error"}
                       one router conversation per page conversation (conversations.py); a failed
                       turn answers 502 with ok=false, as the page shows it
    GET  /api/status   the data of `geobot status --output json`, at most about once a second

The page talks only to this app, never to the router or a bot, so no key, certificate or
vault path reaches the browser. The app's own defence (guard.py), against other web pages the
same browser has open: the Host header must name this loopback listener (DNS rebinding), a
browser's Origin and Sec-Fetch-Site must be this origin (cross-site requests), and every API
call carries a per-run random token that geobot prints in the URL fragment (never sent over
HTTP, removed from the address bar by the page). The token only opens this process's API,
which any local user could replace by talking to the loopback router directly.

Modules: conversations (page id -> Conversation), status (cached status feed), guard (the
checks above and security headers), app (routes), server (listener, browser, Ctrl-C).
"""
