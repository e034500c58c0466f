"""In-process fakes of the services this project talks to (Polaris), for tests that need no network."""
