"""Synthesize infra/'s CDK app offline and read the cloud assembly it writes.

The app is run as the CDK CLI runs it (``cdk.json``: ``python3 app.py``, with the output
folder in ``CDK_OUTDIR`` and the context in ``CDK_CONTEXT_JSON``), in a child process,
so the plan reads exactly the templates ``cdk deploy`` would deploy and the jsii
runtime (node, about 1 GB) never lives in drsim's own process. No account is passed:
synthesis needs no credentials (the stacks' account is ``unknown-account``).

``infra/`` is not part of the installed package: it is found beside the checkout drsim
is imported from, or where ``DRSIM_INFRA_DIR`` points.

The deployment order is derived from the assembly's manifest (each stack's
``dependencies``), never written down here: ``DrsimPrimaryLinks`` after
``DrsimSecondary`` is the seed's two-stage S3 replication, and the plan shows it
because infra/ declares it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import TextIO

from drsim.errors import DrsimError

INFRA_ENV = "DRSIM_INFRA_DIR"
"""Environment variable naming the infra/ folder, for an installed drsim without a checkout."""
INFRA_EXTRA = ("aws_cdk", "constructs", "cdk_nag")
"""Modules infra/app.py imports: the ``infra`` extra."""
STACK_ARTIFACT = "aws:cloudformation:stack"
SYNTH_TIMEOUT_S = 900.0
"""Give up on a synthesis after this long (it takes about 10-40 s). [s]"""
_TAIL_LINES = 15
"""Lines of a failed synthesis's stderr shown in the message."""


def infra_candidates() -> list[Path]:
    """Where infra/ may be, in the order looked at: ``$DRSIM_INFRA_DIR``, beside the
    checkout drsim is imported from (an editable install or a PYTHONPATH checkout), ``./infra``."""
    found = [Path(os.environ[INFRA_ENV])] if os.environ.get(INFRA_ENV) else []
    found.append(Path(str(files("drsim"))).resolve().parent / "infra")
    found.append(Path.cwd() / "infra")
    return list(dict.fromkeys(found))


def infra_dir(candidates: list[Path] | None = None) -> Path:
    """The first of ``candidates`` (default :func:`infra_candidates`) holding ``app.py``.

    Raises DrsimError, saying where it looked and what to do, when none does.
    """
    looked = infra_candidates() if candidates is None else candidates
    for folder in looked:
        if (folder / "app.py").is_file():
            return folder.resolve()
    raise DrsimError(f"no infra/ folder with the CDK app (app.py) found (looked in "
                     f"{', '.join(map(str, looked))}); run drsim from a checkout of the "
                     f"repository, or set {INFRA_ENV} to its infra/ folder")


