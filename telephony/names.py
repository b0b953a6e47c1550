"""AMI event names and header keys, named once (see STYLE.md habit 4)."""

from __future__ import annotations

from enum import StrEnum


class Ev(StrEnum):
    """Event names the call logger acts on (``Event:`` header values)."""

    NEWCHANNEL = "Newchannel"
    NEWSTATE = "Newstate"
    NEWCALLERID = "NewCallerid"
    VARSET = "VarSet"
    DIAL_BEGIN = "DialBegin"
    DIAL_END = "DialEnd"
    ORIGINATE_RESPONSE = "OriginateResponse"
    BRIDGE_ENTER = "BridgeEnter"
    BRIDGE_LEAVE = "BridgeLeave"
    QUEUE_CALLER_JOIN = "QueueCallerJoin"
    QUEUE_CALLER_LEAVE = "QueueCallerLeave"
    QUEUE_CALLER_ABANDON = "QueueCallerAbandon"
    AGENT_CALLED = "AgentCalled"
    AGENT_CONNECT = "AgentConnect"
    AGENT_COMPLETE = "AgentComplete"
    AGENT_RING_NO_ANSWER = "AgentRingNoAnswer"
    MIXMONITOR_START = "MixMonitorStart"
    HOLD = "Hold"
    UNHOLD = "Unhold"
    DTMF_END = "DTMFEnd"
    HANGUP_REQUEST = "HangupRequest"
    HANGUP = "Hangup"
    BLIND_TRANSFER = "BlindTransfer"
    ATTENDED_TRANSFER = "AttendedTransfer"
    CDR = "Cdr"
    CEL = "CEL"
    QUEUE_MEMBER_STATUS = "QueueMemberStatus"
    QUEUE_MEMBER_PAUSE = "QueueMemberPause"
    QUEUE_MEMBER_ADDED = "QueueMemberAdded"
    QUEUE_MEMBER_REMOVED = "QueueMemberRemoved"
    FULLY_BOOTED = "FullyBooted"
    # Events of our own, stored beside Asterisk's when reconciliation learns
    # something the event stream missed (see telephony/reconcile.py).
    RECONCILED_CHANNEL = "CallcentreReconciledChannel"
    RECONCILED_GONE = "CallcentreReconciledGone"
    # Action responses that come as list events.
    CORE_SHOW_CHANNEL = "CoreShowChannel"
    CORE_SHOW_CHANNELS_COMPLETE = "CoreShowChannelsComplete"


class H(StrEnum):
    """Header keys."""

    EVENT = "Event"
    RESPONSE = "Response"
    MESSAGE = "Message"
    ACTION_ID = "ActionID"
    TIMESTAMP = "Timestamp"
    CHANNEL = "Channel"
    UNIQUEID = "Uniqueid"
    LINKEDID = "Linkedid"
    DEST_CHANNEL = "DestChannel"
    DEST_UNIQUEID = "DestUniqueid"
    DEST_LINKEDID = "DestLinkedid"
    DEST_EXTEN = "DestExten"
    DIAL_STATUS = "DialStatus"
    DIAL_STRING = "DialString"
    CALLER_ID_NUM = "CallerIDNum"
    CALLER_ID_NAME = "CallerIDName"
    CONNECTED_LINE_NUM = "ConnectedLineNum"
    CONTEXT = "Context"
    EXTEN = "Exten"
    ACCOUNT_CODE = "AccountCode"
    VARIABLE = "Variable"
    VALUE = "Value"
    QUEUE = "Queue"
    POSITION = "Position"
    ORIGINAL_POSITION = "OriginalPosition"
    HOLD_TIME = "HoldTime"
    TALK_TIME = "TalkTime"
    RING_TIME = "RingTime"
    REASON = "Reason"
    MEMBER_NAME = "MemberName"
    INTERFACE = "Interface"
    DIGIT = "Digit"
    DIRECTION = "Direction"
    CAUSE = "Cause"
    CAUSE_TXT = "Cause-txt"
    BRIDGE_UNIQUEID = "BridgeUniqueid"
    TRANSFERER_CHANNEL = "TransfererChannel"
    TRANSFEREE_LINKEDID = "TransfereeLinkedid"
    TRANSFEREE_UNIQUEID = "TransfereeUniqueid"
    EXTENSION = "Extension"
    CDR_UNIQUEID = "UniqueID"
    CDR_USERFIELD = "UserField"
    CEL_LINKEDID = "LinkedID"
    CEL_UNIQUEID = "UniqueID"
    CEL_EVENT_NAME = "EventName"
    DURATION = "Duration"
    LIST_ITEMS = "ListItems"


#: CEL event name sent when the last channel of a Linkedid is gone.
CEL_LINKEDID_END = "LINKEDID_END"
#: Prefix of the channel variables the dialplan, IVR and dialer set (``__`` marks inheritance).
CC_VAR_PREFIX = "CC_"
#: Asterisk's own variables that are call-relevant and kept.
KEPT_ASTERISK_VARIABLES = frozenset({"MIXMONITOR_FILENAME", "QUEUESTATUS", "DIALSTATUS"})
