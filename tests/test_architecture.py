"""The layering of ARCHITECTURE.md, checked on the source: imports flow downward only."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "emgfeedback"

# Lower number = lower layer. A module may import its own layer or below.
LAYERS = {
    "model": 0,
    "errors": 0,
    "validation": 0,
    "protocol": 1,
    "dsp": 2,
    "settings": 2,
    "measures": 3,
    "calibration": 3,
    "simulation": 3,
    "devices": 4,
    "storage": 4,
    "analysis": 5,
    "bench": 5,
    "bench_accuracy": 5,
    "bench_accuracy_table": 5,
    "session": 6,
    "audio": 6,
    "app": 7,
    "commands": 8,
    "cli": 8,
    "testing": 8,
}
QT = ("PySide6", "pyqtgraph", "shiboken6")
NOT_IN_DSP = ("serial", "bleak", "sqlite3", "threading", "socket", "asyncio", "pylsl", *QT)


def _modules():
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG)
        top = rel.parts[0].removesuffix(".py")
        if top == "__init__":
            continue
        yield path, top


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_every_top_level_module_has_a_layer():
    missing = sorted({top for _, top in _modules()} - set(LAYERS))
    assert not missing, f"add these to LAYERS in {__file__}: {missing}"


@pytest.mark.parametrize("path,top", list(_modules()), ids=lambda v: str(v))
def test_imports_flow_downward(path, top):
    if top not in LAYERS:
        pytest.fail(f"{top} has no layer")
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] == "emgfeedback" and len(parts) > 1:
            target = parts[1]
            assert target in LAYERS, f"{path.name} imports unknown emgfeedback.{target}"
            assert LAYERS[target] <= LAYERS[top], (
                f"{path.relative_to(PKG.parent)} ({top}) imports emgfeedback.{target}, a higher layer"
            )
        if parts[0] in QT:
            assert top == "app", f"{path.relative_to(PKG.parent)} imports {parts[0]}: Qt lives in app/ only"
        if top == "dsp":
            assert parts[0] not in NOT_IN_DSP, f"{path.name} imports {parts[0]}: dsp/ stays pure"


def test_core_import_does_not_load_qt():
    import subprocess
    import sys

    code = (
        "import sys, emgfeedback, emgfeedback.dsp, emgfeedback.simulation, emgfeedback.cli;"
        "emgfeedback.cli.build_parser();"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('PySide6','pyqtgraph')];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"importing the core loaded Qt: {out.stdout}"
