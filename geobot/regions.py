"""Region names each target knows, and the short forms resource names embed.

Azure's list is the public cloud's `az account list-locations` `name`s (restricted-access
regions included: they are real names, access is the subscription's business). The `local`
target simulates the Azure architecture, so it takes the same names. AWS bot regions must run
Amazon Lex V2; the global region may be any commercial AWS region.
"""

from __future__ import annotations

# name -> short form; short forms stay <= 5 characters so per-region names fit every limit.
AZURE_REGIONS: dict[str, str] = {
    "australiacentral": "acl",
    "australiacentral2": "acl2",
    "australiaeast": "ae",
    "australiasoutheast": "ase",
    "austriaeast": "ate",
    "belgiumcentral": "bec",
    "brazilsouth": "brs",
    "brazilsoutheast": "bse",
    "canadacentral": "cnc",
    "canadaeast": "cne",
    "centralindia": "inc",
    "centralus": "cus",
    "chilecentral": "clc",
    "eastasia": "ea",
    "eastus": "eus",
    "eastus2": "eus2",
    "francecentral": "frc",
    "francesouth": "frs",
    "germanynorth": "gn",
    "germanywestcentral": "gwc",
    "indonesiacentral": "idc",
    "israelcentral": "ilc",
    "italynorth": "itn",
    "japaneast": "jpe",
    "japanwest": "jpw",
    "jioindiacentral": "jic",
    "jioindiawest": "jiw",
    "koreacentral": "krc",
    "koreasouth": "krs",
    "malaysiawest": "myw",
    "mexicocentral": "mxc",
    "newzealandnorth": "nzn",
    "northcentralus": "ncus",
    "northeurope": "ne",
    "norwayeast": "nwe",
    "norwaywest": "nww",
    "polandcentral": "plc",
    "qatarcentral": "qac",
    "southafricanorth": "san",
    "southafricawest": "saw",
    "southcentralus": "scus",
    "southeastasia": "sea",
    "southindia": "ins",
    "spaincentral": "spc",
    "swedencentral": "sdc",
    "swedensouth": "sds",
    "switzerlandnorth": "szn",
    "switzerlandwest": "szw",
    "uaecentral": "uac",
    "uaenorth": "uan",
    "uksouth": "uks",
    "ukwest": "ukw",
    "westcentralus": "wcus",
    "westeurope": "we",
    "westindia": "inw",
    "westus": "wus",
    "westus2": "wus2",
    "westus3": "wus3",
}

AWS_REGIONS: frozenset[str] = frozenset({
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
    "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
    "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1",
    "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1",
    "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1",
    "us-west-2",
})

# Regions with Amazon Lex V2 model-building and runtime endpoints (AWS General Reference).
LEX_V2_REGIONS: frozenset[str] = frozenset({
    "us-east-1", "us-west-2", "af-south-1", "ap-northeast-1", "ap-northeast-2",
    "ap-southeast-1", "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2",
})


def global_regions(target: str) -> frozenset[str]:
    """Where the target's global services (router, vault, state store) may live."""
    return AWS_REGIONS if target == "aws" else frozenset(AZURE_REGIONS)


def bot_regions(target: str) -> frozenset[str]:
    """Where the target can run a regional bot: on AWS only where Lex V2 runs."""
    return LEX_V2_REGIONS if target == "aws" else frozenset(AZURE_REGIONS)


def short_name(region: str) -> str:
    """A region's short form for resource names: `krc` for koreacentral, `use1` for us-east-1."""
    if region in AZURE_REGIONS:
        return AZURE_REGIONS[region]
    area, direction, number = region.split("-")
    return area + _DIRECTIONS[direction] + number


_DIRECTIONS = {
    "north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
    "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
}
