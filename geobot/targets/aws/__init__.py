"""The AWS target: Amazon Lex V2 bots in several regions behind a DynamoDB region map.

`functions/` is the code deployed to Lambda (it imports nothing of geobot's). The rest runs in
geobot: `variables` renders terraform/aws, `stages` and `preflight` are the pipeline, `lex`,
`connect` and `lambdas` the steps Terraform cannot do, `report` and `drill` read and exercise
a deployment. Only `clients`, `errors` and `functions/` import boto3 or botocore, and the rest
loads them inside functions, so neither `geobot --help` nor `geobot plan` pays for it.
"""
