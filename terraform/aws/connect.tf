# Amazon Connect (connect_instance_id set, bots published): the contact flow of
# flows/region-routing.json, and Connect's right to call the region-check function. Associating
# the bots' aliases with the instance is geobot's publish stage (connect.associate_bot with
# LexV2Bot.AliasArn): aws_connect_bot_association only knows Lex V1 bots.
#
# The post's flow, as it describes it, picked one of two fixed Lex V1 blocks by the region the
# function returned: its `err` (both regions failed) matched neither, and a bot that failed
# since the last health check failed every call until the next check. This flow talks
# to the Lex V2 alias ARN the function returns (any number of regions), falls back to the
# primary when the function fails, to another bot when a bot fails, and apologises before
# hanging up when none answers; no path loops, so a caller meets at most three bots.

locals {
  connect_instance_arn = var.connect_instance_id == null ? null : "arn:${local.partition}:connect:${local.connect_region}:${local.account}:instance/${var.connect_instance_id}"
}

resource "aws_lambda_permission" "connect" {
  count = local.connect ? 1 : 0

  region         = local.connect_region
  statement_id   = "geobot-connect"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.region_check[0].function_name
  principal      = "connect.amazonaws.com"
  source_arn     = local.connect_instance_arn
  source_account = local.account
}

# Lists the function in the instance, which flows may only call functions it lists.
resource "aws_connect_lambda_function_association" "region_check" {
  count = local.connect ? 1 : 0

  region       = local.connect_region
  instance_id  = var.connect_instance_id
  function_arn = aws_lambda_function.region_check[0].arn
}

resource "aws_connect_contact_flow" "region_routing" {
  count = local.connect ? 1 : 0

  region      = local.connect_region
  instance_id = var.connect_instance_id
  name        = "${var.deployment} region routing"
  description = "geobot: ask the region-check function for the healthy bot region, talk to that bot, fall back on errors"
  type        = "CONTACT_FLOW"
  content = templatefile("${path.module}/flows/region-routing.json", {
    region_check_function_arn = aws_lambda_function.region_check[0].arn
    region_check_timeout      = local.region_check_timeout
    connect_region            = local.connect_region
    primary_region            = local.primary
    primary_alias_arn         = local.alias_arns[local.primary]
    secondary_alias_arn       = local.alias_arns[local.ordered_regions[1]]
  })

  depends_on = [aws_lambda_permission.connect, aws_connect_lambda_function_association.region_check]
}
