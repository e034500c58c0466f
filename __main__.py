"""The Pulumi program: load the stack configuration once, build the stages, export what clients need."""

import pulumi

from components.config_loader import load_config
from components.stages import build_stages

config = load_config()
stages = build_stages(config)
for name, value in stages.outputs().items():
    pulumi.export(name, value)
