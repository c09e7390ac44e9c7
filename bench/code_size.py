"""The largest modules and functions of the package, in lines (issue 9 asks for both figures).

A module's size is its line count; a function's is its AST span (``def`` line, decorators
excluded, through its last line, docstring included), methods and nested functions counted on
their own. Usage: ``python bench/code_size.py [--top 5] [--root src/trialsynth]``.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def module_sizes(root: Path) -> list[tuple[int, str]]:
    """``(lines, path)`` of every ``.py`` file below ``root``, largest first."""
    sizes = [
        (len(path.read_text(encoding="utf-8").splitlines()), str(path.relative_to(root)))
        for path in root.rglob("*.py")
    ]
    return sorted(sizes, reverse=True)


def function_sizes(root: Path) -> list[tuple[int, str]]:
    """``(lines, path:line name)`` of every function and method below ``root``, largest first."""
    sizes: list[tuple[int, str]] = []
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                span = (node.end_lineno or node.lineno) - node.lineno + 1
                sizes.append((span, f"{path.relative_to(root)}:{node.lineno} {node.name}"))
    return sorted(sizes, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO / "src" / "trialsynth")
    parser.add_argument("--top", type=int, default=5, help="rows per list (default 5)")
    args = parser.parse_args()
    print("largest modules (lines):")
    for lines, name in module_sizes(args.root)[: args.top]:
        print(f"  {lines:5d}  {name}")
    print("largest functions (lines, ast span):")
    for lines, name in function_sizes(args.root)[: args.top]:
        print(f"  {lines:5d}  {name}")


if __name__ == "__main__":
    main()
