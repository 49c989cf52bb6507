"""The azure target: terraform/azure for the infrastructure, the Azure SDKs for the rest.

`clients` (with `session`, `errors`, `trafficmanager`, `keyvault`, `botservice`, `zipdeploy`)
holds the only code that imports an Azure SDK, always inside a function, so that neither the
local target nor `geobot --help` pays for it.
"""
