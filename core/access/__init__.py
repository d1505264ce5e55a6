"""Authorisation: who may do what, in one table (`POLICY`), and the acting principal."""

from core.access.policy import POLICY, Principal, allowed, require

__all__ = ["POLICY", "Principal", "allowed", "require"]
