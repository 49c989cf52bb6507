# State stays local unless geobot writes a `backend_override.tf` beside these files (an S3
# backend with use_lockfile = true); no backend block here, so a plain `terraform init` works.
# aws 6.x: every regional resource takes a `region` argument, so one provider serves all bot
# regions and the regional modules can use for_each (provider aliases cannot).
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.69"
    }
  }
}
