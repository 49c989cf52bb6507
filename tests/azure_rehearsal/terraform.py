"""The rehearsal's Terraform: `GEOBOT_TERRAFORM` points at a wrapper that runs this module.

azurerm cannot be downloaded here, so this answers the commands geobot's engine runs (version,
init, plan -out, apply <plan>, output -json) by asking the rehearsal (GEOBOT_REHEARSAL_CONTROL)
what the apply of terraform/azure with the plan's variables would do. It refuses any other
configuration than terraform/azure, so a stage that applies something else fails visibly.
The machine-readable lines it prints are the ones geobot's engine parses (`-json` UI).
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path
from typing import Any

VERSION = "1.9.8"
PLAN = "geobot.tfplan"


def _control(path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(f"{os.environ['GEOBOT_REHEARSAL_CONTROL']}/{path}",
                                     data=json.dumps(body or {}).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=60) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as refused:
        return {"failed": json.load(refused).get("error", str(refused))}


def _line(kind: str, message: str, **extra: Any) -> None:
    print(json.dumps({"@level": "info", "@message": message, "type": kind, **extra}), flush=True)


def _fail(message: str) -> int:
    print(json.dumps({"@level": "error", "@message": f"Error: {message}", "type": "diagnostic",
                      "diagnostic": {"severity": "error", "summary": message, "detail": ""}}), flush=True)
    print(f"Error: {message}", file=sys.stderr)
    return 1


def main(argv: list[str]) -> int:
    command, rest = argv[0], argv[1:]
    if command == "version":
        print(json.dumps({"terraform_version": VERSION, "platform": "linux_amd64", "provider_selections": {}}))
        return 0
    if not (Path.cwd() / "tls.tf").is_file():
        return _fail(f"the rehearsal applies only terraform/azure, not {Path.cwd()}")
    if command == "init":
        _line("log", "Terraform has been successfully initialized!")
        return 0
    if command == "plan":
        var_file = next(a.split("=", 1)[1] for a in rest if a.startswith("-var-file="))
        variables = None if "-destroy" in rest else json.loads(Path(var_file).read_text())
        summary = _control("plan", {"variables": variables})
        Path(PLAN).write_text(json.dumps({"variables": variables}))
        operation = "destroy" if variables is None else "plan"
        _line("change_summary", "Plan", changes={"add": summary["add"], "change": summary["change"],
                                                 "remove": summary["remove"], "import": 0, "operation": operation})
        return 0
    if command == "apply":
        plan = json.loads(Path(rest[-1]).read_text())
        done = _control("apply", plan)
        if "failed" in done:
            return _fail(done["failed"])
        _line("change_summary", "Apply complete!", changes={"add": 0, "change": 0, "remove": 0, "import": 0,
                                                            "operation": "destroy" if plan["variables"] is None else "apply"})
        return 0
    if command == "output":
        values = _control("outputs")
        print(json.dumps({name: {"value": value, "sensitive": False, "type": "dynamic"} for name, value in values.items()}))
        return 0
    return _fail(f"the rehearsal's Terraform has no command {command}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
