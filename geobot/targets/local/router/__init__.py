"""The local router: stands in for Azure Traffic Manager in front of the regional bots.

Run as `python -m geobot.targets.local.router --config /abs/router.json` (see `__main__`);
geobot's process supervisor writes router.json, starts the router and stops it with SIGTERM.

router.json (all paths absolute; re-read about once a second when it changes, except
`listen`, the ports and `log`, which are read at start only):

    host_name        name on the certificate and in redirects              required
    listen           address of both listeners             (default 127.0.0.1)
    https_port       HTTPS listener: /_geobot/status, all else forwarded    required (0: any)
    http_port        HTTP listener: ACME challenges forwarded, /_geobot/status,
                     all else 308 to https://host_name:https_port/...       required (0: any)
    routing_method   "performance" | "priority" | "weighted"   (default performance)
    probe            path (/api/health), interval (10), timeout (5), tolerated_failures (1),
                     dns_ttl (10), expected_status ([[200, 200]]), hold_down (0); seconds,
                     fractions allowed
    retry            false: DNS-faithful, each client keeps its answer for dns_ttl seconds,
                     failures reach the client; true: Front Door-like, per-request choice
                     and retry on the next candidate after an error, a timeout or a 5xx
    request_timeout  seconds for one upstream request          (default 30)
    certificate      password-less PFX; may appear or change at any time
    log              JSON-lines event log, created 0600
    endpoints        [{name, url (http://127.0.0.1:<port>), priority (1), weight (1),
                       enabled (true), pidfile (absent file = Stopped; omitted = never)}]

Log events (one JSON object per line, `time` = Unix seconds, wall clock):
`start` (http_port, https_port), `stop`, `certificate` (serial, lowercase hex),
`monitor` (endpoint, from, to, reason), `request` (client, method, path, endpoint, status,
ms, attempts, error). Bodies and headers are never logged.

Modules: settings (router.json model), monitor (status machine), routing (methods and the
answer cache), probe (probe loop), proxy (forwarding and retry), app (handlers), http1 (the
listeners' HTTP/1.1), upstream (pooled connections to the regions), tls (certificate hot
swap), log (event log), server (wiring and lifecycle).

One process on one event loop (uvloop where it exists). Measured with `bench/router.py`,
its data path costs about 1.4 times HAProxy's CPU per request; a second worker process
sharing the port (SO_REUSEPORT) gained no clear throughput on 2 cores and would split the
monitor's and the DNS answer cache's single view, so there is none.
"""
