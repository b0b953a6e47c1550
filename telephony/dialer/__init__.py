"""The revenue-collection dialer: places campaign calls with AMI ``Originate``.

* :mod:`telephony.dialer.agents`: which agents are free, from queue-member status and pauses.
* :mod:`telephony.dialer.tracking`: an attempt's result from AMI events (OriginateResponse,
  DialEnd, Hangup).
* :mod:`telephony.dialer.originate`: the Originate action and the number as the dialplan dials it.
* :mod:`telephony.dialer.service`: the loop: connect, snapshot, dial per free agent (progressive)
  or per agent request (preview), settle results, survive reconnects without double-dialling.

Which account may be dialled, and when, is decided in :mod:`telephony.campaigns.decisions`.
"""
