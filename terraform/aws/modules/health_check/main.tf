# One region's health check: the function, its log group, the schedule that runs it every
# minute and the alarms on what it reports. Every region runs one, so the check survives the
# loss of any region; all of them probe every bot and write the one region-map replica.

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:The log holds probe outcomes and region names, no caller data; CloudWatch Logs encrypts it at rest with an AWS key. A customer key per region would add a key policy to maintain and a monthly charge for nothing it protects.
  region            = var.region
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:The function calls only public AWS APIs (Lex runtime, DynamoDB); a VPC would need a NAT gateway or three interface endpoints per region, for no data that leaves AWS.
  #checkov:skip=CKV_AWS_116:No dead-letter queue: a missed run is superseded by the next one a minute later, so retries and replays are turned off (aws_lambda_function_event_invoke_config below).
  #checkov:skip=CKV_AWS_173:The environment holds a table name, region names, bot alias ARNs and probe thresholds, no secret; Lambda encrypts it at rest with an AWS key.
  #checkov:skip=CKV_AWS_115:No reserved concurrency: the schedule starts one run a minute, conditional writes make overlapping runs safe, and a reservation fails outright on new accounts whose concurrency quota is 10.
  #checkov:skip=CKV_AWS_272:geobot builds the zip itself from its own source and pins it by source_code_hash; there is no signing profile to check it against.
  #checkov:skip=CKV_AWS_50:Each run logs its whole outcome as one Embedded Metric Format line; X-Ray traces would add cost and an xray grant on Resource * for no new information.
  region           = var.region
  function_name    = var.function_name
  description      = "geobot: probe every region's Lex bot and update the region map"
  role             = var.role_arn
  runtime          = var.runtime
  architectures    = ["arm64"]
  handler          = "functions.health_check.handler"
  filename         = var.package.path
  source_code_hash = var.package.hash
  timeout          = var.timeout
  memory_size      = 256

  environment {
    variables = var.environment
  }

  logging_config {
    # Text: each print() is one log line, so the outcome line stays a valid EMF record.
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }
}

# A late or failed run is worthless once the next one starts: no retries, no stale events.
resource "aws_lambda_function_event_invoke_config" "this" {
  region                       = var.region
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 60
}

resource "aws_scheduler_schedule" "this" {
  #checkov:skip=CKV_AWS_297:The schedule's only payload is the empty event {}; EventBridge Scheduler encrypts it with an AWS key, and a customer key would add a key and a kms:Decrypt grant per region for nothing it protects.
  region      = var.region
  name        = var.schedule_name
  description = "geobot: run ${var.function_name} every minute"
  # functions/__init__.py SCHEDULE_EXPRESSION: the post probed every five minutes.
  schedule_expression = "rate(1 minute)"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.this.arn
    role_arn = var.scheduler_role_arn
    input    = jsonencode({})

    retry_policy {
      maximum_event_age_in_seconds = 60
      maximum_retry_attempts       = 0
    }
  }
}

# The function emits these metrics in its own region (Embedded Metric Format lines, no API
# call), so every region alarms on its own copy: whichever region's run made the change.
resource "aws_cloudwatch_metric_alarm" "failover" {
  region              = var.region
  alarm_name          = "${var.function_name}-failover"
  alarm_description   = "geobot moved callers of Connect region ${var.connect_region} to another bot region."
  namespace           = "geobot"
  metric_name         = "Failover"
  dimensions          = { ConnectRegion = var.connect_region }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "all_regions_down" {
  region              = var.region
  alarm_name          = "${var.function_name}-all-regions-down"
  alarm_description   = "No bot region passed geobot's health check; callers stay on the last healthy region."
  namespace           = "geobot"
  metric_name         = "AllRegionsDown"
  dimensions          = { ConnectRegion = var.connect_region }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}
