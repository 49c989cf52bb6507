# The local target's resources. Everything is a built-in terraform_data resource, so this
# configuration needs no provider download and runs offline. Each resource provisions what a
# cloud would create: a directory and a declaration file (process.json: the program, its
# arguments and its loopback port; router.json: the router's settings). geobot's services
# stage starts, supervises and stops the declared processes. Each create and destroy is logged
# in provision.log, the deployment's activity log. A resource whose provisioning was
# interrupted is replaced by Terraform on the next apply (it is tainted); finding its directory
# already there, the replacement logs "adopt" rather than "create".

locals {
  log       = "${var.deployment_dir}/provision.log"
  run_dir   = "${var.deployment_dir}/run"
  global    = "${var.deployment_dir}/global"
  vault_url = "file://${local.global}/vault"

  # Creating: write each declaration file, then log. The directory may exist from an
  # interrupted create (adopt). Files hold no secrets.
  create = <<-EOT
    verb=create; [ -d "$DIR" ] && verb=adopt
    mkdir -p "$DIR" && chmod 700 "$DIR"
    printf '%s\n' "$FILES" | while IFS='=' read -r file content; do printf '%s\n' "$content" > "$DIR/$file"; done
    echo "$verb $WHAT" >> "$LOG"
  EOT

  router = {
    host_name      = var.host_name
    listen         = "127.0.0.1"
    https_port     = var.router.https_port
    http_port      = var.router.http_port
    routing_method = var.routing_method
    probe          = merge(var.probe, { hold_down = var.router.hold_down })
    retry          = var.router.retry
    certificate    = "${local.global}/vault/certificates/geobot-tls.pfx"
    log            = "${local.run_dir}/router.jsonl"
    endpoints = [
      for name, region in var.regions : {
        name     = name
        url      = "http://127.0.0.1:${region.port}"
        priority = region.priority
        weight   = region.weight
        enabled  = true
        pidfile  = "${local.run_dir}/bot-${name}.json"
      }
    ]
  }
}

resource "terraform_data" "global" {
  input = {
    dir       = local.global
    log       = local.log
    region    = var.global_region
    vault_url = local.vault_url
    store_url = "sqlite:///${trimprefix(local.global, "/")}/state.db"
  }

  provisioner "local-exec" {
    command = local.create
    environment = {
      DIR   = self.input.dir
      LOG   = self.input.log
      WHAT  = "global ${self.input.region}"
      FILES = "global.json=${jsonencode(self.input)}"
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

resource "terraform_data" "router" {
  triggers_replace = [local.router, var.python]

  input = {
    dir    = "${local.global}/router"
    log    = local.log
    config = "${local.global}/router/router.json"
    process = {
      name       = "router"
      argv       = [var.python, "-m", "geobot.targets.local.router", "--config", "${local.global}/router/router.json"]
      port       = var.router.http_port
      ready_path = "/_geobot/status"
    }
    global = terraform_data.global.output.dir
  }

  provisioner "local-exec" {
    command = local.create
    environment = {
      DIR   = self.input.dir
      LOG   = self.input.log
      WHAT  = "router ${var.host_name}"
      FILES = "router.json=${jsonencode(local.router)}\nprocess.json=${jsonencode(self.input.process)}"
    }
  }

  provisioner "local-exec" {
    when    = destroy
    command = "rm -rf \"$DIR\" && echo \"destroy router\" >> \"$LOG\""
    environment = {
      DIR = self.input.dir
      LOG = self.input.log
    }
  }
}

resource "terraform_data" "region" {
  for_each = var.regions

  triggers_replace = [each.value, var.python, local.vault_url, local.run_dir]

  input = {
    dir      = "${var.deployment_dir}/regions/${each.key}"
    log      = local.log
    region   = each.key
    priority = each.value.priority
    weight   = each.value.weight
    port     = each.value.port
    names    = each.value.names
    process = {
      name       = "bot-${each.key}"
      argv       = [var.python, "-m", "geobot.bot", "--vault-url", local.vault_url, "--region", each.key, "--host", "127.0.0.1", "--port", tostring(each.value.port)]
      port       = each.value.port
      ready_path = "/api/health/live"
      # The bot's traces as JSON lines next to its log (geobot/bot/telemetry.py).
      env = { GEOBOT_BOT_SPANS = "${local.run_dir}/bot-${each.key}.spans.jsonl" }
    }
    global = terraform_data.global.output.dir
  }

  provisioner "local-exec" {
    command = local.create
    environment = {
      DIR   = self.input.dir
      LOG   = self.input.log
      WHAT  = "region ${self.input.region}"
      FILES = "region.json=${jsonencode(self.input)}\nprocess.json=${jsonencode(self.input.process)}"
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
