"""The conformance kit: `agentbar conformance --crm-url URL` drives a CRM page in Chromium
against a sandbox agentbar and scores every integration point the page has (docs/conformance.md).

It works on the page from outside only: an init script watches the page's handler registrations
and calls, the sandbox's simulator API places the calls, and the toolbar is driven through its
`data-testid`s. Nothing here imports the server's insides; the sandbox is `agentbar serve` run as
its own process.
"""
