"""Polaris entity names as Polaris (Java) judges them, where the configuration's old copy judged as Python does."""

from __future__ import annotations

import pytest

from rules import polaris


@pytest.mark.parametrize(
    "name",
    [
        "sales",
        "x" * polaris.MAX_NAME,
        "x" * (polaris.MAX_NAME - 2) + "\U0001f600",  # 256 UTF-16 code units
        "my_system$",
        "\u00a0system$x",  # Java's \s is ASCII: a no-break space is no blank
        "\u017fystem$x",  # the long s is not an 's' to Java's [sS] (Python's IGNORECASE folds it to one)
        "tab\tinside",
    ],
)
def test_names_polaris_accepts(name):
    assert polaris.is_entity_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "x" * (polaris.MAX_NAME + 1),
        "\U0001f600" * 129,  # 129 characters, 258 UTF-16 code units
        "x" * (polaris.MAX_NAME - 1) + "\U0001f600",
        "system$x",
        "SyStEm$x",
        "  system$x",
        "\tsystem$x",
        "trailing\n",
        "a\nb",
        "a\rb",
        "a\u0085b",
        "a\u2028b",
        "a\u2029b",
    ],
)
def test_names_polaris_refuses(name):
    assert not polaris.is_entity_name(name)


def test_java_length_counts_utf16_code_units():
    assert polaris.java_length("a\U0001f600") == 3


def test_no_access_level_includes_a_management_privilege():
    assert set(polaris.READ_PRIVILEGES) < set(polaris.WRITE_PRIVILEGES)
    assert not set(polaris.WRITE_PRIVILEGES) & polaris.MANAGEMENT_PRIVILEGES
