"""The Pulumi program: load the stack configuration once, build the stages, export what clients need."""

import pulumi

from components.stages import build_stages
from configuration.loader import load_config

config = load_config()
stages = build_stages(config)
for name, value in stages.outputs().items():
    pulumi.export(name, value)
