"""The stack configuration, from `Pulumi.<stack>.yaml` to typed objects: its schema (``schema``), the generic
parser (``parser``), the cross-field rules (``validation``) and the loading from the engine or from a stack
file (``loader``); what the clouds, Kubernetes and Polaris accept comes from the shared ``rules`` package.
Everything that reads a stack configuration, the program, the offline tools and the bootstrap project, reads
it through ``loader``."""
