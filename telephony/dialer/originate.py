"""The AMI ``Originate`` of one campaign call, and the number as the dialplan dials it.

The agent's phone is rung first (``Channel``); when they answer, ``cc-outbound`` dials the
customer (``Exten``) over the trunk and records the call in stereo like an inbound call (see
``docker/asterisk/etc/extensions.conf``). ``CC_CAMPAIGN`` and ``CC_ACCOUNT`` let the call logger
link the call record to the account; ``CC_ATTEMPT`` lets the dialer find its attempt again.
"""

from __future__ import annotations

import phonenumbers
from asterisk.ami.action import Action

from callcentre.settings_dialer import DialerSettings
from telephony.campaigns.decisions import DialOrder

#: The international call prefix of South Africa (and most of the world).
INTERNATIONAL_PREFIX = "00"


def dial_digits(e164: str, region: str) -> str:
    """``+27821234567`` as dialled from ``region``: ``0821234567``; a foreign number ``0044...``."""
    number = phonenumbers.parse(e164, None)
    if phonenumbers.region_code_for_number(number) == region.upper():
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return "".join(ch for ch in national if ch.isdigit())
    return INTERNATIONAL_PREFIX + e164.lstrip("+")


def originate_action(order: DialOrder, campaign: str, settings: DialerSettings, region: str) -> Action:
    """The ``Originate`` for ``order`` (asynchronous: the result arrives as ``OriginateResponse``)."""
    digits = dial_digits(order.number, region)
    keys = {
        "ActionID": order.action_id,
        "Channel": order.interface,
        "Context": settings.context,
        "Exten": digits,
        "Priority": "1",
        "Timeout": str(settings.agent_ring_timeout * 1000),
        "CallerID": f'"{campaign} {order.account_number}" <{digits}>',
        "Account": campaign,
        "Async": "true",
    }
    variables = {
        "CC_CAMPAIGN": campaign,
        "CC_ACCOUNT": order.account_number,
        "CC_ATTEMPT": str(order.attempt_id),
        "CC_RING_TIMEOUT": str(settings.ring_timeout),
    }
    return Action("Originate", keys=keys, variables=variables)
