# What geobot's later stages read (`terraform output -json`). No output holds a secret.

output "deployment" {
  description = "The bot name."
  value       = var.deployment
}

output "regions" {
  description = "The bot regions in failover order, the primary first (GEOBOT_REGIONS)."
  value       = local.ordered_regions
}

output "region_map" {
  description = "The DynamoDB region map. write_region is the one replica every function reads and writes: conditional writes protect an item within one replica only, so both health checks write there (GEOBOT_TABLE_REGION); replica_regions hold copies. key is the partition key, item_key the Connect region whose item the functions use."
  value = {
    table_name      = aws_dynamodb_table.region_map.name
    table_arn       = aws_dynamodb_table.region_map.arn
    write_region    = var.global_region
    replica_regions = local.ordered_regions
    key             = "connectRegion"
    item_key        = local.connect_region
  }
}

output "bots" {
  description = "Per region, what geobot's publish stage needs to build the locale, create a version and point the alias alias_name at it with boto3 (lexv2-models: build_bot_locale, create_bot_version, create_bot_alias or update_bot_alias, each followed by its waiter; then, with connect_instance_id, connect associate_bot with the alias ARN, before the second apply creates the flow): bot_id, bot_name, locale_id, intents (each intent's id and its slots' ids, for the samples and slot priorities publish sets before it builds), and the published alias_id/alias_arn once bot_alias_ids holds it (null before)."
  value = {
    for region in local.ordered_regions : region => {
      bot_id     = module.bot[region].bot_id
      bot_name   = var.regions[region].names.lex_bot
      locale_id  = module.bot[region].locale_id
      alias_name = var.lex.alias_name
      alias_id   = lookup(var.bot_alias_ids, region, null)
      alias_arn  = lookup(local.alias_arns, region, null)
      intents    = module.bot[region].intents
    }
  }
}

output "published" {
  description = "Whether bot_alias_ids was given, so the functions, schedules, alarms and the Connect flow exist."
  value       = local.published
}

output "health_checks" {
  description = "Per region: the health-check function (name, ARN; geobot drill invokes it with {\"drill\": {\"fail_region\": R}}), its schedule, log group and alarm names. Empty before publishing."
  value = {
    for region, check in module.health_check : region => {
      function_name = check.function_name
      function_arn  = check.function_arn
      schedule_name = check.schedule_name
      log_group     = check.log_group
      alarms        = check.alarms
    }
  }
}

output "region_check" {
  description = "The region-check function Amazon Connect calls: name, ARN, region. null before publishing."
  value = local.published ? {
    function_name = aws_lambda_function.region_check[0].function_name
    function_arn  = aws_lambda_function.region_check[0].arn
    region        = var.global_region
  } : null
}

output "connect" {
  description = "The Amazon Connect side: instance id, region, the contact flow's id and ARN. null without connect_instance_id or before publishing."
  value = local.connect ? {
    instance_id = var.connect_instance_id
    region      = local.connect_region
    flow_id     = aws_connect_contact_flow.region_routing[0].contact_flow_id
    flow_arn    = aws_connect_contact_flow.region_routing[0].arn
  } : null
}
