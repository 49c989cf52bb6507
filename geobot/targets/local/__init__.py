"""The local target: the whole geo-distributed architecture on one machine, with real processes."""
