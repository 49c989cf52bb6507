# Credentials come from the environment, never from variables: AWS_PROFILE or SSO on a laptop,
# OIDC web identity in CI. The provider's region is the primary; every regional resource names
# its own region.
provider "aws" {
  region = var.global_region

  default_tags {
    tags = local.tags
  }
}
