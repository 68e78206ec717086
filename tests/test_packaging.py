"""The README's promises about packaging: environment.yml and pyproject agree, CI calls make test."""

import re
import tomllib

import yaml

from tests.conftest import ROOT


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_name(r) for r in project["dependencies"]}
    for reqs in project["optional-dependencies"].values():
        names |= {_name(r) for r in reqs}
    return names


def _environment():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = set(), []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip += dep["pip"]
        else:
            conda.add(_name(dep))
    return env, conda - {"python", "pip"}, pip


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    env, conda, pip = _environment()
    listed = conda | {_name(p) for p in pip if not p.startswith("-e")}
    assert listed == _pyproject_names()


def test_environment_yml_is_conda_forge_python_311_and_installs_drsim_with_extras():
    env, _, pip = _environment()
    assert env["channels"] == ["conda-forge"]
    assert "python=3.11" in env["dependencies"]
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    editable = [p for p in pip if p.startswith("-e")]
    assert editable == [f"-e .[{','.join(sorted(extras))}]"] or sorted(
        re.search(r"\[(.*)\]", editable[0]).group(1).split(",")) == sorted(extras)


def test_ci_runs_make_test_and_fails_when_it_fails():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "set -e" in ci and "make test" in ci


def test_readme_quick_start_is_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make report" in readme and "make test" in readme


def test_the_command_line_starts_without_the_gameday_extra():
    # make report installs the lab extra only: building the parser (every subcommand, the
    # game days' included) and simulating must not import dnslib, dnspython or psycopg.
    import subprocess
    import sys

    code = ("import sys\n"
            "for name in ('dnslib', 'dns', 'psycopg'):\n"
            "    sys.modules[name] = None  # import fails, as when not installed\n"
            "from drsim.cli import main\n"
            "sys.exit(main(['simulate', 'seed-warm-standby', '--trials', '20', '--json']))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '"trials": 20' in proc.stdout
