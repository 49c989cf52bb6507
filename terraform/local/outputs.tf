output "global" {
  description = "The global services: their directory, the vault and state store URLs, the router's declaration."
  value = {
    dir       = terraform_data.global.output.dir
    vault_url = terraform_data.global.output.vault_url
    store_url = terraform_data.global.output.store_url
    router    = terraform_data.router.output.config
    process   = "${terraform_data.router.output.dir}/process.json"
  }
}

output "regions" {
  description = "Per region: its directory, priority, weight, port and process declaration."
  value = {
    for name, region in terraform_data.region : name => {
      dir      = region.output.dir
      priority = region.output.priority
      weight   = region.output.weight
      port     = region.output.port
      process  = "${region.output.dir}/process.json"
    }
  }
}
