"""``drsim new NAME --from BUNDLED``: a scenario of one's own that extends a bundled one."""

from __future__ import annotations

from drsim.cli import main
from drsim.scenario import load_scenario
from tests.conftest import run_cli


def test_new_file_is_the_base_under_a_new_name(tmp_path, capsys):
    path = tmp_path / "mine.yaml"
    assert main(["new", str(tmp_path / "mine"), "--from", "seed-warm-standby"]) == 0
    assert "wrote" in capsys.readouterr().out
    mine, base = load_scenario(path), load_scenario("seed-warm-standby")
    assert mine.name == "mine"
    assert mine.model_dump(exclude={"name", "description"}) == base.model_dump(
        exclude={"name", "description"})
    text = path.read_text()
    assert "extends: seed-warm-standby" in text
    assert "#   ttl_s: 60" in text  # the common fields, commented, with the base's values


def test_uncommenting_a_listed_field_changes_it(tmp_path):
    path = tmp_path / "mine.yaml"
    assert main(["new", str(path), "--from", "warm-standby"]) == 0
    base = load_scenario("warm-standby")
    text = path.read_text()
    old = f"#   ttl_s: {base.dns.ttl_s:g}"
    assert "# dns:" in text and old in text
    text = text.replace("# dns:", "dns:", 1).replace(old, "  ttl_s: 5", 1)
    path.write_text(text)
    assert load_scenario(path).dns.ttl_s == 5


def test_new_refuses_an_existing_file_unless_forced(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("precious\n")
    r = run_cli("new", "mine", "--from", "seed-warm-standby", cwd=tmp_path)
    assert r.returncode == 2 and "exists" in r.stderr and "--force" in r.stderr
    assert path.read_text() == "precious\n"
    r = run_cli("new", "mine", "--from", "seed-warm-standby", "--force", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert load_scenario(path).name == "mine"


def test_new_with_an_unknown_base_suggests_the_closest(tmp_path):
    r = run_cli("new", "mine", "--from", "pilot-lite", cwd=tmp_path)
    assert r.returncode == 2 and "did you mean 'pilot-light'" in r.stderr
    assert "Traceback" not in r.stderr and list(tmp_path.iterdir()) == []


def test_new_refuses_when_a_file_beside_it_would_shadow_the_base(tmp_path):
    (tmp_path / "pilot-light.yaml").write_text("name: x\n")
    r = run_cli("new", "mine", "--from", "pilot-light", cwd=tmp_path)
    assert r.returncode == 2 and "instead of the bundled scenario" in r.stderr
    assert not (tmp_path / "mine.yaml").exists()
