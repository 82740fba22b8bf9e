"""The words an admin or a manager reads for each refusal of the people, PBX and pause rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from dialer.domain.admin import extensions, pause_reasons, queues
from dialer.domain.people import bulk, passwords, users

REFUSALS = {
    users.INVALID_AGENT_ID: (
        422,
        _l(
            "The agent id “%(username)s” is not valid: use letters, digits and . _ - @ only,"
            " without spaces, at most 64 characters."
        ),
    ),
    users.DUPLICATE_AGENT_ID: (409, _l("The agent id %(username)s is already taken.")),
    users.NAME_REQUIRED: (422, _l("Enter a name (at most 120 characters).")),
    users.INVALID_EMAIL: (422, _l("Enter an email address such as name@example.com, or nothing.")),
    users.UNKNOWN_ROLE: (
        422,
        _l("Unknown role “%(role)s”: choose agent, supervisor, manager or admin."),
    ),
    users.INVALID_EXTENSION: (
        422,
        _l("The extension “%(extension)s” is not valid: use letters, digits and . _ - + * # only."),
    ),
    users.EXTENSION_RETIRED: (409, _l("Extension %(extension)s is retired.")),
    users.EXTENSION_TAKEN: (
        409,
        _l("Extension %(extension)s already belongs to %(owner)s."),
    ),
    users.EXTENSION_IN_USE: (
        409,
        _l("Extension %(extension)s is in use: %(owner)s is signed in on it."),
    ),
    users.UNKNOWN_QUEUE: (422, _l("There is no queue named %(queue)s.")),
    users.UNKNOWN_USER: (404, _l("No such user.")),
    users.NO_SUCH_AGENT_ID: (404, _l("There is no user with agent id %(username)s.")),
    users.LAST_ADMIN: (
        409,
        _l("%(username)s is the last active admin: make another admin first."),
    ),
    users.SELF_DEACTIVATE: (409, _l("You cannot deactivate yourself.")),
    users.WRONG_PASSWORD: (422, _l("Your current password is not right.")),
    users.SAME_PASSWORD: (422, _l("The new password must differ from the current one.")),
    users.PASSWORDS_DIFFER: (422, _l("The two new passwords are not the same.")),
    passwords.PASSWORD_EMPTY: (422, _l("Enter a password.")),
    passwords.PASSWORD_TOO_SHORT: (
        422,
        _l("The password is too short: use at least %(min)s characters."),
    ),
    passwords.PASSWORD_TOO_LONG: (
        422,
        _l("The password is too long: use at most %(max)s characters."),
    ),
    passwords.PASSWORD_COMMON: (
        422,
        _l("This password is one of the most common ones: choose another."),
    ),
    extensions.DUPLICATE_EXTENSION: (409, _l("Extension %(extension)s already exists.")),
    extensions.UNKNOWN_EXTENSION: (404, _l("No such extension.")),
    queues.INVALID_QUEUE_NAME: (
        422,
        _l(
            "The PBX would refuse the queue name “%(queue)s”: use letters, digits and - _ . only,"
            " without spaces, at most 64 characters."
        ),
    ),
    queues.DUPLICATE_QUEUE: (409, _l("A queue named %(queue)s already exists.")),
    queues.NO_SUCH_QUEUE: (404, _l("No such queue.")),
    queues.QUEUE_RETIRED: (409, _l("The queue %(queue)s is retired.")),
    pause_reasons.REASON_NAME_REQUIRED: (
        422,
        _l("Enter the reason's name in both languages (at most 80 characters)."),
    ),
    pause_reasons.INVALID_MAX_MINUTES: (
        422,
        _l("The maximum length must be a whole number of minutes from 1 to 1440."),
    ),
    pause_reasons.NO_SUCH_REASON: (404, _l("No such pause reason.")),
    bulk.NO_AGENT_ID_COLUMN: (
        422,
        _l("The file has no agent id column (its columns: %(headers)s)."),
    ),
}


def sentence(code: str, params: dict | None = None) -> str:
    """The sentence of one refusal code, filled with its params."""
    _status, text = REFUSALS.get(code, (409, code))
    try:
        return str(text) % params if params else str(text)
    except (KeyError, TypeError, ValueError):
        return str(text)
