"""CI re-executes one notebook of notebooks-export/ (issue #10): 01-demo-host, on datasets/demo.

Executed with nbclient into memory (the committed notebook is not touched; the executed copy is
written to a temporary folder), from notebooks-export/ as the notebooks expect, with the binary
from $INTERFERE / $INTERFERE_BIN (scripts/test.sh sets the latter) or .build/release/interfere.
Skips only when jupyter, nbclient or matplotlib are not importable.
"""
import importlib.util
import os
import tempfile
import time

import pytest

MISSING = [m for m in ("nbformat", "nbclient", "ipykernel", "jupyter_client", "matplotlib", "pandas")
           if importlib.util.find_spec(m) is None]
pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"notebook test needs {', '.join(MISSING)} (run scripts/install-deps.sh)")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NOTEBOOKS = os.path.join(ROOT, "notebooks-export")
LIMIT_S = 120


def test_demo_host_notebook_executes():
    import nbformat
    from nbclient import NotebookClient

    binary = os.environ.get("INTERFERE") or os.environ.get("INTERFERE_BIN") or os.path.join(ROOT, ".build/release/interfere")
    assert os.path.exists(binary), f"no interfere binary at {binary}: build with `swift build -c release`"
    nb = nbformat.read(os.path.join(NOTEBOOKS, "01-demo-host.ipynb"), as_version=4)
    for cell in nb.cells:  # start from a clean notebook: no committed output can pass for a fresh one
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    old = os.environ.get("INTERFERE")
    os.environ["INTERFERE"] = binary
    try:
        client = NotebookClient(nb, timeout=LIMIT_S, kernel_name="python3",
                                resources={"metadata": {"path": NOTEBOOKS}})
        start = time.monotonic()
        client.execute()
        elapsed = time.monotonic() - start
    finally:
        if old is None:
            os.environ.pop("INTERFERE", None)
        else:
            os.environ["INTERFERE"] = old
    with tempfile.TemporaryDirectory() as tmp:
        nbformat.write(nb, os.path.join(tmp, "01-demo-host.executed.ipynb"))
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, f"{errors[0].ename}: {errors[0].evalue}"
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code"), "a code cell did not run"
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= 4, f"expected the notebook's 4 figures, got {len(figures)}"
    text = "".join("".join(o.get("text", "")) for o in outputs if o.output_type == "stream")
    assert "culprit: backup" in text, "score on the demo should name backup as web's culprit"
    assert elapsed < LIMIT_S, f"01-demo-host took {elapsed:.1f} s (CI limit {LIMIT_S} s)"
    print(f"01-demo-host executed in {elapsed:.1f} s")
