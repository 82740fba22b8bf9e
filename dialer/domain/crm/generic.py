"""Any other CRM (Salesforce...): URL templates for a browser tab, and signed webhooks.

Lookups and links stay with the built-in CRM; the other CRM learns of each call
from the webhooks (see :mod:`dialer.domain.crm.webhooks`) and the agent opens its
pages from the templates, e.g. ``https://crm.example.com/search?phone={number}``.
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy.orm import Session

from dialer.domain.crm.builtin import BuiltinConnector

# The names a template may use, each URL-quoted when filled in.
TEMPLATE_FIELDS = ("number", "call_id", "call_uid", "agent", "direction")


class GenericConnector(BuiltinConnector):
    """The built-in CRM plus the other CRM's pages in a browser tab."""

    provider = "generic"

    def __init__(self, session: Session, contact_url_template: str, call_url_template: str) -> None:
        super().__init__(session)
        self.contact_url_template = contact_url_template
        self.call_url_template = call_url_template

    def page_urls(self, **values: object) -> dict[str, str]:
        """The CRM's pages for the number and for the call, from the templates ('' when unset)."""
        return {
            "contact": fill_template(self.contact_url_template, values),
            "call": fill_template(self.call_url_template, values),
        }


def fill_template(template: str, values: dict[str, object]) -> str:
    """The template with each known ``{field}`` replaced by its URL-quoted value."""
    if not template:
        return ""
    result = template
    for name in TEMPLATE_FIELDS:
        result = result.replace("{" + name + "}", quote(str(values.get(name, "")), safe=""))
    return result


def check_template(template: str) -> str | None:
    """Why the template cannot be used, or None when it can (empty is allowed)."""
    if not template:
        return None
    if not template.startswith(("https://", "http://")):
        return "must start with https:// or http://"
    leftover = fill_template(template, dict.fromkeys(TEMPLATE_FIELDS, "x"))
    if "{" in leftover or "}" in leftover:
        return "may use only {" + "}, {".join(TEMPLATE_FIELDS) + "}"
    return None
