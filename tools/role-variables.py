#!/usr/bin/env python3
"""Write the README's role variable tables from each role's meta/argument_specs.yml.

python tools/role-variables.py          # rewrite the block in README.md
python tools/role-variables.py --check  # exit 1 if README.md is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
START, END = "<!-- role-variables:start -->", "<!-- role-variables:end -->"


def cell(value: object) -> str:
    if isinstance(value, str):
        text = value
    else:
        text = yaml.safe_dump(value, default_flow_style=True, width=1000).strip()
        text = text.removesuffix("...").strip()
    return "`" + text.replace("|", "\\|") + "`" if text else '`""`'


def tables() -> str:
    parts = []
    for role_dir in sorted(p for p in (REPO / "roles").iterdir() if p.is_dir()):
        spec = yaml.safe_load((role_dir / "meta" / "argument_specs.yml").read_text())
        entry_points = spec["argument_specs"]
        main = entry_points["main"]
        parts.append(f"### `{role_dir.name}`\n\n{main['short_description']}\n")
        others = [name for name in entry_points if name != "main"]
        if others:
            parts.append(f"Other entry points (`tasks_from`): {', '.join(others)}.\n")
        parts.append("| variable | type | default | description |\n|---|---|---|---|")
        options = {}
        for entry_point in entry_points.values():
            for name, option in entry_point.get("options", {}).items():
                options.setdefault(name, option)
        for name, option in options.items():
            kind = option.get("type", "str")
            if "choices" in option:
                kind += " (" + ", ".join(str(c) for c in option["choices"]) + ")"
            default = "" if option.get("no_log") else cell(option.get("default", ""))
            description = " ".join(str(option.get("description", "")).split())
            parts.append(f"| `{name}` | {kind} | {default} | {description} |")
        parts.append("")
    return "\n".join(parts)


def main() -> int:
    readme = REPO / "README.md"
    text = readme.read_text()
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    updated = f"{head}{START}\n{tables()}{END}{tail}"
    if "--check" in sys.argv:
        if updated != text:
            print("README.md role tables are out of date: run tools/role-variables.py")
            return 1
        return 0
    readme.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
