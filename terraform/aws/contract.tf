# The derived values every file uses, and the checks across variables. Kept apart from the aws
# resources on purpose: this file and variables.tf need no provider, so tests plan them with
# the real Terraform.

locals {
  tags = merge(var.tags, { "geobot-deployment" = var.deployment })

  # Bot regions in failover order, the primary first: GEOBOT_REGIONS of both functions.
  ordered_regions = [for r in sort([for name, region in var.regions : format("%04d/%s", region.priority, name)]) : split("/", r)[1]]
  primary         = local.ordered_regions[0]

  # The functions, schedules, alarms and the flow exist once every bot has a published alias.
  published = length(var.bot_alias_ids) > 0
  connect   = local.published && var.connect_instance_id != null

  # The Connect region keys the region-map item. Connect calls the region-check function in its
  # own region, so the instance, the function and the item's key all are the primary's.
  connect_region = var.global_region

  # Worst case of one health-check run: every probe of every region times out after the Lex
  # client's 2 s connect + 3 s read (functions/health_check.py LEX_CLIENT_CONFIG), plus the
  # table. It must end before the next run starts a minute later.
  health_check_timeout = 55
  probe_worst_case     = var.probe.probes * length(var.regions) * 5 + 5

  # Connect waits at most 8 s for a function's answer; the region check's DynamoDB client gives
  # up after 2 × 1 s, so 5 s leave room for a cold start. The flow waits as long.
  region_check_timeout = 5

  # Names naming.py does not derive yet; optional overrides in var.names.
  region_check_role = lookup(var.names, "region_check_role", "${var.deployment}-region-check-role")
  scheduler_role    = lookup(var.names, "scheduler_role", "${var.deployment}-scheduler-role")
}

# Combinations the variables' own validations cannot see (they may only look at themselves
# before Terraform 1.9). They stop the plan with the reason and the fix.
resource "terraform_data" "contract" {
  lifecycle {
    precondition {
      condition     = contains(keys(var.regions), var.global_region) && local.primary == var.global_region
      error_message = "global_region must be the bot region with the lowest priority (the primary): the region map's writes, the region-check function and Connect live there."
    }

    precondition {
      condition     = contains(keys(var.lex.intents), var.probe.expected_intent)
      error_message = "probe.expected_intent must be one of the intents in lex.intents, or every probe fails."
    }

    precondition {
      condition     = !local.published || (length(setsubtract(keys(var.regions), keys(var.bot_alias_ids))) == 0 && length(setsubtract(keys(var.bot_alias_ids), keys(var.regions))) == 0)
      error_message = "bot_alias_ids must be empty (before geobot's publish stage) or hold one alias id for every region of regions, and no other."
    }

    precondition {
      condition     = local.probe_worst_case <= local.health_check_timeout
      error_message = "probe.probes × regions × 5 s (a timed-out probe) + 5 s must fit in the health check's 55 s, so one run ends before the next minute's: lower probe.probes."
    }
  }
}
