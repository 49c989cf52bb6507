# The region-check function: on every contact, Amazon Connect asks it which bot region to use.
# One, in the primary, because Connect calls it from the instance's region. It reads the region
# map's write replica, caches the answer for region_check_cache_seconds and never answers a
# region no bot serves (functions/region_check.py).

resource "aws_cloudwatch_log_group" "region_check" {
  #checkov:skip=CKV_AWS_158:The log holds region names and fallback notices, no caller data; CloudWatch Logs encrypts it at rest with an AWS key. A customer key would add a key policy to maintain and a monthly charge for nothing it protects.
  count = local.published ? 1 : 0

  region            = var.global_region
  name              = "/aws/lambda/${var.names.region_check_function}"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "region_check" {
  #checkov:skip=CKV_AWS_117:The function calls only DynamoDB's public endpoint; a VPC would need a NAT gateway or an endpoint, for no data that leaves AWS.
  #checkov:skip=CKV_AWS_116:Connect calls it synchronously and takes the flow's error branch on failure; there is no asynchronous event to keep.
  #checkov:skip=CKV_AWS_173:The environment holds a table name, region names and bot alias ARNs, no secret; Lambda encrypts it at rest with an AWS key.
  #checkov:skip=CKV_AWS_115:No reserved concurrency: it must answer every contact at the contact centre's peak, and a reservation fails outright on new accounts whose concurrency quota is 10.
  #checkov:skip=CKV_AWS_272:geobot builds the zip itself from its own source and pins it by source_code_hash; there is no signing profile to check it against.
  #checkov:skip=CKV_AWS_50:Every fallback is logged as one JSON line; X-Ray traces would add cost and an xray grant on Resource * for no new information.
  count = local.published ? 1 : 0

  region           = var.global_region
  function_name    = var.names.region_check_function
  description      = "geobot: which bot region Amazon Connect should use"
  role             = aws_iam_role.region_check[0].arn
  runtime          = var.lambda_runtime
  architectures    = ["arm64"]
  handler          = "functions.region_check.handler"
  filename         = local.package.path
  source_code_hash = local.package.hash
  # Connect waits at most region_check_timeout for the answer, then takes the error branch.
  timeout     = local.region_check_timeout
  memory_size = 256

  environment {
    variables = merge(local.common_environment, local.region_check_environment)
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.region_check[0].name
  }

  depends_on = [aws_iam_role_policy.region_check]
}
