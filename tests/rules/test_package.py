"""`rules` imports nothing but the standard library: the policy pack's virtualenv holds only pulumi_policy, and
the Polaris provider process imports it at run time."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import rules

PACKAGE = Path(rules.__file__).parent


def test_rules_import_only_the_standard_library_and_each_other():
    imported = set()
    for module in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    assert imported, "the modules import something (re, ipaddress): the walk must see it"
    assert imported - {"rules", "__future__"} <= sys.stdlib_module_names
