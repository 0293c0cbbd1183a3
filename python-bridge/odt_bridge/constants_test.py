import re
from pathlib import Path

from odt_bridge.constants import EXIT_CODES, EXIT_HELP

TS_TABLE = Path(__file__).resolve().parents[2] / "libs" / "cli-kit" / "src" / "exit-codes.ts"


def test_every_code_mirrors_the_typescript_table():
    text = TS_TABLE.read_text(encoding="utf-8")
    ts = {name: int(status) for name, status in re.findall(r"^\s+([A-Z_]+): \{ exit: (\d+),", text, re.M)}
    assert ts, "could not parse the TypeScript exit-code table"
    for name, status in EXIT_CODES.items():
        assert ts.get(name) == status, f"{name} is {status} here but {ts.get(name)} in exit-codes.ts"


def test_every_code_has_help_text():
    assert set(EXIT_HELP) == set(EXIT_CODES)
    assert all(len(text) > 10 for text in EXIT_HELP.values())
