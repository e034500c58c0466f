"""Command-line tools that run the program offline (plan, policy check, client configuration)."""
