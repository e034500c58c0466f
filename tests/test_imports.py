"""The import graph of the project's own modules: no cycle, and the policy pack a leaf.

Every import statement counts, function-local ones included (they are how a cycle hides), read with ``ast``
so nothing is executed. A module's name is its dotted path from the project directory; the bootstrap
project's modules are top-level names, as Pulumi runs them from their own directory.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SKIPPED = {"venv", ".git", "node_modules"}


def module_files(root: Path) -> dict[str, Path]:
    modules = {}
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if _SKIPPED & set(relative.parts) or any(part.endswith("venv") for part in relative.parts):
            continue
        if relative.parts[0] == "bootstrap":
            modules[path.stem] = path
            continue
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts:
            modules[".".join(parts)] = path
    return modules


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The first-party module an import of ``name`` executes (the deepest that exists), or None."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the first-party modules it imports, anywhere in its body."""
    modules = module_files(root)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {_resolve(alias.name, modules) for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package
                    for _ in range(node.level - 1):
                        anchor = anchor.rpartition(".")[0]
                    base = f"{anchor}.{base}" if base else anchor
                # `from package import submodule` imports the submodule; `from module import name` the module.
                imported |= {_resolve(f"{base}.{alias.name}", modules) for alias in node.names}
        graph[name] = {m for m in imported if m is not None and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_among_the_projects_modules():
    assert cycles(import_graph(ROOT)) == []


def test_a_cycle_through_a_function_local_import_is_found(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "plan.py").write_text("from pkg.check import run\n")
    (package / "check.py").write_text("def run():\n    from pkg import plan\n")
    (package / "leaf.py").write_text("import pkg.check\n")
    assert cycles(import_graph(tmp_path)) == [["pkg.check", "pkg.plan"]]


def test_the_policy_pack_imports_only_itself_the_rules_pulumi_policy_and_the_standard_library():
    """The CLI runs the pack in its own virtualenv (policies/requirements.txt): nothing of the program,
    the tools or their dependencies may be needed there; ``rules`` is standard library only
    (tests/rules/test_package.py)."""
    modules = module_files(ROOT)
    foreign = set()
    for name, path in modules.items():
        if name != "policies" and not name.startswith("policies."):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            for imported in names:
                top = imported.partition(".")[0]
                if top in ("policies", "rules", "pulumi_policy", "__future__") or top in sys.stdlib_module_names:
                    continue
                foreign.add((name, _resolve(imported, modules) or imported))
    assert foreign == set()


def test_the_real_suites_project_copy_holds_everything_the_program_and_the_pack_import():
    """tests/real runs the CLI on a copy of PROJECT_FILES: a package missing there fails only on the real engine."""
    from tests.real.cli import PROJECT_FILES

    graph = import_graph(ROOT)  # its `__main__` is the bootstrap project's (top-level names): start below it
    program = ast.parse((ROOT / "__main__.py").read_text(encoding="utf-8"))
    starts = [node.module for node in ast.walk(program) if isinstance(node, ast.ImportFrom) and node.module]
    reached, todo = set(), [*starts, "policies.__main__"]
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo.extend(graph.get(module, ()))
    copied = {Path(name).stem for name in PROJECT_FILES}
    assert {module.split(".")[0] for module in reached} <= copied
