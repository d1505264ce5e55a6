"""Live updates for signed-in users: their company's flow work and their own notifications,
as they commit, for the web app's server-sent event stream."""

from core.live.hub import FLOW_EVENTS, REPLAY_SECONDS, LiveEvent, LiveHub, Subscription

__all__ = ["FLOW_EVENTS", "REPLAY_SECONDS", "LiveEvent", "LiveHub", "Subscription"]
