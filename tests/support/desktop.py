"""An agent's desktop driven through the JSON API over HTTP, as tolerant of faults as the real one.

It signs in with a token, then loops: Get Lead, call, follow the call to its
end (hanging up a customer who would talk for ever), save the survey, Ready,
next. Like the real desktop it re-reads the agent's state from the server
after anything unexpected rather than trusting what it last saw, and it
retries an answer of 503 (the PBX or Redis away) or a lost connection after a
short pause: an agent clicks again. Everything else unexpected is recorded.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

RETRY_PAUSE_S = 0.2
# The desktop tells the server it is alive this often (its live stream would).
HEARTBEAT_S = 1.0
# After the run's deadline a desktop still finishes its call and survey for this long.
FINISH_S = 30.0
# A customer whose number ends in 4 talks for an hour: the agent hangs up after this.
TALK_BEFORE_HANGUP_S = 0.3
LONG_TALKER = "4"
HANG_UP_AGAIN_S = 1.0
# A state that contradicts the call shown is wrong once it lasts this long.
ODD_STATE_S = 2.0


@dataclass
class Floor:
    """What every desktop of a run shares: when to stop, and what they all saw."""

    calls_wanted: int
    deadline: float
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    calls_placed: int = 0
    answers: Counter[int] = field(default_factory=Counter)  # HTTP status -> count
    refusals: Counter[str] = field(default_factory=Counter)  # API code -> count
    surprises: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # requests that got no answer, and why

    def note(self, response: httpx.Response) -> None:
        with self.lock:
            self.answers[response.status_code] += 1
            if response.status_code >= 400:
                code = _json(response).get("code") or str(response.status_code)
                self.refusals[code] += 1

    def lost_connection(self, detail: str) -> None:
        with self.lock:
            self.refusals["no connection"] += 1
            self.lost.append(detail)

    def surprise(self, text: str) -> None:
        with self.lock:
            self.surprises.append(text)

    def call_placed(self) -> None:
        with self.lock:
            self.calls_placed += 1
            if self.calls_placed >= self.calls_wanted:
                self.stop.set()

    def is_over(self) -> bool:
        """No new lead is taken once enough calls are placed or the time is up."""
        return self.stop.is_set() or time.monotonic() > self.deadline

    def is_past_finish(self) -> bool:
        """Not even the work in hand is finished after this."""
        return time.monotonic() > self.deadline + FINISH_S


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class Desktop:
    """One agent's desktop, run in its own thread until the floor stops."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        extension: str,
        campaign_id: int,
        floor: Floor,
    ) -> None:
        self.username, self._password, self.extension = username, password, extension
        self.campaign_id = campaign_id
        self.floor = floor
        self.http = httpx.Client(base_url=base_url, timeout=10)
        self.calls: list[int] = []
        self.error: BaseException | None = None
        self._token = ""
        self._last_heartbeat = 0.0
        self._odd_since: float | None = None
        self._thread = threading.Thread(target=self._run, name=f"desk-{username}", daemon=True)

    # ------------------------------------------------------------ the wire

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        """One request; None after a lost connection or a 503 (the caller tries again)."""
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        headers.update(kwargs.pop("headers", {}))
        try:
            response = self.http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as error:
            self.floor.lost_connection(f"{method} {path}: {error!r}")
            time.sleep(RETRY_PAUSE_S)
            return None
        self.floor.note(response)
        if response.status_code == 503:
            time.sleep(RETRY_PAUSE_S)
            return None
        if response.status_code >= 500:
            self.floor.surprise(f"{self.username} {method} {path}: {response.status_code}")
            time.sleep(RETRY_PAUSE_S)
            return None
        return response

    def _until_sent(self, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        """The request, repeated while the server is away; None if the run is past finishing."""
        while not self.floor.is_past_finish():
            response = self._send(method, path, **kwargs)
            if response is not None:
                return response
        return None

    # ------------------------------------------------------------ the loop

    def start(self) -> Desktop:
        self._thread.start()
        return self

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise AssertionError(f"the desktop of {self.username} did not finish")
        if self.error is not None:
            raise AssertionError(f"the desktop of {self.username} broke") from self.error

    def _run(self) -> None:
        try:
            self._sign_in()
            while True:
                self._heartbeat()
                agent = self._agent()
                if agent is None or not self._step(agent):
                    break
        except BaseException as error:  # reported by join()
            self.error = error
        finally:
            self.http.close()

    def _sign_in(self) -> None:
        body = {"agent_id": self.username, "password": self._password, "extension": self.extension}
        response = self._until_sent("POST", "/api/session", json=body)
        if response is None or response.status_code != 201:
            raise AssertionError(f"sign-in refused: {response and response.text}")
        self._token = response.json()["token"]

    def _heartbeat(self) -> None:
        if time.monotonic() - self._last_heartbeat > HEARTBEAT_S:
            self._last_heartbeat = time.monotonic()
            self._send("POST", "/api/agent/heartbeat")

    def _agent(self) -> dict[str, Any] | None:
        response = self._until_sent("GET", "/api/agent")
        if response is not None and response.status_code != 200:
            raise AssertionError(f"GET /api/agent: {response.status_code} {response.text}")
        return None if response is None else response.json()

    def _step(self, agent: dict[str, Any]) -> bool:
        """Do what the screen calls for; False once this desktop is done."""
        state, call = agent["state"], agent.get("call")
        if call is not None and call["is_up"]:
            self._follow(call)
        elif state == "wrapup":
            self._save_survey(agent)
        elif state == "paused":
            self._until_sent("POST", "/api/agent/ready", json={})
        elif state == "ready" and agent.get("lead_id") is not None:
            self._call(agent["lead_id"])
        elif state == "ready":
            return self._get_lead()
        else:
            # Read while the call was ending (its end and the agent's new state are one
            # commit, read by two statements): look again; only a state that stays is wrong.
            self._odd_since = self._odd_since or time.monotonic()
            if time.monotonic() - self._odd_since > ODD_STATE_S:
                self.floor.surprise(f"{self.username}: {state!r} with no call up: {call}")
                self._odd_since = None
            time.sleep(RETRY_PAUSE_S)
            return True
        self._odd_since = None
        return True

    def _get_lead(self) -> bool:
        if self.floor.is_over():
            return False
        response = self._until_sent(
            "POST", "/api/leads/next", json={"campaign_id": self.campaign_id}
        )
        if response is None:
            return False
        if response.status_code != 200:
            self.floor.surprise(f"{self.username} Get Lead: {response.status_code} {response.text}")
            return True
        body = response.json()
        if body["lead"] is None:
            # Every lead is held by another agent or waiting for its retry: look again soon.
            time.sleep(RETRY_PAUSE_S)
            return True
        self._call(body["lead"]["id"])
        return True

    def _call(self, lead_id: int) -> None:
        response = self._until_sent("POST", "/api/calls", json={"lead_id": lead_id})
        if response is not None and response.status_code == 201:
            self.calls.append(response.json()["call"]["id"])
            self.floor.call_placed()
        # Anything else (the lead went back meanwhile, a call already up): the state says.

    def _follow(self, call: dict[str, Any]) -> None:
        """Watch the call until it ends, hanging up on a customer who would talk for ever."""
        call_id = call["id"]
        talking_since: float | None = None
        while not self.floor.is_past_finish():
            self._heartbeat()
            response = self._send("GET", f"/api/calls/{call_id}")
            if response is None:
                continue
            if response.status_code != 200:
                self.floor.surprise(f"{self.username} GET call {call_id}: {response.status_code}")
                return
            call = response.json()["call"]
            if not call["is_up"]:
                return
            if call["state"] == "connected" and call["number"].endswith(LONG_TALKER):
                talking_since = talking_since or time.monotonic()
                if time.monotonic() - talking_since > TALK_BEFORE_HANGUP_S:
                    self._send("POST", f"/api/calls/{call_id}/hangup")
                    talking_since += HANG_UP_AGAIN_S  # still up a second later: click again
            time.sleep(0.05)

    def _save_survey(self, agent: dict[str, Any]) -> None:
        call, lead = agent.get("call"), agent.get("lead")
        if agent.get("survey_saved") or call is None or lead is None or not lead.get("survey"):
            self._until_sent("POST", "/api/agent/ready", json={})
            return
        answers = {str(q["id"]): "yes" for q in lead["survey"]["questions"]}
        key = f"{call['id']}-{uuid.uuid5(uuid.NAMESPACE_URL, str(call['id'])).hex[:8]}"
        self._until_sent(
            "PUT",
            f"/api/calls/{call['id']}/survey",
            json={"answers": answers},
            headers={"Idempotency-Key": key},
        )
        self._until_sent("POST", "/api/agent/ready", json={})
