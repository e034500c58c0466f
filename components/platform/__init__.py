"""The AWS platform that hosts Polaris (type tokens `polaris-data-exchange:platform:*`): network and EKS
cluster (`cluster`), and the PostgreSQL database behind relational-jdbc persistence (`database`)."""
