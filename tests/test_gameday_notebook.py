"""drsim/notebooks/04-local-gameday runs headless with small parameters (one game day)."""


import pytest

from drsim.bundled import notebooks_dir

papermill = pytest.importorskip("papermill")
pytestmark = [pytest.mark.postgres, pytest.mark.notebook, pytest.mark.slow]  # skipped, saying how to install it, without PostgreSQL

NOTEBOOK = notebooks_dir() / "04-local-gameday.ipynb"


def test_the_notebook_is_stored_clean_with_tagged_and_documented_parameters():
    import ast

    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assigned = [n.target.id for n in ast.parse(code[0].source).body]
    inferred = papermill.inspect_notebook(str(NOTEBOOK))
    assert list(inferred) == assigned  # papermill read every line
    assert all(p["inferred_type_name"] != "None" and len(p["help"]) > 10
               for p in inferred.values())


def test_the_notebook_runs_one_game_day(tmp_path):
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), cwd=str(NOTEBOOK.parent),
                               parameters={"runs": 1, "sim_trials": 500, "seed": 2},
                               progress_bar=False, kernel_name="python3")
    import nbformat

    nb = nbformat.read(out, as_version=4)
    text = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                   for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "rto_s" in text and "recovered" in text