def require_infra_extra(modules: tuple[str, ...] = INFRA_EXTRA) -> None:
    """Raise DrsimError unless this Python has ``modules``: what infra/app.py imports (the
    ``infra`` extra), checked before a synthesis that would fail after seconds."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise DrsimError(f"synthesizing infra/ needs the infra extra, and {', '.join(missing)} "
                         "is not installed; install it with pip install -e '.[infra]'")


@dataclass(frozen=True)
class SynthStack:
    """One CloudFormation stack of the cloud assembly.

    artifact : the stack's construct id (``DrsimSecondary``), what ``cdk deploy`` names.
    stack_name : its CloudFormation name.
    region : its region; account : its account (``unknown-account`` offline).
    depends_on : stacks that must be deployed before it (from the manifest).
    tags : stack tags the app sets.
    template : the synthesized template.
    """

    artifact: str
    stack_name: str
    region: str
    account: str
    depends_on: tuple[str, ...]
    tags: dict
    template: dict = field(repr=False)

    @property
    def resources(self) -> dict:
        return self.template.get("Resources", {})

    def resource_counts(self) -> dict[str, int]:
        """Resources by CloudFormation type, most first (then by name)."""
        counts = Counter(r["Type"] for r in self.resources.values())
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def of_type(self, rtype: str) -> dict[str, dict]:
        """``{logical id: resource}`` of the resources of type ``rtype``."""
        return {lid: r for lid, r in self.resources.items() if r["Type"] == rtype}


@dataclass(frozen=True)
class CloudAssembly:
    """The synthesized app: its stacks in deployment order, and how long synthesis took.

    synth_s : wall time of the synthesis (0 when read from a folder). [s]
    """

    stacks: tuple[SynthStack, ...]
    synth_s: float = 0.0

    def stack(self, artifact: str) -> SynthStack:
        return next(s for s in self.stacks if s.artifact == artifact)


def deployment_order(depends_on: dict[str, list[str]]) -> list[str]:
    """The stacks in an order where every stack comes after those it depends on.

    ``depends_on`` maps each stack to the stacks it needs (others are ignored); ties keep
    the mapping's order (the app's). Raises DrsimError on a cycle, naming its stacks.
    """
    remaining = {s: [d for d in deps if d in depends_on] for s, deps in depends_on.items()}
    order: list[str] = []
    while remaining:
        ready = [s for s, deps in remaining.items() if all(d in order for d in deps)]
        if not ready:
            raise DrsimError("the cloud assembly's stacks depend on each other in a cycle: "
                             f"{', '.join(remaining)}")
        order.append(ready[0])
        del remaining[ready[0]]
    return order


def read_assembly(outdir: str | os.PathLike, synth_s: float = 0.0) -> CloudAssembly:
    """The stacks of the cloud assembly in ``outdir`` (its ``manifest.json``), in deployment
    order."""
    folder = Path(outdir)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    artifacts = {name: a for name, a in manifest.get("artifacts", {}).items()
                 if a.get("type") == STACK_ARTIFACT}
    if not artifacts:
        raise DrsimError(f"{folder / 'manifest.json'}: the cloud assembly holds no stack")
    stacks = {}
    for name, a in artifacts.items():
        props = a.get("properties", {})
        # environment: aws://ACCOUNT/REGION
        account, _, region = a.get("environment", "aws://unknown-account/unknown-region") \
            .removeprefix("aws://").partition("/")
        template = json.loads((folder / props["templateFile"]).read_text(encoding="utf-8"))
        deps = tuple(d for d in a.get("dependencies", ()) if d in artifacts)
        stacks[name] = SynthStack(artifact=name, stack_name=props.get("stackName", name),
                                  region=region, account=account, depends_on=deps,
                                  tags=dict(props.get("tags", {})), template=template)
    order = deployment_order({n: list(s.depends_on) for n, s in stacks.items()})
    return CloudAssembly(stacks=tuple(stacks[n] for n in order), synth_s=synth_s)


def synthesize(scenario_file: str | os.PathLike, *, infra: Path | None = None,
               log: TextIO | None = None) -> CloudAssembly:
    """Run infra/app.py on ``scenario_file`` into a temporary folder and read the assembly.

    Parameters
    ----------
    scenario_file : the scenario YAML (passed as the app's ``scenario`` context).
    infra : the infra/ folder (default: :func:`infra_dir`).
    log : where to write a status line before and after (synthesis takes tens of seconds).

    Raises
    ------
    DrsimError
        when infra/ or the infra extra is missing, or the app refuses the scenario or fails
        (with the end of its error output).
    """
    folder = infra if infra is not None else infra_dir()
    require_infra_extra(INFRA_EXTRA)
    scenario = str(Path(scenario_file).resolve())
    if log is not None:
        print(f"synthesizing the CDK app in {folder} for {Path(scenario).name} "
              "(offline, usually 10-40 s) ...", file=log, flush=True)
    with tempfile.TemporaryDirectory(prefix="drsim-synth-") as outdir:
        env = {**os.environ, "CDK_OUTDIR": outdir,
               "CDK_CONTEXT_JSON": json.dumps({"scenario": scenario}),
               "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION":
                   os.environ.get("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")}
        # No account from the environment: the plan is the same with or without credentials.
        env.pop("CDK_DEFAULT_ACCOUNT", None)
        started = time.perf_counter()
        try:
            done = subprocess.run([sys.executable, str(folder / "app.py")], cwd=folder, env=env,
                                  capture_output=True, text=True, timeout=SYNTH_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise DrsimError(f"synthesizing {folder / 'app.py'} took more than "
                             f"{SYNTH_TIMEOUT_S:.0f} s; stopped") from None
        synth_s = time.perf_counter() - started
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-_TAIL_LINES:])
            raise DrsimError(f"infra/app.py could not synthesize {Path(scenario).name} "
                             f"(exit {done.returncode}):\n{tail}")
        assembly = read_assembly(outdir, synth_s=synth_s)
    if log is not None:
        print(f"synthesized {len(assembly.stacks)} stacks in {synth_s:.1f} s", file=log,
              flush=True)
    return assembly
