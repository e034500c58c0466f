"""Bootstrap: the identities the pipelines use (see ci_identities.py and docs/operations.md)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the application's typed configuration

import pulumi
from ci_identities import CiIdentities
from ci_settings import build_args

from configuration.loader import engine_values

identities = CiIdentities("ci", build_args(engine_values(pulumi.get_project())))
pulumi.export("githubVariables", identities.github_variables)
if identities.runner_label:
    pulumi.export("runnerLabel", identities.runner_label)
