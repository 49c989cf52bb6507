output "global_dir" {
  description = "Where the global services keep their files."
  value       = terraform_data.global.output.dir
}

output "regions" {
  description = "Per region: its directory, priority and weight."
  value = {
    for name, region in terraform_data.region : name => {
      dir      = region.output.dir
      priority = region.output.priority
      weight   = region.output.weight
    }
  }
}
