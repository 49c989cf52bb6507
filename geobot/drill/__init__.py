"""The failover drill: break one region on purpose under real traffic, and measure what users saw.

A drill runs against a deployment on the local target. Simulated users book tables through
the router over HTTPS; the drill injects one fault into one region (through the bot's drill
hook, or by killing its process), clears it later, and watches failback. Its numbers come from
two independent records that must agree: the router's JSON-lines log (monitor changes, every
request with its endpoint and status) and the users' own turns (status, region, and whether
the reply continued the dialog). Both use the wall clock, so they line up.

Modules, each with one job and no terminal output (the CLI renders):

    plan      options checked against the deployment: fault, region, mode, timing
    script    what a user says, and the judge that tells a lost state from the replies
    users     the traffic generator: asyncio users with think time, one record per turn
    site      the local deployment: router.json, its log, the drill hook, the bots' processes
    faults    inject, flap, clear and restore, each action marked with its time
    analysis  pure: detection, recovery, failures, lost states, failback, switches, timeline
    report    the JSON report, the Traffic Manager and AWS worst cases, the terminal summary
    plot      the PNG timeline (matplotlib, imported only there)
    runner    one drill from start to end
"""
