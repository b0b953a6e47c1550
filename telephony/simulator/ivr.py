"""IVR phases of the main number (``cc-ivr``): menu, DTMF, account / reference entry, status."""

from __future__ import annotations

from telephony.simulator import events as ev
from telephony.simulator.inbound import InboundBase

DTMF_MS = 180  # RFC 4733 digit duration the carrier's phones send
# Prompt lengths (seconds) of the reference sounds, used to pace the self-service branch.
PROMPT_SECONDS = {"reference-number": 1.6, "status-in-progress": 4.2, "goodbye": 1.5, "invalid-option": 1.8}


class IvrCall(InboundBase):
    """Inbound call with the main-number IVR."""

    ivr_path = ""
    ivr_tries = 0
    ivr_mode = ""  # 'menu' | 'account' | 'reference' | 'status' | '' (not in the IVR)
    ivr_buffer = ""

    def ivr_start(self) -> None:
        """``cc-ivr,s,1``: answer, CC_IVR_PATH=main, first menu attempt."""
        c = self.caller
        c.goto("cc-ivr", "s", 0)
        self.app(c, "NoOp", f"IVR main menu for {c.cid_num}")
        self.setvar(c, "__CC_DIRECTION", "inbound")
        self.app(c, "Answer")
        self._answer_caller()
        self.ivr_path = "main"
        self.setvar(c, "CC_IVR_PATH", "main")
        self.setvar(c, "CC_IVR_TRIES", "0")
        self.menu()

    def menu(self) -> None:
        """One attempt of ``Read(CC_CHOICE,main-menu,1,,1,5)``."""
        c = self.caller
        c.goto("cc-ivr", "s", 5)
        self.ivr_tries += 1
        self.setvar(c, "CC_IVR_TRIES", str(self.ivr_tries))
        self.app(c, "GotoIf", f"{int(self.ivr_tries > 3)}?giveup")
        self._read("CC_CHOICE", "main-menu", "1,,1,5")
        self.ivr_mode = "menu"

    def _read(self, var: str, prompt: str, opts: str) -> None:
        c = self.caller
        data = f"{var},{self.cfg.sounds_dir}/{prompt},{opts}"
        self.app(c, "Read", data)
        self.put(ev.cel, "STREAM_BEGIN", c, "Read", data, "", f'{{"sound":"{self.cfg.sounds_dir}/{prompt}"}}')
        self.ivr_buffer = ""

    def press(self, digit: str) -> None:
        """The caller's phone sends one RFC 4733 digit (DTMFBegin, 180 ms, DTMFEnd)."""
        c = self.caller
        self.put(ev.dtmf, c, digit, None)
        self.put(
            ev.cel, "DTMF", c, c.application, c.app_data, "", f'{{"digit":"{digit}","duration_ms":{DTMF_MS}}}'
        )
        self.wait(DTMF_MS / 1000)
        self.put(ev.dtmf, c, digit, DTMF_MS)
        if digit != "#":
            self.ivr_buffer += digit

    def choose(self) -> str:
        """Act on the menu digit pressed; returns 'account', 'faults', 'status' or 'invalid'."""
        c = self.caller
        digit = self.ivr_buffer[:1]
        self.put(ev.cel, "STREAM_END", c, c.application, c.app_data)
        self.put(ev.varset, c, "CC_CHOICE", digit)
        self.put(ev.varset, c, "READSTATUS", "OK")
        self.app(c, "GotoIf", "0?noinput")
        self.ivr_path += f"/{digit}"
        self.setvar(c, "CC_IVR_PATH", self.ivr_path)
        for n, label in (("1", "accounts,1"), ("2", "faults,1"), ("3", "status,1")):
            self.app(c, "GotoIf", f"{int(digit == n)}?{label}")
            if digit == n:
                return self._branch(n)
        self.app(c, "Playback", f"{self.cfg.sounds_dir}/invalid-option")
        return "invalid"

    def _branch(self, digit: str) -> str:
        c = self.caller
        if digit == "1":
            c.goto("cc-ivr", "accounts", 0)
            self._read("CC_ACCOUNT_IN", "enter-account", "10,,2,8")
            self.ivr_mode = "account"
            return "account"
        if digit == "2":
            c.goto("cc-ivr", "faults", 0)
            self.ivr_path += "/fault"
            self.setvar(c, "CC_IVR_PATH", self.ivr_path)
            self.app(c, "Goto", "cc-queue,faults,1")
            self.ivr_mode = ""
            return "faults"
        c.goto("cc-ivr", "status", 0)
        self._read("CC_REF_IN", "enter-reference", "8,,2,8")
        self.ivr_mode = "reference"
        return "status"

    def no_input(self) -> None:
        """Read() timed out with no digit: CC_IVR_PATH gains ``/noinput`` and the menu repeats."""
        c = self.caller
        self.put(ev.varset, c, "READSTATUS", "TIMEOUT")
        self.ivr_path += "/noinput"
        self.setvar(c, "CC_IVR_PATH", self.ivr_path)
        self.menu()

    def account_entered(self) -> str:
        """Digits + '#' keyed at the account prompt: __CC_ACCOUNT, path, then the accounts queue."""
        c = self.caller
        acct = self.ivr_buffer
        self.put(ev.cel, "STREAM_END", c, c.application, c.app_data)
        self.put(ev.varset, c, "CC_ACCOUNT_IN", acct)
        self.put(ev.varset, c, "READSTATUS", "OK")
        self.setvar(c, "__CC_ACCOUNT", acct)
        self.ivr_path += f"/account:{acct or 'none'}"
        self.setvar(c, "CC_IVR_PATH", self.ivr_path)
        self.app(c, "Goto", "cc-queue,accounts,1")
        self.ivr_mode = ""
        return acct

    def reference_entered(self) -> None:
        """Reference digits + '#': __CC_REFERENCE, path, then the status prompts up to 'goodbye'."""
        c = self.caller
        ref = self.ivr_buffer
        self.put(ev.cel, "STREAM_END", c, c.application, c.app_data)
        self.put(ev.varset, c, "CC_REF_IN", ref)
        self.put(ev.varset, c, "READSTATUS", "OK")
        self.app(c, "GotoIf", f"{int(not ref)}?cc-ivr,s,menu")
        self.setvar(c, "__CC_REFERENCE", ref)
        self.ivr_path += f"/reference:{ref}"
        self.setvar(c, "CC_IVR_PATH", self.ivr_path)
        self.ivr_mode = "status"
        self._prompt("reference-number")
        self.app(c, "SayDigits", ref)
        self.wait(0.7 * len(ref))
        self._prompt("status-in-progress")
        c.application, c.app_data = "Playback", f"{self.cfg.sounds_dir}/goodbye"
        self.app(c, "Playback", c.app_data)
        self.put(ev.cel, "STREAM_BEGIN", c, "Playback", c.app_data)

    def _prompt(self, name: str) -> None:
        c = self.caller
        path = f"{self.cfg.sounds_dir}/{name}"
        self.app(c, "Playback", path)
        self.put(ev.cel, "STREAM_BEGIN", c, "Playback", path)
        self.wait(PROMPT_SECONDS[name])
        self.put(ev.cel, "STREAM_END", c, "Playback", path)
        self.put(ev.varset, c, "PLAYBACKSTATUS", "SUCCESS")
