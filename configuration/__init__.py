"""The stack configuration, from `Pulumi.<stack>.yaml` to typed objects: its schema (``schema``), the generic
parser (``parser``), the cross-field rules (``validation``), the facts the clouds impose (``cloud_facts``) and
the loading from the engine or from a stack file (``loader``). Everything that reads a stack configuration,
the program, the offline tools and the bootstrap project, reads it through ``loader``."""
