"""The rules the clouds, Kubernetes and Polaris impose on names, identifiers and addresses, each written once.

Configuration validation, the components, the Polaris dynamic provider and the policy pack all import these
modules, so the standard library is all they may import: the policy pack's virtualenv holds only
pulumi_policy, and the provider process imports this package at run time. Every rule names its source.
"""
