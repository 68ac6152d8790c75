"""README stays true: every setting and every dataset is documented."""

from __future__ import annotations

import re

from data_sources.registry import DATASETS
from settings import PROJECT_ROOT, Settings

README = (PROJECT_ROOT / "README.md").read_text()


def test_every_setting_is_documented_in_the_readme():
    documented = set(re.findall(r"`(GRA_[A-Z_]+)`", README))
    expected = {f"GRA_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set(), "settings missing from README's Configuration"
    assert documented - expected == set(), "README documents settings that do not exist"


def test_every_dataset_is_listed_with_its_vintage_and_geography():
    for spec in DATASETS:
        row = next((line for line in README.splitlines() if f"| `{spec.id}` |" in line), None)
        assert row is not None, f"{spec.id} missing from README's Datasets table"
        assert spec.vintage in row and spec.geography in row, row


def test_quick_start_is_one_command_to_run_and_one_to_test():
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert quick_start.index("python3 -m venv") < quick_start.index("pip install")
    assert "--server.port 8502" in quick_start
    blocks = re.findall(r"```bash\n(.*?)```", quick_start, flags=re.S)
    assert blocks[0].strip() == (
        "python3 -m pip install -r requirements.txt && streamlit run app.py")
    assert blocks[1].strip() == (
        "python3 -m pip install -r requirements-dev.txt && python3 -m pytest")
    assert ("python -m pip install --quiet -r requirements-dev.txt && python -m pytest"
            in (PROJECT_ROOT / ".ci" / "run").read_text())


def test_runtime_requirements_hold_no_test_or_benchmark_tool():
    runtime = (PROJECT_ROOT / "requirements.txt").read_text().lower()
    dev = (PROJECT_ROOT / "requirements-dev.txt").read_text().lower()
    assert "-r requirements.txt" in dev
    for tool in ("pytest", "hypothesis", "selenium", "segregation", "mapbox-vector-tile",
                 "pypdf", "websockets", "ruff"):
        assert tool not in runtime and tool in dev, tool
