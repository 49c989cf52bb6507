# geobot's AWS target: the pattern of the AWS post (multi-region Lex with Amazon Connect),
# one configuration, one state, one provider for every region (aws 6.x `region` arguments).
#
#   module.bot[each]           per bot region: the Lex V2 bot, its locale, slot types, intents and slots (DRAFT)
#   aws_dynamodb_table         the region map, a global table with a replica in every bot region
#   iam.tf                     the Lex role and one least-privilege role per function kind
#   module.health_check[each]  per bot region: health-check function, schedule, alarms
#   region_check.tf            the region-check function Connect calls, in the primary
#   connect.tf                 the contact flow of flows/region-routing.json (connect_instance_id)
#
# geobot applies it twice: first without bot_alias_ids (the bots and the table), then its
# publish stage builds and publishes every bot with boto3, and the second apply with the alias
# ids creates everything that calls a bot.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition

  alias_arns = local.published ? {
    for region in local.ordered_regions :
    region => "arn:${local.partition}:lex:${region}:${local.account}:bot-alias/${module.bot[region].bot_id}/${lookup(var.bot_alias_ids, region, "")}"
  } : {}

  package = local.published ? {
    path = var.functions_zip
    hash = filebase64sha256(var.functions_zip)
  } : null

  # What both functions read (functions/settings.py common()).
  common_environment = {
    GEOBOT_TABLE_NAME     = aws_dynamodb_table.region_map.name
    GEOBOT_TABLE_REGION   = var.global_region
    GEOBOT_REGIONS        = join(",", local.ordered_regions)
    GEOBOT_BOT_ALIAS_ARNS = jsonencode(local.alias_arns)
  }

  # functions/settings.py health_check(), on top of common()
  health_check_environment = {
    GEOBOT_CONNECT_REGION  = local.connect_region
    GEOBOT_LOCALE_ID       = var.lex.locale_id
    GEOBOT_TEST_UTTERANCE  = var.probe.utterance
    GEOBOT_EXPECTED_INTENT = var.probe.expected_intent
    GEOBOT_MIN_CONFIDENCE  = tostring(var.probe.min_confidence)
    GEOBOT_PROBES          = tostring(var.probe.probes)
    GEOBOT_FAILOVER_AFTER  = tostring(var.probe.failover_after)
    GEOBOT_FAILBACK_AFTER  = tostring(var.probe.failback_after)
    GEOBOT_FAILBACK        = var.probe.failback
  }

  # functions/settings.py region_check(), on top of common()
  region_check_environment = {
    GEOBOT_CACHE_SECONDS = tostring(var.region_check_cache_seconds)
  }
}

module "bot" {
  source   = "./modules/bot"
  for_each = var.regions

  region   = each.key
  name     = each.value.names.lex_bot
  role_arn = aws_iam_role.lex.arn
  lex = {
    intents              = var.lex.intents
    slot_types           = var.lex.slot_types
    slots                = var.lex.slots
    locale_id            = var.lex.locale_id
    confidence_threshold = var.lex.confidence_threshold
    idle_session_ttl     = var.lex.idle_session_ttl
    voice_id             = var.lex.voice_id
    voice_engine         = var.lex.voice_engine
  }
}

# The region map: one item per Connect region, holding the active bot region and the health
# checks' counters. Every function reads and writes the replica in global_region only (output
# region_map.write_region, GEOBOT_TABLE_REGION). The health checks update the item with
# conditional writes, and a condition is checked against one replica only: two regions writing
# to their own replicas at once would both succeed, and replication would keep the later write,
# losing the other's counts or bringing back a stale decision. The other replicas are warm
# copies for reading and for moving the write region after the primary is lost.
resource "aws_dynamodb_table" "region_map" {
  #checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS managed key aws/dynamodb in every replica; the item holds region names and counters, and a customer key would be one more key and key policy per region to keep in step with the replicas.
  region                      = var.global_region
  name                        = var.names.dynamodb_table
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "connectRegion"
  deletion_protection_enabled = var.deletion_protection

  # Global tables replicate through the table's stream.
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  attribute {
    name = "connectRegion"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }

  dynamic "replica" {
    for_each = [for region in local.ordered_regions : region if region != var.global_region]
    content {
      region_name                 = replica.value
      point_in_time_recovery      = true
      propagate_tags              = true
      deletion_protection_enabled = var.deletion_protection
    }
  }
}

module "health_check" {
  source   = "./modules/health_check"
  for_each = local.published ? var.regions : {}

  region             = each.key
  function_name      = each.value.names.health_check_function
  schedule_name      = var.names.schedule
  role_arn           = aws_iam_role.health_check[0].arn
  scheduler_role_arn = aws_iam_role.scheduler[0].arn
  package            = local.package
  runtime            = var.lambda_runtime
  timeout            = local.health_check_timeout
  log_retention_days = var.log_retention_days
  connect_region     = local.connect_region
  alarm_actions      = each.value.alarm_actions

  environment = merge(local.common_environment, local.health_check_environment)

  # A function must not run before its role may probe, write and log, nor the schedule fire
  # before it may invoke.
  depends_on = [aws_iam_role_policy.health_check, aws_iam_role_policy.scheduler]
}
