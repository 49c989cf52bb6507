# The contract geobot renders (geobot/targets/aws). The shape follows terraform/local and
# terraform/azure: deployment, global_region, probe and one `regions` entry per bot region with
# the names geobot/naming.py derives; the rest is the AWS target's own. No variable holds a
# secret: the functions reach DynamoDB and Lex with their IAM roles.

variable "deployment" {
  description = "The bot name (geobot.toml `name`); every resource name derives from it."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,18}$", var.deployment))
    error_message = "deployment must be 1-19 lowercase letters and digits, starting with a letter."
  }
}

variable "global_region" {
  description = "The primary AWS region: priority 1 of `regions`, home of the region map's write replica, the region-check function, the alarms' Connect dimension and the Amazon Connect flow (the Connect instance must live here)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.global_region))
    error_message = "global_region must be an AWS region name such as \"us-east-1\"."
  }
}

variable "names" {
  description = "Names of the global resources, from geobot/naming.py global_names(\"aws\", name): dynamodb_table, region_check_function, lambda_role (the health-check functions' role), lex_role, schedule (the health-check schedule's name in every region). Optional keys region_check_role and scheduler_role override the names derived here."
  type        = map(string)

  validation {
    condition     = alltrue([for key in ["dynamodb_table", "region_check_function", "lambda_role", "lex_role", "schedule"] : contains(keys(var.names), key)])
    error_message = "names must hold dynamodb_table, region_check_function, lambda_role, lex_role and schedule."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", lookup(var.names, "dynamodb_table", "")))
    error_message = "names.dynamodb_table must be 3-255 letters, digits, underscores, periods and hyphens."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", lookup(var.names, "region_check_function", "")))
    error_message = "names.region_check_function must be 1-64 letters, digits, hyphens and underscores (a Lambda function name)."
  }

  validation {
    condition = alltrue([
      for key in ["lambda_role", "lex_role", "region_check_role", "scheduler_role"] :
      can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.names[key])) if contains(keys(var.names), key)
    ])
    error_message = "names.lambda_role, lex_role, region_check_role and scheduler_role must be 1-64 letters, digits and +=,.@_- (IAM role names)."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,64}$", lookup(var.names, "schedule", "")))
    error_message = "names.schedule must be 1-64 letters, digits, periods, underscores and hyphens."
  }
}

