# IAM is global: one role per kind of principal serves every region. Each grants exactly the
# calls the code makes, on exactly the resources it touches:
#   lex           the bots: Polly voices for Amazon Connect
#   health_check  lex:RecognizeText on each published alias, GetItem + PutItem on the region
#                 map's item of the Connect region, its own log streams. No
#                 cloudwatch:PutMetricData: metrics are Embedded Metric Format log lines.
#   region_check  GetItem on that item, its own log streams
#   scheduler     lambda:InvokeFunction on the health-check functions

locals {
  health_check_functions = [for region in local.ordered_regions : "arn:${local.partition}:lambda:${region}:${local.account}:function:${var.regions[region].names.health_check_function}"]
  health_check_log_streams = [
    for region in local.ordered_regions :
    "arn:${local.partition}:logs:${region}:${local.account}:log-group:/aws/lambda/${var.regions[region].names.health_check_function}:*"
  ]
}

# ---- Lex ------------------------------------------------------------------------------------

data "aws_iam_policy_document" "lex_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lexv2.amazonaws.com"]
    }

    # Only this account's bots may use the role (confused deputy).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:lex:*:${local.account}:bot/*", "arn:${local.partition}:lex:*:${local.account}:bot-alias/*"]
    }
  }
}

resource "aws_iam_role" "lex" {
  name               = var.names.lex_role
  description        = "geobot ${var.deployment}: runs the Lex V2 bots"
  assume_role_policy = data.aws_iam_policy_document.lex_trust.json
}

data "aws_iam_policy_document" "lex" {
  statement {
    sid = "SpeakWithPolly"
    #checkov:skip=CKV_AWS_356:polly:SynthesizeSpeech names no resource unless a lexicon is used, and this bot uses none: IAM evaluates the call against "*".
    actions   = ["polly:SynthesizeSpeech"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "lex" {
  name   = "speak"
  role   = aws_iam_role.lex.id
  policy = data.aws_iam_policy_document.lex.json
}

# ---- the functions ----------------------------------------------------------------------------

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "health_check" {
  count = local.published ? 1 : 0

  name               = var.names.lambda_role
  description        = "geobot ${var.deployment}: the health-check functions of every region"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

data "aws_iam_policy_document" "health_check" {
  count = local.published ? 1 : 0

  statement {
    sid       = "ProbePublishedAliases"
    actions   = ["lex:RecognizeText"]
    resources = values(local.alias_arns)
  }

  statement {
    sid       = "UpdateTheConnectRegionsItem"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.region_map.arn]

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "dynamodb:LeadingKeys"
      values   = [local.connect_region]
    }
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = local.health_check_log_streams
  }
}

resource "aws_iam_role_policy" "health_check" {
  count = local.published ? 1 : 0

  name   = "health-check"
  role   = aws_iam_role.health_check[0].id
  policy = data.aws_iam_policy_document.health_check[0].json
}

resource "aws_iam_role" "region_check" {
  count = local.published ? 1 : 0

  name               = local.region_check_role
  description        = "geobot ${var.deployment}: the region-check function"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

data "aws_iam_policy_document" "region_check" {
  count = local.published ? 1 : 0

  statement {
    sid       = "ReadTheConnectRegionsItem"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.region_map.arn]

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "dynamodb:LeadingKeys"
      values   = [local.connect_region]
    }
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.region_check[0].arn}:*"]
  }
}

resource "aws_iam_role_policy" "region_check" {
  count = local.published ? 1 : 0

  name   = "region-check"
  role   = aws_iam_role.region_check[0].id
  policy = data.aws_iam_policy_document.region_check[0].json
}

# ---- EventBridge Scheduler ----------------------------------------------------------------------

data "aws_iam_policy_document" "scheduler_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  count = local.published ? 1 : 0

  name               = local.scheduler_role
  description        = "geobot ${var.deployment}: EventBridge Scheduler runs the health checks"
  assume_role_policy = data.aws_iam_policy_document.scheduler_trust.json
}

data "aws_iam_policy_document" "scheduler" {
  count = local.published ? 1 : 0

  statement {
    sid       = "RunHealthChecks"
    actions   = ["lambda:InvokeFunction"]
    resources = local.health_check_functions
  }
}

resource "aws_iam_role_policy" "scheduler" {
  count = local.published ? 1 : 0

  name   = "run-health-checks"
  role   = aws_iam_role.scheduler[0].id
  policy = data.aws_iam_policy_document.scheduler[0].json
}
