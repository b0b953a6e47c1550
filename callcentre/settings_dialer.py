"""The ``[dialer]`` settings section: the calling window, attempt limits and retry rules.

Defaults are South Africa's rules for direct-marketing calls under the Consumer Protection Act
regulations (no calls on Sundays and public holidays; Saturdays 09:00-13:00; other days
08:00-20:00), judged in the account's time zone. :mod:`telephony.campaigns.rules` parses them;
a campaign may override any limit in its ``rules``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class DialerSettings:
    """``[dialer]``: when, how often and how the revenue-collection dialer may call."""

    #: Days and hours calls are allowed (local time of the account): ``day[-day] HH:MM-HH:MM`` or
    #: ``day closed``, separated by ``;``. Days not named are closed.
    window: str = "mon-fri 08:00-20:00; sat 09:00-13:00; sun closed"
    #: Public holidays (no calls) from the ``holidays`` package: country and optional subdivision;
    #: an empty country disables the holiday rule.
    holidays_country: str = "ZA"
    holidays_subdivision: str = ""
    #: The time zone of accounts that do not name one.
    timezone: str = "Africa/Johannesburg"
    #: Dials per account per (local) day, per number per day, and per account over the campaign.
    max_per_day: int = 3
    max_per_number_per_day: int = 2
    max_per_campaign: int = 10
    #: Minimum minutes between two dials to the same account.
    min_gap_minutes: int = 60
    #: Minutes before retrying after each unsuccessful result.
    retry_minutes: str = "busy:30, no_answer:120, congestion:15, failed:10, unknown:60"
    #: Seconds the customer's phone rings (Dial timeout) and the agent's phone rings (Originate).
    ring_timeout: int = 25
    agent_ring_timeout: int = 15
    #: Dialplan context and caller ID of outbound calls (see docker/asterisk/etc/extensions.conf).
    context: str = "cc-outbound"
    #: An attempt without a result from AMI after this many seconds is settled from the call
    #: records, else marked ``unknown`` (it still counts as a dial).
    attempt_timeout_seconds: int = 300
    #: Seconds after an answered call before progressive mode dials for the agent again (sooner
    #: once they have recorded the outcome).
    wrapup_seconds: int = 30
    #: Seconds an account shown in preview stays reserved for the agent.
    preview_lease_seconds: int = 600
    #: Days after a promise's due date before an unpaid promise counts as broken.
    promise_grace_days: int = 3
