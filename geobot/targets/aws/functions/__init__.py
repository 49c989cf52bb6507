"""Lambda functions of the AWS target, deployed as the package directory `functions/`.

Everything here depends only on boto3/botocore and the standard library and imports its
siblings relatively, so the directory runs unchanged as the top-level package of a Lambda zip.
The constants below are the contract Terraform and the stages read instead of repeating them.
"""

#: Lambda handler strings, for a zip whose root holds this directory as `functions/`.
HEALTH_CHECK_HANDLER = "functions.health_check.handler"
REGION_CHECK_HANDLER = "functions.region_check.handler"

#: The post probed every five minutes, so an outage lasted up to five minutes plus a flip.
SCHEDULE_EXPRESSION = "rate(1 minute)"

#: CloudWatch metrics the health check emits as Embedded Metric Format log lines (no API call,
#: no extra IAM permission); alarms watch these, dimensioned by ConnectRegion.
METRIC_NAMESPACE = "geobot"
METRIC_FAILOVER = "Failover"
METRIC_FAILBACK = "Failback"
METRIC_ALL_REGIONS_DOWN = "AllRegionsDown"
METRIC_DIMENSION = "ConnectRegion"

#: DynamoDB region-map table: partition key (string), one item per Amazon Connect region.
TABLE_KEY = "connectRegion"
