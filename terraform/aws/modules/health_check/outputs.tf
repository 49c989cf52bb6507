output "function_name" {
  description = "The health-check function's name."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "The health-check function's ARN (geobot drill invokes it with a drill event)."
  value       = aws_lambda_function.this.arn
}

output "schedule_name" {
  description = "The schedule's name (group default)."
  value       = aws_scheduler_schedule.this.name
}

output "log_group" {
  description = "The function's log group: one outcome line per run."
  value       = aws_cloudwatch_log_group.this.name
}

output "alarms" {
  description = "Names of the failover and all-regions-down alarms."
  value = {
    failover         = aws_cloudwatch_metric_alarm.failover.alarm_name
    all_regions_down = aws_cloudwatch_metric_alarm.all_regions_down.alarm_name
  }
}
