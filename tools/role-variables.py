#!/usr/bin/env python3
"""Write the role variable tables from each role's meta/argument_specs.yml.

    python tools/role-variables.py          # rewrite the tables
    python tools/role-variables.py --check  # exit 1 if a table is out of date

Each role's README.md gets the table of its own variables (`<role>_*`) between the markers
below; the Vault API connection (`vault_api_*`), the same in every role that calls the API,
gets one table in docs/connection.md. Descriptions are Ansible markup (C(), I(), ...): they are
parsed with antsibull-docs-parser, the parser antsibull-docs itself uses, and written as
Markdown. antsibull-docs itself writes reStructuredText for a Sphinx site; these tables are
read on the repository's and Galaxy's Markdown pages.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml
from antsibull_docs_parser import dom
from antsibull_docs_parser.md import MDFormatter, to_md
from antsibull_docs_parser.parser import Context, parse

REPO = Path(__file__).resolve().parent.parent
START, END = "<!-- role-variables:start -->", "<!-- role-variables:end -->"
CONNECTION_PREFIX = "vault_api_"
CONNECTION_PAGE = REPO / "docs" / "connection.md"


# What plain text in a table cell must escape: `|` ends the cell; the others open Markdown
# constructs (a `_` between letters does not, so plugin_directory stays readable).
_SPECIAL = re.compile(r"([\\|`*<\[\]]|(?<!\w)_|_(?!\w))")


def text_escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def code(text: str) -> str:
    """A Markdown code span; `|` stays escaped, as a table cell needs even inside code."""
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text.replace('|', chr(92) + '|')}{pad}{fence}"


class TableCellFormatter(MDFormatter):  # type: ignore[misc]
    """Ansible markup as Markdown code spans rather than the HTML tags of the default."""

    def format_text(self, part: dom.TextPart) -> str:
        return text_escape(part.text)

    def format_code(self, part: dom.CodePart) -> str:
        return code(part.text)

    def format_option_value(self, part: dom.OptionValuePart) -> str:
        return code(part.value)

    def format_env_variable(self, part: dom.EnvVariablePart) -> str:
        return code(part.name)

    def format_italic(self, part: dom.ItalicPart) -> str:
        # In option descriptions I() names another option.
        return code(part.text)

    def format_option_name(self, part: dom.OptionNamePart, url: str | None) -> str:
        return code(part.name + (f"={part.value}" if part.value is not None else ""))


FORMATTER = TableCellFormatter()


def description(value: object) -> str:
    paragraphs = value if isinstance(value, list) else [str(value or "")]
    text = to_md(parse([" ".join(str(p).split()) for p in paragraphs], Context()), FORMATTER)
    return " ".join(text.split())


def kind(option: dict[str, Any]) -> str:
    name = str(option.get("type", "str"))
    if name == "list" and "elements" in option:
        name = f"list of {option['elements']}"
    return name


def default(option: dict[str, Any]) -> str:
    if option.get("no_log"):
        return "(secret)"
    if "default" not in option:
        return ""
    value = option["default"]
    if isinstance(value, str):
        return code(value) if value else code('""')
    # JSON is also YAML, and reads the same to everyone (no Python list text).
    return code(json.dumps(value))


def row(name: str, option: dict[str, Any], entry_points: list[str] | None = None) -> str:
    """One table row; `entry_points` names the entry points that take the option when not all
    of them do."""
    text = description(option.get("description", ""))
    if "choices" in option:
        text += " One of " + ", ".join(code(str(c)) for c in option["choices"]) + "."
    if entry_points:
        text += " Entry points: " + ", ".join(code(e) for e in entry_points) + "."
    cells = [code(name), text_escape(kind(option)), default(option), text]
    return "| " + " | ".join(cell or " " for cell in cells) + " |"


def options(role: str) -> dict[str, tuple[dict[str, Any], list[str]]]:
    """Every option of the role's entry points, once, with the entry points that take it."""
    spec = yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())
    found: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for entry_point, body in spec["argument_specs"].items():
        for name, option in (body.get("options") or {}).items():
            found.setdefault(name, (option, []))[1].append(entry_point)
    return found


def table(rows: list[str]) -> str:
    return "\n".join(["| variable | type | default | description |", "|---|---|---|---|", *rows])


def role_table(role: str) -> str:
    found = options(role)
    every = max((len(entry_points) for _, entry_points in found.values()), default=0)
    rows = [
        row(name, option, entry_points if len(entry_points) < every else None)
        for name, (option, entry_points) in found.items()
        if not name.startswith(CONNECTION_PREFIX)
    ]
    text = table(rows)
    if any(name.startswith(CONNECTION_PREFIX) for name in found):
        text += (
            "\n\nThe Vault API connection (`vault_api_*`, in every entry point): "
            "[docs/connection.md](../../docs/connection.md)."
        )
    return text


def connection_table() -> str:
    """The connection variables of the first role that declares them (a unit test checks that
    every API role declares the same ones)."""
    for role in roles():
        found = options(role)
        rows = [row(n, o) for n, (o, _) in found.items() if n.startswith(CONNECTION_PREFIX)]
        if rows:
            return table(rows)
    return ""


def roles() -> list[str]:
    return sorted(p.name for p in (REPO / "roles").iterdir() if (p / "meta").is_dir())


def generated() -> dict[Path, str]:
    """Each file's text with its table block rewritten."""
    blocks = {REPO / "roles" / role / "README.md": role_table(role) for role in roles()}
    blocks[CONNECTION_PAGE] = connection_table()
    files = {}
    for path, block in blocks.items():
        text = path.read_text()
        if START not in text or END not in text:
            raise SystemExit(f"{path.relative_to(REPO)} has no {START} ... {END} block")
        head, _, rest = text.partition(START)
        _, _, tail = rest.partition(END)
        files[path] = f"{head}{START}\n{block}\n{END}{tail}"
    return files


def main() -> int:
    stale = []
    for path, text in generated().items():
        if path.read_text() != text:
            stale.append(str(path.relative_to(REPO)))
            if "--check" not in sys.argv:
                path.write_text(text)
    if stale and "--check" in sys.argv:
        print(
            f"role variable tables out of date in {', '.join(stale)}: run tools/role-variables.py"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
