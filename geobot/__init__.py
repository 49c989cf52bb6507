"""geobot: deploy a chat bot across several regions with automatic failover.

Importing this package must stay cheap: `geobot --help` loads it, so nothing here (or in
`geobot.cli`) may import a cloud SDK, the Terraform library or the bot's web stack.
"""

__version__ = "0.1.0"
