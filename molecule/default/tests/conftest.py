"""The scenario's fixtures come from webex_vault_testing.molecule, with its shared code."""

from webex_vault_testing.molecule import host, scenario_fixture, vault  # noqa: F401 - fixtures
