"""Building blocks of the Polaris test server: entity store, storage rules, tokens, routes, spec checks, faults."""
