"""A CRM project's conftest.py: the one line that loads agentbar's fixtures."""

pytest_plugins = ["agentbar.testing"]
