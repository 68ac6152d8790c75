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


def test_quick_start_is_two_commands_and_one_test_command():
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", quick_start, flags=re.S)
    assert blocks[0].split("\n")[:2] == [
        "python3 -m pip install -r requirements.txt", "streamlit run app.py"]
    assert blocks[1].strip() == "python3 -m pytest"
    assert "python -m pytest" in (PROJECT_ROOT / ".ci" / "run").read_text()
