variable "deployment" {
  description = "The bot name; the state blob is <deployment>.tfstate."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,18}$", var.deployment))
    error_message = "deployment must be 1-19 lowercase letters and digits, starting with a letter."
  }
}

variable "location" {
  description = "Region of the state account (geobot uses the deployment's global region)."
  type        = string
}

variable "names" {
  description = "storage_account (geobot/naming.py global_names: st<name>) and optionally resource_group (default rg-<deployment>-tfstate: not the global resource group, which the main configuration owns and destroys)."
  type        = map(string)

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", lookup(var.names, "storage_account", "")))
    error_message = "names.storage_account must be 3-24 lowercase letters and digits."
  }
}

variable "container_name" {
  description = "Blob container of the state."
  type        = string
  default     = "tfstate"
}

variable "replication" {
  description = "Replication of the state account: GRS keeps the state readable if the region is lost (state is a few KB, the difference is cents)."
  type        = string
  default     = "GRS"

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"], var.replication)
    error_message = "replication must be LRS, ZRS, GRS, RAGRS, GZRS or RAGZRS."
  }
}

variable "state_principal_ids" {
  description = "Further principals (e.g. a CI pipeline's identity) that read and write the state; the principal running this configuration always may."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "rbac_propagation_wait" {
  description = "How long to wait after granting the blob data role before the state is first written, e.g. \"60s\"."
  type        = string
  default     = "60s"

  validation {
    condition     = can(regex("^[0-9]+[sm]$", var.rbac_propagation_wait))
    error_message = "rbac_propagation_wait must be a duration such as \"60s\" or \"2m\"."
  }
}