variable "regions" {
  description = "One entry per bot region (key: the AWS region name), rendered by geobot from geobot.toml: priority (1 = the primary, then the failover order) and names from geobot/naming.py regional_names(\"aws\", name, region): lex_bot, health_check_function. alarm_actions: ARNs (e.g. SNS topics in that region) notified by the region's failover and all-regions-down alarms."
  type = map(object({
    priority      = number
    names         = map(string)
    alarm_actions = optional(list(string), [])
  }))

  validation {
    condition     = length(var.regions) >= 2 && alltrue([for key in keys(var.regions) : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", key))])
    error_message = "regions must hold at least two regions (a primary and a failover target), each keyed by its AWS name such as \"us-west-2\"."
  }

  validation {
    condition     = alltrue([for r in values(var.regions) : r.priority >= 1 && r.priority <= 1000 && floor(r.priority) == r.priority])
    error_message = "each region's priority must be a whole number from 1 to 1000."
  }

  validation {
    condition     = length(distinct([for r in values(var.regions) : r.priority])) == length(var.regions)
    error_message = "each region needs its own priority (the failover order)."
  }

  validation {
    condition     = alltrue([for r in values(var.regions) : contains(keys(r.names), "lex_bot") && contains(keys(r.names), "health_check_function")])
    error_message = "each region's names must hold lex_bot and health_check_function."
  }

  validation {
    condition = alltrue([
      for r in values(var.regions) : can(regex("^([A-Za-z0-9][_-]?){1,100}$", lookup(r.names, "lex_bot", ""))) && length(lookup(r.names, "lex_bot", "")) <= 100
    ])
    error_message = "each region's names.lex_bot must be 1-100 letters and digits with single hyphens or underscores between them."
  }

  validation {
    condition     = alltrue([for r in values(var.regions) : can(regex("^[A-Za-z0-9_-]{1,64}$", lookup(r.names, "health_check_function", "")))])
    error_message = "each region's names.health_check_function must be 1-64 letters, digits, hyphens and underscores."
  }

  validation {
    condition     = alltrue(flatten([for r in values(var.regions) : [for arn in r.alarm_actions : startswith(arn, "arn:")]]))
    error_message = "each region's alarm_actions must be ARNs, such as an SNS topic in that region."
  }
}

variable "probe" {
  description = "The health check (run every minute in every bot region): the utterance each probe sends to each region's published alias and the intent it must be recognized as with at least min_confidence; probes per region per run (a region passes a run when most pass); failover after failover_after failed runs in a row, failback to the primary after failback_after passed runs in a row, or only by hand (failback = \"manual\")."
  type = object({
    utterance       = string
    expected_intent = string
    min_confidence  = optional(number, 0.8)
    probes          = optional(number, 3)
    failover_after  = optional(number, 3)
    failback_after  = optional(number, 5)
    failback        = optional(string, "auto")
  })

  validation {
    condition     = length(trimspace(var.probe.utterance)) > 0
    error_message = "probe.utterance must not be empty: it is what every probe sends to the bot."
  }

  validation {
    condition     = var.probe.min_confidence >= 0 && var.probe.min_confidence <= 1
    error_message = "probe.min_confidence must be from 0 to 1 (Lex's NLU confidence score)."
  }

  validation {
    condition     = var.probe.probes >= 1 && var.probe.probes <= 10 && floor(var.probe.probes) == var.probe.probes
    error_message = "probe.probes must be a whole number from 1 to 10."
  }

  validation {
    condition     = var.probe.failover_after >= 1 && var.probe.failover_after <= 100 && floor(var.probe.failover_after) == var.probe.failover_after
    error_message = "probe.failover_after must be a whole number of runs from 1 to 100."
  }

  validation {
    condition     = var.probe.failback_after >= 1 && var.probe.failback_after <= 1000 && floor(var.probe.failback_after) == var.probe.failback_after
    error_message = "probe.failback_after must be a whole number of runs from 1 to 1000."
  }

  validation {
    condition     = contains(["auto", "manual"], var.probe.failback)
    error_message = "probe.failback must be \"auto\" or \"manual\"."
  }
}

variable "region_check_cache_seconds" {
  description = "How long the region-check function answers from its per-container cache before reading the region map again. Short, so a failover reaches callers within seconds."
  type        = number
  default     = 5

  validation {
    condition     = var.region_check_cache_seconds >= 0 && var.region_check_cache_seconds <= 60
    error_message = "region_check_cache_seconds must be 0-60."
  }
}

variable "lex" {
  description = "The Lex V2 bot of every region, translated by geobot from the configured language model ([bot] model, LUIS or CLU JSON): intents maps each intent name (mapped to Lex's naming rules) to its sample utterances as written (LUIS's None intent becomes Lex's built-in FallbackIntent, so it is left out); the publish stage gives them their {Slot} references. slot_types: per custom slot type (a closed list or a learned entity), its values with their synonyms and its resolution (TopResolution: the canonical value; OriginalValue: what was said). slots: per slot (named uniquely within the bot), its intent, its slot type (a key of slot_types or a built-in AMAZON.* type) and its priority in that intent. locale_id, the NLU confidence threshold below which Lex answers FallbackIntent, the session TTL in seconds, the Polly voice Amazon Connect speaks with, and alias_name, the alias geobot's publish stage creates."
  type = object({
    intents = map(list(string))
    slot_types = optional(map(object({
      resolution = string
      values     = list(object({ value = string, synonyms = list(string) }))
    })), {})
    slots                = optional(map(object({ intent = string, slot_type = string, priority = number })), {})
    locale_id            = optional(string, "en_US")
    confidence_threshold = optional(number, 0.4)
    idle_session_ttl     = optional(number, 300)
    voice_id             = optional(string, "Joanna")
    voice_engine         = optional(string, "neural")
    alias_name           = optional(string, "live")
  })

  validation {
    condition     = length(var.lex.intents) > 0 && alltrue([for name in keys(var.lex.intents) : can(regex("^([A-Za-z0-9][_-]?){1,100}$", name))])
    error_message = "lex.intents must hold at least one intent, each named by 1-100 letters and digits with single hyphens or underscores between them."
  }

  validation {
    condition     = !contains(keys(var.lex.intents), "None") && !contains(keys(var.lex.intents), "FallbackIntent")
    error_message = "lex.intents must not hold None or FallbackIntent: Lex's built-in FallbackIntent answers what no intent matches."
  }

  validation {
    condition     = alltrue([for utterances in values(var.lex.intents) : length(utterances) > 0 && alltrue([for u in utterances : length(trimspace(u)) > 0])])
    error_message = "every intent in lex.intents needs at least one non-empty sample utterance."
  }

  validation {
    condition     = length(distinct(flatten([for utterances in values(var.lex.intents) : [for u in utterances : lower(trimspace(u))]]))) == length(flatten(values(var.lex.intents)))
    error_message = "lex.intents: every sample utterance must be unique across all intents (Lex refuses to build a locale with duplicates)."
  }

  validation {
    condition     = alltrue([for name in concat(keys(var.lex.slot_types), keys(var.lex.slots)) : can(regex("^([A-Za-z0-9][_-]?){1,100}$", name))])
    error_message = "lex.slot_types and lex.slots must be named by 1-100 letters and digits with single hyphens or underscores between them."
  }

  validation {
    condition     = length(distinct([for name in keys(var.lex.slots) : lower(name)])) == length(var.lex.slots)
    error_message = "lex.slots: slot names must be unique within the bot, without case (Lex's CreateSlot)."
  }

  validation {
    condition     = alltrue([for t in values(var.lex.slot_types) : contains(["TopResolution", "OriginalValue"], t.resolution) && length(t.values) > 0 && alltrue([for v in t.values : length(v.value) >= 1 && length(v.value) <= 140 && alltrue([for s in v.synonyms : length(s) >= 1 && length(s) <= 140])])])
    error_message = "every slot type in lex.slot_types needs at least one value, each value and synonym 1-140 characters, and a resolution of TopResolution or OriginalValue."
  }

  validation {
    condition     = alltrue([for s in values(var.lex.slots) : contains(keys(var.lex.intents), s.intent) && (startswith(s.slot_type, "AMAZON.") || contains(keys(var.lex.slot_types), s.slot_type)) && s.priority >= 0 && s.priority <= 100])
    error_message = "every slot in lex.slots must name an intent of lex.intents, a slot type of lex.slot_types or a built-in AMAZON.* type, and a priority from 0 to 100."
  }

  validation {
    condition     = can(regex("^[a-z]{2}_[A-Z]{2}$", var.lex.locale_id))
    error_message = "lex.locale_id must be a Lex locale such as \"en_US\" or \"en_GB\"."
  }

  validation {
    condition     = var.lex.confidence_threshold >= 0 && var.lex.confidence_threshold <= 1
    error_message = "lex.confidence_threshold must be from 0 to 1."
  }

  validation {
    condition     = var.lex.idle_session_ttl >= 60 && var.lex.idle_session_ttl <= 86400
    error_message = "lex.idle_session_ttl must be 60-86400 seconds."
  }

  validation {
    condition     = contains(["standard", "neural", "long-form", "generative"], var.lex.voice_engine)
    error_message = "lex.voice_engine must be standard, neural, long-form or generative."
  }

  validation {
    condition     = can(regex("^([A-Za-z0-9][_-]?){1,100}$", var.lex.alias_name)) && var.lex.alias_name != "TestBotAlias"
    error_message = "lex.alias_name must be 1-100 letters and digits with single hyphens or underscores between them, and not TestBotAlias (the draft's test alias)."
  }
}

variable "bot_alias_ids" {
  description = "The published alias id (10 characters) of each region's bot, keyed by region: what geobot's publish stage hands back after building each locale, creating a version and the alias lex.alias_name with boto3 (the aws provider has no Lex V2 alias resource). Empty until then: the functions, schedules, alarms and the Connect flow all call the bots, so none of them is created before the bots answer."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for id in values(var.bot_alias_ids) : can(regex("^[0-9A-Z]{10}$", id))])
    error_message = "bot_alias_ids values must be Lex V2 alias ids: 10 uppercase letters and digits, such as \"TSXK2ZBQ7P\"."
  }
}

