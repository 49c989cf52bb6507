"""Every config key, its environment variable and every option, given a wrong type, an empty value,
a too long value or a misspelt name: exit 2 and one line naming it, in the user's words.

The keys come from the config model itself, so a key added later is tried too. Each case runs
`geobot plan --no-terraform` as a user would (flags, GEOBOT_* variables, ./geobot.toml) and
asserts what every bad input must give: exit 2, exactly one line naming the key, flag or
variable, no traceback, none of pydantic's words, and no state directory created.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
from pydantic import BaseModel, SecretStr

from geobot.cli.app import main
from geobot.config import ENV_VARS, Config

JARGON = ("Value error", "valid tuple", "input_value", "type=", "pydantic", "Traceback", "Input should")
SKIP = object()  # the key has no such case (an empty table of weights is the default, for one)


@dataclass(frozen=True)
class Case:
    names: str  # what the one line must name
    toml: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ("plan", "--no-terraform")
    fix: str = ""  # what the fix must say, where one is certain (the name a typo meant)


def leaves(model: type[BaseModel], prefix: str = "") -> dict[str, Any]:
    """Every key a geobot.toml can set, dotted, with its type (None removed from optionals)."""
    found: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if get_origin(annotation) is not Literal and type(None) in get_args(annotation):
            annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found |= leaves(annotation, f"{prefix}{name}.")
        elif annotation is not SecretStr:  # the PFX password never comes from the file
            found[f"{prefix}{name}"] = annotation
    return found


KEYS = leaves(Config)


def kind(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return "choice"
    if origin in (tuple, dict):
        return origin.__name__
    if get_args(annotation) and get_args(annotation)[0] in (int, float, bool):  # Annotated[int, Strict()]
        return get_args(annotation)[0].__name__
    return annotation.__name__ if isinstance(annotation, type) else "str"


WRONG_TYPE = {"str": 5, "Path": 5, "choice": 5, "int": "ten", "float": "high", "bool": "yes", "tuple": "koreacentral",
              "dict": 5}
EMPTY = {"str": "", "Path": "", "choice": "", "int": "", "float": "", "bool": "", "tuple": [], "dict": SKIP}
TOO_LONG = {"str": "a" * 2000, "Path": "a" * 2000, "choice": "a" * 2000, "int": 2**62, "float": 1e308, "bool": SKIP,
            "tuple": ["koreacentral"] * 300, "dict": {f"region{i}": 1 for i in range(300)}}
TOO_LONG_FOR = {  # a long value that is the key's own kind of too long
    "domain": ".".join(["a" * 60] * 5),
    "certificate.email": "me@" + ".".join(["a" * 60] * 5),
    "certificate.acme_directory": "https://" + ".".join(["a" * 60] * 5) + "/dir",
    "probe.path": "/" + "a" * 2000,
    "aws.expected_intent": SKIP,  # any name: the aws target checks it against the model's intents before deploying
}
# what makes a key matter: weights only with weighted routing, a PFX path only with a PFX
CONTEXT = {"weights": {"routing": "weighted"}, "certificate.pfx_path": {"certificate": {"source": "pfx"}}}
ENV_OF = {key: var for var, key in ENV_VARS.items() if var.startswith("GEOBOT_")}


def nest(key: str, value: Any) -> dict[str, Any]:
    *parents, leaf = key.split(".")
    data: dict[str, Any] = {leaf: value}
    for part in reversed(parents):
        data = {part: data}
    return data


def merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def toml(data: dict[str, Any]) -> str:
    """geobot.toml text for nested data (JSON's quoting is TOML's for these values)."""
    def value(item: Any) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, list):
            return "[" + ", ".join(map(value, item)) + "]"
        if isinstance(item, dict):
            return "{ " + ", ".join(f"{k} = {value(v)}" for k, v in item.items()) + " }"
        return json.dumps(item)
    top = [f"{k} = {value(v)}" for k, v in data.items() if not (isinstance(v, dict) and k in SECTIONS)]
    tables = [f"[{k}]\n" + "\n".join(f"{key} = {value(v)}" for key, v in table.items())
              for k, table in data.items() if isinstance(table, dict) and k in SECTIONS]
    return "\n".join(top + tables) + "\n"


SECTIONS = {key.split(".")[0] for key in KEYS if "." in key}


def misspelt(name: str) -> str:
    """The name with its last two letters swapped, as fingers do."""
    return name[:-2] + name[-1] + name[-2] if name[-1] != name[-2] else name + name[-1]


def config_cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for key, annotation in KEYS.items():
        what = kind(annotation)
        context = CONTEXT.get(key, {})
        values = {"wrong type": WRONG_TYPE[what], "empty": EMPTY[what], "too long": TOO_LONG_FOR.get(key, TOO_LONG[what])}
        for how, value in values.items():
            if value is not SKIP:
                cases[f"{key} {how}"] = Case(key, merged(context, nest(key, value)))
        *parents, leaf = key.split(".")
        wrong_key = ".".join([*parents, misspelt(leaf)])
        cases[f"{key} misspelt"] = Case(wrong_key, merged(context, nest(wrong_key, WRONG_TYPE[what])),
                                        fix=f"did you mean `{key}`?")
        variable = ENV_OF.get(key)
        if variable:
            env_values = {"from its variable, too long": "9" * 30 if what == "int" else "a" * 2000}
            if what not in ("str", "Path"):  # a variable is text: only these have a wrong type
                env_values["from its variable, wrong type"] = "ten" if what in ("bool", "choice") else "a lot"
            for how, raw in env_values.items():
                cases[f"{key} {how}"] = Case(variable, context, {variable: raw})
            typo = "GEOBOT_" + misspelt(variable.removeprefix("GEOBOT_"))
            cases[f"{key} from a misspelt variable"] = Case(typo, context, {typo: "x"}, fix=f"did you mean {variable}?")
    return cases


OPTION_CASES = {
    # global options, from the command line and from their variables
    "--config empty": Case("--config", args=("--config", "", "plan")),
    "--config a directory": Case("--config", args=("--config", ".", "plan")),
    "--config misspelt": Case("--cofnig", fix="did you mean --config?", args=("--cofnig", "geobot.toml", "plan")),
    "GEOBOT_CONFIG a directory": Case("GEOBOT_CONFIG", env={"GEOBOT_CONFIG": "/"}),
    "--state-dir empty": Case("--state-dir", args=("--state-dir", "", "plan")),
    "--state-dir too long": Case("--state-dir", args=("--state-dir", "d" * 300, "plan", "--no-terraform")),
    "--state-dir the file system refuses": Case("--state-dir = '/proc/geobot-test/state': cannot be created: /proc",
                                                args=("--state-dir", "/proc/geobot-test/state", "plan", "--no-terraform")),
    "--state-dir under a file": Case("--state-dir", args=("--state-dir", "a-file/state", "plan", "--no-terraform")),
    "GEOBOT_STATE_DIR under a file": Case("GEOBOT_STATE_DIR", env={"GEOBOT_STATE_DIR": "a-file/state"}),
    "--target empty": Case("--target", args=("--target", "", "plan")),
    "--target misspelt": Case("--target", fix='did you mean "local"?', args=("--target", "lcoal", "plan", "--no-terraform")),
    "--target too long": Case("target = 'llll", args=("--target", "l" * 2000, "plan", "--no-terraform")),
    "--output wrong": Case("--output", args=("--output", "yaml", "plan")),
    "--output empty": Case("--output", args=("--output", "", "plan")),
    "--output misspelt": Case("--output", fix="did you mean --output json?", args=("--output", "jsno", "plan")),
    "GEOBOT_OUTPUT wrong": Case("GEOBOT_OUTPUT", env={"GEOBOT_OUTPUT": "yaml"}),
    "GEOBOT_AUTO_APPROVE not a boolean": Case("GEOBOT_AUTO_APPROVE", env={"GEOBOT_AUTO_APPROVE": "maybe"}),
    "GEOBOT_VERBOSE not a boolean": Case("GEOBOT_VERBOSE", env={"GEOBOT_VERBOSE": "loud"}),
    "GEOBOT_NO_COLOR not a boolean": Case("GEOBOT_NO_COLOR", env={"GEOBOT_NO_COLOR": "grey"}),
    "--verbose misspelt": Case("--verbsoe", fix="did you mean --verbose?", args=("--verbsoe", "plan")),
    "--auto-approve misspelt": Case("--auto-aprove", fix="did you mean --auto-approve?", args=("deploy", "--auto-aprove")),
    "--no-color misspelt": Case("--no-colour", fix="did you mean --no-color?", args=("--no-colour", "plan")),
    "plan --no-terraform misspelt": Case("--no-terrafrom", fix="did you mean --no-terraform?", args=("plan", "--no-terrafrom")),
    "cert renew --force misspelt": Case("--forse", fix="did you mean --force?", args=("cert", "renew", "--forse")),
    "destroy --no-export misspelt": Case("--no-exprot", fix="did you mean --no-export?", args=("destroy", "--no-exprot")),
    "chat --no-browser misspelt": Case("--no-borwser", fix="did you mean --no-browser?", args=("chat", "--web", "--no-borwser")),
    "a misspelt command": Case("plna", fix="Did you mean 'plan'?", args=("plna",)),
    "GEOBOT_TERRAFORM that is not Terraform": Case("GEOBOT_TERRAFORM", env={"GEOBOT_TERRAFORM": "/bin/true"},
                                                   args=("plan",)),
    "GEOBOT_TERRAFORM a directory": Case("GEOBOT_TERRAFORM", env={"GEOBOT_TERRAFORM": "/"}, args=("plan",)),
    # command options
    "plan --destroy given a value": Case("--destroy", args=("plan", "--destroy=yes")),
    "init --name wrong": Case("(set by --name)", args=("init", "--name", "My-Bot")),
    "init --name too long": Case("(set by --name)", args=("init", "--name", "a" * 2000)),
    "init --name empty": Case("--name", args=("init", "--name", "")),
    "init --backend misspelt": Case("--backend", fix="did you mean --backend azure?", args=("init", "--backend", "azrue")),
    "init into a missing directory": Case("nowhere/geobot.toml", args=("init", "nowhere/geobot.toml")),
    "init into a directory": Case("a-directory", args=("init", "a-directory")),
    "init path empty": Case("argument", args=("init", "")),
    "cert renew --within wrong type": Case("--within", args=("cert", "renew", "--within", "soon")),
    "cert renew --within too long": Case("--within", args=("cert", "renew", "--within", "400")),
    "cert renew --within empty": Case("--within", args=("cert", "renew", "--within", "")),
    "cert import of random bytes": Case("random.pfx", args=("cert", "import", "random.pfx")),
    "cert import of a directory": Case("a-directory", args=("cert", "import", "a-directory")),
    "cert import path empty": Case("argument", args=("cert", "import", "")),
    "cert export path empty": Case("argument", args=("cert", "export", "")),
    "cert export into a directory": Case("PATH a-directory: is a directory", args=("cert", "export", "a-directory")),
    "cert export into a missing directory": Case("nowhere does not exist", args=("cert", "export", "nowhere/x.pfx")),
    "chat --port wrong type": Case("--port", args=("chat", "--web", "--port", "http")),
    "chat --port too big": Case("--port", args=("chat", "--web", "--port", "70000")),
    "chat --message empty": Case("-m", args=("chat", "-m", "")),
    "drill --fault misspelt": Case("--fault", fix="did you mean --fault kill?", args=("drill", "--fault", "kil")),
    "drill --users wrong type": Case("--users", args=("drill", "--users", "many")),
    "drill --users zero": Case("--users", args=("drill", "--users", "0")),
    "drill --users too many": Case("--users", args=("drill", "--users", "100000")),
    "drill --duration wrong type": Case("--duration", args=("drill", "--duration", "long")),
    "drill --duration negative": Case("--duration", args=("drill", "--duration", "-5")),
    "drill --router misspelt": Case("--router", fix="did you mean --router retry?", args=("drill", "--router", "retyr")),
    "drill --hold-down negative": Case("--hold-down", args=("drill", "--hold-down", "-1")),
    "drill --region empty": Case("--region", args=("drill", "--region", "")),
    "drill --report into a directory": Case("--report", args=("drill", "--report", "a-directory")),
    "nlu test --folds wrong type": Case("--folds", args=("nlu", "test", "--folds", "many")),
    "nlu test --folds too few": Case("--folds", args=("nlu", "test", "--folds", "1")),
    "nlu test --folds too many": Case("--folds", args=("nlu", "test", "--folds", "100000")),
    "nlu test --confusions negative": Case("--confusions", args=("nlu", "test", "--confusions", "-1")),
    "nlu test misspelt": Case("tset", fix="Did you mean 'test'?", args=("nlu", "tset")),
    "destroy --export into a directory": Case("--export", args=("destroy", "--auto-approve", "--export", "a-directory")),
    "destroy --export and --no-export": Case("--no-export", args=("destroy", "--export", "x.pfx", "--no-export")),
}

CASES = config_cases() | OPTION_CASES


@pytest.fixture
def workdir(clean_environment: Path) -> Path:
    (clean_environment / "a-file").write_text("a file where a directory would go\n")
    (clean_environment / "a-directory").mkdir()
    (clean_environment / "random.pfx").write_bytes(bytes(range(256)) * 8)
    return clean_environment


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input_is_refused_in_one_line_naming_it(case: Case, workdir: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    if case.toml:
        (workdir / "geobot.toml").write_text(toml(case.toml))
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GEOBOT_PFX_PASSWORD", "any password")
    before = sorted(p.name for p in workdir.iterdir())

    code = main(list(case.args))

    out, err = capsys.readouterr()
    shown = out + err
    assert code == 2, shown
    assert shown.count("\n") == 1 and err.startswith("error: "), shown
    assert case.names in shown and case.fix in shown
    assert not any(word in shown for word in JARGON), shown
    assert sorted(p.name for p in workdir.iterdir()) == before


def test_every_key_of_the_config_is_tried() -> None:
    tried = {case.names for case in CASES.values()}
    assert set(KEYS) <= tried
    assert {var for var in ENV_VARS if var.startswith("GEOBOT_")} - {"GEOBOT_PFX_PASSWORD"} <= tried  # test_bad_input
