"""The reference dialplan's answering-machine step, ``[dialer-amd]``, as the simulator runs it.

``Dial(...,U(dialer-amd))`` runs it on the answered customer's channel before the
bridge: ``AMD()`` listens, sets AMDSTATUS and AMDCAUSE (VarSet), ``UserEvent(DialerAMD)``
reports them, and a machine is hung up (``GOSUB_RESULT=ABORT`` ends both legs) when the
call's DIALER_AMD says ``hangup``. The simulated world decides what AMD() hears: a
callee flagged as an answering machine (a number ending in 77) is one, anyone else
a person.
"""

from __future__ import annotations

from dialer.telephony.simulator.channels import Channel
from dialer.telephony.simulator.dialplan import AMD_CONTEXT, Dialplan

# How long AMD() listens before it decides: a long greeting takes longer to call a machine
# than a short "hello" and a pause take to call a person (AMD's defaults are 1.5 to 5 s).
MACHINE_HEARD_S = 2.5
HUMAN_HEARD_S = 1.0
ABORT = "ABORT"


async def run_amd_step(dialplan: Dialplan, chan: Channel) -> str:
    """Run [dialer-amd] on the answered callee channel; the GOSUB_RESULT ("" or "ABORT")."""
    engine = dialplan.engine
    saved = (chan.context, chan.exten, chan.priority)
    chan.context, chan.exten = AMD_CONTEXT, "s"
    dialplan.step(chan, 1, "AMD")
    machine = chan.partner is not None and chan.partner.is_answering_machine
    await dialplan.wait(MACHINE_HEARD_S if machine else HUMAN_HEARD_S)
    if chan.dead:
        return ""
    status, cause = ("MACHINE", "LONGGREETING-2000-1500") if machine else ("HUMAN", "HUMAN-300-800")
    engine.set_var(chan, "AMDSTATUS", status)
    engine.set_var(chan, "AMDCAUSE", cause)
    body = f"AMDStatus: {status},AMDCause: {cause}"
    dialplan.step(chan, 2, "UserEvent", f"DialerAMD,{body}")
    engine.chan_event(
        "UserEvent",
        chan,
        ("UserEvent", "DialerAMD"),
        ("AMDStatus", status),
        ("AMDCause", cause),
        cls="user",
    )
    action = chan.get_var("DIALER_AMD") or ""
    hang_up = status == "MACHINE" and action == "hangup"
    dialplan.step(chan, 3, "GotoIf", f"{int(hang_up)}?machine")
    if hang_up:
        dialplan.step(chan, 5, "Set", f"GOSUB_RESULT={ABORT}")
        engine.set_var(chan, "GOSUB_RESULT", ABORT)
        dialplan.step(chan, 6, "Return")
    else:
        dialplan.step(chan, 4, "Return")
    chan.context, chan.exten, chan.priority = saved
    return ABORT if hang_up else ""