variable "functions_zip" {
  description = "Absolute path of the Lambda zip geobot builds from geobot/targets/aws/functions (the package directory `functions/` at the zip's root; handlers functions.health_check.handler and functions.region_check.handler). A path, not a source directory: this configuration is copied into the deployment's directory before it runs."
  type        = string

  validation {
    condition     = endswith(var.functions_zip, ".zip")
    error_message = "functions_zip must be the path of a .zip file."
  }
}

variable "lambda_runtime" {
  description = "Python runtime of both functions (they need Python 3.11 or newer and nothing but boto3)."
  type        = string
  default     = "python3.13"

  validation {
    condition     = contains(["python3.12", "python3.13", "python3.14"], var.lambda_runtime)
    error_message = "lambda_runtime must be python3.12, python3.13 or python3.14."
  }
}

variable "connect_instance_id" {
  description = "Id (a UUID) of the Amazon Connect instance in global_region that routes callers to the bots. null: no Connect resources (the region-check function is still created, for any other caller)."
  type        = string
  default     = null

  validation {
    condition     = var.connect_instance_id == null || can(regex("^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$", coalesce(var.connect_instance_id, "-")))
    error_message = "connect_instance_id must be the instance's id, a lowercase UUID (the last part of its ARN)."
  }
}

variable "log_retention_days" {
  description = "Days the functions' CloudWatch log groups keep the health checks' outcome lines (one per region per minute)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "deletion_protection" {
  description = "Turn on DynamoDB deletion protection for the region map and its replicas. Off by default so that geobot destroy can delete them; turn it on for a deployment that must outlive a mistaken destroy."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource (geobot adds geobot-deployment itself)."
  type        = map(string)
  default     = {}
}
