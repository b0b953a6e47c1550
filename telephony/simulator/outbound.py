"""Outbound revenue calls placed with AMI ``Originate``: agent leg first, then the customer.

Phases follow ``cc-outbound`` of the reference dialplan: the agent phone is rung (the Originate
first leg: Dial* events without a ``Channel``), on answer ``Dial(PJSIP/<number>@pstn-trunk,...)``
rings the customer, and the ``U()`` subroutine starts MixMonitor on the customer channel.
"""

from __future__ import annotations

from telephony.simulator import events as ev
from telephony.simulator.call import CallSession, PlayedCall, SimContext
from telephony.simulator.model import UNKNOWN, Agent

# DIALSTATUS, CDR disposition, hangup cause, SIP code of the customer leg per failure outcome.
FAILURES: dict[str, tuple[str, str, int, int | None]] = {
    "busy": ("BUSY", "BUSY", 17, 486),
    "noanswer": ("NOANSWER", "NO ANSWER", 0, None),
    "congestion": ("CONGESTION", "CONGESTION", 34, 503),
}


class OutboundCall(CallSession):
    """One Originate: agent channel (owner of the Linkedid) and the customer channel."""

    def __init__(
        self,
        ctx: SimContext,
        now: float,
        agent: Agent,
        number: str,
        account: str = "",
        campaign: str | None = None,
        action_id: str = "",
        ring_timeout: int | None = None,
        variables: dict[str, str] | None = None,
    ) -> None:
        super().__init__(ctx, now, PlayedCall("", "outbound", number, number, now))
        self.agent = agent
        self.number = number
        self.account = account
        self.campaign = self.cfg.campaign if campaign is None else campaign
        self.action_id = action_id
        self.ring_timeout = ring_timeout
        #: Further Originate ``Variable``s (e.g. ``CC_ATTEMPT``), set on the agent channel.
        self.variables = dict(variables or {})
        self.a = self.new_channel(agent.extension, agent.extension, agent.caller_name, None)
        self.record.linkedid = self.a.linkedid
        self.record.agents.append(agent.extension)
        self.cust = self.a  # replaced by the customer channel once dialled
        self.agent_answered: float | None = None
        self.bridged = False
        ctx.records.append(self.record)

    @property
    def dial_data(self) -> str:
        """Dial() arguments the dialplan uses for the customer leg."""
        timeout = self.ring_timeout if self.ring_timeout is not None else 25
        return f"PJSIP/{self.number}@{self.cfg.trunk},{timeout},U(cc-outbound-answered^{self.a.linkedid})"

    def originate(self) -> None:
        """The agent's phone is rung (Originate first leg)."""
        a = self.a
        self.announce(a)
        if self.ring_timeout is not None:
            self.put(ev.varset, a, "CC_RING_TIMEOUT", str(self.ring_timeout))
        self.put(ev.varset, a, "CC_ACCOUNT", self.account)
        self.put(ev.varset, a, "CC_CAMPAIGN", self.campaign)
        for name, value in self.variables.items():
            self.put(ev.varset, a, name, value)
        a.application, a.app_data = "AppDial2", "(Outgoing Line)"
        self.put(ev.newexten, a, a.application, a.app_data)
        a.account = self.campaign
        self.put(ev.chan_event, "NewAccountCode", a, [("OldAccountCode", "")])
        a.cid_num, a.cid_name = self.cfg.outbound_cli, self.cfg.outbound_cli_name
        self.put(
            ev.chan_event, "NewCallerid", a, [("CID-CallingPres", "0 (Presentation Allowed, Not Screened)")]
        )
        a.conn_num, a.conn_name = a.cid_num, a.cid_name
        self.put(ev.chan_event, "NewConnectedLine", a)
        self.put(ev.dial_event, "DialBegin", None, a, [("DialString", self.agent.extension)])
        self.put(ev.dial_event, "DialState", None, a, [("DialStatus", "RINGING")])
        self.set_state(a, 5)
        self.agent_state(self.agent, 6, "RINGING", a.linkedid)

    def agent_answer(self) -> None:
        """Agent answers: OriginateResponse Success, ``cc-outbound`` runs, the customer is dialled."""
        a = self.a
        self.put(ev.cel, "ANSWER", a, a.application, a.app_data)
        self.set_state(a, 6)
        self.agent_answered = self.now
        self.put(ev.dial_event, "DialEnd", None, a, [("DialStatus", "ANSWER")])
        a.goto("cc-outbound", self.number, 0)
        self.app(a, "NoOp", f"Revenue call {self.campaign}/{self.account} to {self.number} by {a.name}")
        self.setvar(a, "__CC_DIRECTION", "outbound")
        self.setvar(a, "__CC_CAMPAIGN", self.campaign)
        self.setvar(a, "__CC_ACCOUNT", self.account)
        self.setvar(a, "CC_AGENT", self.agent.extension)
        self.app(a, "Set", f'CALLERID(all)="{self.cfg.outbound_cli_name}" <{self.cfg.outbound_cli}>')
        self.put(ev.cel, "APP_START", a, "Dial", self.dial_data)
        target = {"channel": a.name, "context": "cc-outbound", "exten": self.number}
        self.put(ev.originate_response, self.action_id, True, a, target)
        self.app(a, "Dial", self.dial_data)
        self.agent_state(self.agent, 2, "INUSE", a.linkedid)
        self._ring_customer()

    def _ring_customer(self) -> None:
        a = self.a
        c = self.new_channel(self.cfg.trunk, UNKNOWN, UNKNOWN, a.linkedid)
        self.cust = c
        c.context = "from-pstn"
        self.announce(c)
        self.put(ev.varset, c, "DIALEDPEERNUMBER", f"{self.number}@{self.cfg.trunk}")
        for var in ("__CC_ACCOUNT", "__CC_CAMPAIGN", "__CC_DIRECTION"):
            self.put(ev.varset, c, var, self.vars.get(var, ""))
        c.cid_num, c.cid_name, c.exten, c.account = self.number, "", self.number, self.campaign
        c.application, c.app_data = "AppDial", "(Outgoing Line)"
        self.put(ev.newexten, c, c.application, c.app_data)
        self.put(
            ev.chan_event, "NewCallerid", c, [("CID-CallingPres", "0 (Presentation Allowed, Not Screened)")]
        )
        self.put(ev.chan_event, "NewAccountCode", c, [("OldAccountCode", "")])
        c.conn_num, c.conn_name = a.cid_num, a.cid_name
        self.put(ev.chan_event, "NewConnectedLine", c)
        self.put(ev.dial_event, "DialBegin", a, c, [("DialString", f"{self.number}@{self.cfg.trunk}")])
        a.conn_num, a.conn_name = c.cid_num, c.cid_name
        self.put(ev.chan_event, "NewConnectedLine", a)
        self.set_state(c, 5)
        self.put(ev.dial_event, "DialState", a, c, [("DialStatus", "RINGING")])
        self.put(ev.device_state, f"PJSIP/{self.cfg.trunk}", "RINGING")

    def customer_answer(self) -> None:
        """The customer answers: MixMonitor on the customer channel, bridge with the agent."""
        a, c = self.a, self.cust
        self.set_state(c, 6)
        self.put(ev.cel, "ANSWER", c, c.application, c.app_data)
        back = (c.context, c.exten, c.priority)
        c.goto("cc-outbound-answered", "s", 0)
        self.app(c, "NoOp", f"Customer answered - recording as {a.linkedid}")
        pbx = f"{self.cfg.recording_prefix}/{a.linkedid}"
        c.goto("cc-record", "s", 0)
        self.setvar(c, "CC_RECORDING", f"{pbx}.wav")
        self.app(c, "Set", f"CDR(userfield)={pbx}.wav")
        self.app(
            c,
            "MixMonitor",
            f"{pbx}.raw,bD,/usr/bin/sox -q -t raw -r 8000 -e signed-integer -b 16 -c 2 {pbx}.raw {pbx}.wav",
        )
        self.put(ev.varset, c, "MIXMONITOR_FILENAME", f"{pbx}.raw")
        self.put(ev.chan_event, "MixMonitorStart", c)
        c.context, c.exten, c.priority = back
        c.exten = ""
        self.record.recording = f"{pbx}.wav"
        self.put(ev.dial_event, "DialEnd", a, c, [("DialStatus", "ANSWER")])
        self.put(ev.varset, a, "DIALSTATUS", "ANSWER")
        self.bridge_up(c, a)
        self.put(ev.device_state, f"PJSIP/{self.cfg.trunk}", "INUSE")
        self.bridged = True
        self.record.disposition = "answered"

    def customer_fail(self, outcome: str) -> None:
        """Dial returns BUSY / NOANSWER / CONGESTION; the dialplan hangs the agent up."""
        a, c = self.a, self.cust
        status, disposition, cause, tech = FAILURES[outcome]
        if tech is not None:
            self.put(ev.hangup_request, c, cause, tech)
        self.put(ev.dial_event, "DialEnd", a, c, [("DialStatus", status)])
        self.put(ev.varset, a, "DIALSTATUS", status)
        self.setvar(a, "CC_OUTCOME", status)
        self.app(a, "Hangup")
        self.put(ev.chan_event, "SoftHangupRequest", a, [("Cause", "16")])
        self.kill(c, cause, tech, source=c.name if tech else "")
        agent_cause = 16 if outcome == "noanswer" else cause
        self.kill(a, agent_cause, tech, source="dialplan/builtin", dialstatus=status)
        self._failure_cdrs(disposition)
        self.put(ev.device_state, f"PJSIP/{self.cfg.trunk}", "NOT_INUSE")
        self.agent_free(self.agent, took_call=False)
        self.finish(outcome.replace("noanswer", "no_answer"), a)

    def _common(self) -> dict[str, str]:
        return {"Destination": self.number, "DestinationContext": "cc-outbound"}

    def _failure_cdrs(self, disposition: str) -> None:
        a, c = self.a, self.cust
        fields = {"LastApplication": "Dial", "LastData": self.dial_data, "Disposition": disposition}
        self.cdr_row(a, c, a.created, self.agent_answered, fields | self._common())
        # Asterisk writes a second, 0-second ANSWERED row for the agent leg after Dial returns.
        fields = {"LastApplication": "Hangup", "LastData": "", "Disposition": "ANSWERED"}
        self.cdr_row(a, None, self.now, self.now, fields | self._common())

    def hangup(self, who: str = "customer") -> None:
        """``who`` ('customer'/'caller' or 'agent') hangs up; before bridging this cancels the call."""
        if self.finished:
            return
        if not self.bridged:
            self._cancel(who)
            return
        a, c = self.a, self.cust
        first, other = (a, c) if who == "agent" else (c, a)
        self.put(ev.hangup_request, first, 16)
        fields = {
            "LastApplication": "Dial",
            "LastData": self.dial_data,
            "Disposition": "ANSWERED",
            "UserField": f";{self.record.recording}",
        }
        self.cdr_row(a, c, a.created, self.agent_answered, fields | self._common())
        self.bridge_down(first, other)
        self.kill(first, 16, source=first.name, dialstatus="ANSWER" if first is a else "")
        self.put(ev.chan_event, "SoftHangupRequest", other, [("Cause", "16")])
        self.kill(other, 16, source=first.name, dialstatus="ANSWER" if other is a else "")
        self.put(ev.device_state, f"PJSIP/{self.cfg.trunk}", "NOT_INUSE")
        self.agent_free(self.agent, took_call=True)
        self.finish("answered", a)

    def _cancel(self, who: str) -> None:
        """Hangup before the customer answered: the customer leg (if any) is cancelled."""
        a, c = self.a, self.cust
        self.put(ev.hangup_request, a, 16)
        if c is not a:
            self.put(ev.dial_event, "DialEnd", a, c, [("DialStatus", "CANCEL")])
            self.kill(c, 0, source="")
        self.kill(a, 16, source=a.name)
        fields = {"LastApplication": "Dial", "LastData": self.dial_data, "Disposition": "NO ANSWER"}
        self.cdr_row(a, c if c is not a else None, a.created, self.agent_answered, fields | self._common())
        self.agent_free(self.agent, took_call=False)
        self.finish("no_answer", a)

    def originate_failed(self) -> None:
        """The agent never answered / is unreachable: OriginateResponse Failure, nothing else."""
        a = self.a
        target = {"channel": self.agent.interface, "context": "cc-outbound", "exten": self.number}
        self.put(ev.hangup_request, a)
        self.kill(a, 0, source="")
        self.put(ev.originate_response, self.action_id, False, None, target)
        self.agent_free(self.agent, took_call=False)
        self.finish("failed", a)
