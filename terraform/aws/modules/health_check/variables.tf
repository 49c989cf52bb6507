variable "region" {
  description = "AWS region of this health check; it probes every region's bot from here."
  type        = string
}

variable "function_name" {
  description = "The function's name (naming.py regional_names: health_check_function)."
  type        = string
}

variable "schedule_name" {
  description = "The schedule's name (naming.py global_names: schedule); schedules are regional, so every region uses the same one."
  type        = string
}

variable "role_arn" {
  description = "ARN of the health-check functions' IAM role (one role, IAM is global)."
  type        = string
}

variable "scheduler_role_arn" {
  description = "ARN of the role EventBridge Scheduler invokes the function with."
  type        = string
}

variable "package" {
  description = "The Lambda zip: path and base64 SHA-256 (a new hash redeploys the code)."
  type = object({
    path = string
    hash = string
  })
}

variable "runtime" {
  description = "Python runtime of the function."
  type        = string
}

variable "timeout" {
  description = "The function's timeout in seconds; under a minute, so runs never overlap."
  type        = number
}

variable "environment" {
  description = "GEOBOT_* settings read by functions/settings.py health_check()."
  type        = map(string)
}

variable "log_retention_days" {
  description = "Retention of the function's log group."
  type        = number
}

variable "connect_region" {
  description = "The ConnectRegion dimension of the metrics the function emits."
  type        = string
}

variable "alarm_actions" {
  description = "ARNs notified when the alarms fire."
  type        = list(string)
}
