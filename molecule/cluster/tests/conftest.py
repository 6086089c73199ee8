"""The cluster scenario's fixtures come from webex_vault_testing.molecule, with its shared code."""

from webex_vault_testing.molecule import scenario_fixture  # noqa: F401 - fixture
