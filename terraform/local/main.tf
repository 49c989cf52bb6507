# The local target's resources. Everything is a built-in terraform_data resource, so this
# configuration needs no provider download and runs offline. Each resource provisions a
# directory under the deployment's directory (what a cloud would create) and records each
# create and destroy in provision.log, the deployment's activity log. A resource whose
# provisioning was interrupted is replaced by Terraform on the next apply (it is tainted);
# finding its directory already there, the replacement logs "adopt" rather than "create".

locals {
  log = "${var.deployment_dir}/provision.log"
}

resource "terraform_data" "global" {
  input = {
    dir            = "${var.deployment_dir}/global"
    log            = local.log
    region         = var.global_region
    routing_method = var.routing_method
    probe          = var.probe
  }

  provisioner "local-exec" {
    command = "verb=create; [ -d \"$DIR\" ] && verb=adopt; mkdir -p \"$DIR\" && printf '%s\\n' \"$SETTINGS\" > \"$DIR/global.json\" && echo \"$verb global $REGION\" >> \"$LOG\""
    environment = {
      DIR      = self.input.dir
      LOG      = self.input.log
      REGION   = self.input.region
      SETTINGS = jsonencode(self.input)
    }
  }

  provisioner "local-exec" {
    when    = destroy
    command = "rm -rf \"$DIR\" && echo \"destroy global $REGION\" >> \"$LOG\""
    environment = {
      DIR    = self.input.dir
      LOG    = self.input.log
      REGION = self.input.region
    }
  }
}

resource "terraform_data" "region" {
  for_each = var.regions

  input = {
    dir      = "${var.deployment_dir}/regions/${each.key}"
    log      = local.log
    region   = each.key
    priority = each.value.priority
    weight   = each.value.weight
    names    = each.value.names
    global   = terraform_data.global.output.dir
  }

  provisioner "local-exec" {
    command = "verb=create; [ -d \"$DIR\" ] && verb=adopt; mkdir -p \"$DIR\" && printf '%s\\n' \"$SETTINGS\" > \"$DIR/region.json\" && echo \"$verb region $REGION\" >> \"$LOG\""
    environment = {
      DIR      = self.input.dir
      LOG      = self.input.log
      REGION   = self.input.region
      SETTINGS = jsonencode(self.input)
    }
  }

  provisioner "local-exec" {
    when    = destroy
    command = "rm -rf \"$DIR\" && echo \"destroy region $REGION\" >> \"$LOG\""
    environment = {
      DIR    = self.input.dir
      LOG    = self.input.log
      REGION = self.input.region
    }
  }
}
