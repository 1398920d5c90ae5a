"""agentbar: a self-hosted contact-center server whose toolbar embeds in any web CRM."""

__version__ = "0.1.0"
