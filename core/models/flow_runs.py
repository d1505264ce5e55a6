"""Flow run state beyond the seed: frozen definitions that instances are pinned to, the level
visits (steps) of an instance, who is asked to act on each, and the instance's history."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, JSONType, TenantOwned, id_column, json_column, utcnow

if TYPE_CHECKING:
    from core.models.flows import FlowInstance
    from core.models.tasks import TaskExecution


class StepStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"


class AssignmentStatus(enum.StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    REASSIGNED = "REASSIGNED"
    WITHDRAWN = "WITHDRAWN"


class AssignmentSource(enum.StrEnum):
    ROLE = "ROLE"
    INITIATOR = "INITIATOR"
    ASSIGNED = "ASSIGNED"
    REASSIGNED = "REASSIGNED"
    DELEGATED = "DELEGATED"


class ActionKind(enum.StrEnum):
    STARTED = "STARTED"
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    REASSIGNED = "REASSIGNED"
    ADVANCED = "ADVANCED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    OVERDUE = "OVERDUE"
    DELEGATED = "DELEGATED"


class FlowDefinition(TenantOwned, Base):
    """A flow's levels, level tasks (with their fields), roles and branches frozen as one
    self-contained JSON snapshot. Beyond the seed: an instance runs on the definition it
    started with, so editing or publishing the flow never changes running instances. Rows
    are immutable and deduplicated by the digest of the snapshot."""

    __tablename__ = "flow_definitions"
    __table_args__ = (
        sa.UniqueConstraint("flow_id", "digest"),
        sa.Index("idx_flow_definitions_published", "flow_id", "published_at"),
        sa.Index("idx_flow_definitions_company", "company_id"),
    )

    id: Mapped[str] = id_column()
    flow_id: Mapped[str] = mapped_column(sa.ForeignKey("flows.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(sa.String(64))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # Set when the definition became the one new instances of a published flow start on.
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())


class FlowStep(TenantOwned, Base):
    """One visit of an instance to a level (a level visited twice, after a rejection sent the
    instance back, is two steps). Beyond the seed: the unique active step per instance is the
    database's guarantee that a level is never advanced twice."""

    __tablename__ = "flow_steps"
    __table_args__ = (
        sa.UniqueConstraint("instance_id", "number"),
        sa.Index(
            "uq_flow_steps_one_active",
            "instance_id",
            unique=True,
            postgresql_where=sa.text("status = 'ACTIVE'"),
            sqlite_where=sa.text("status = 'ACTIVE'"),
        ),
        sa.Index(
            "idx_flow_steps_due",
            "due_at",
            postgresql_where=sa.text("status = 'ACTIVE'"),
            sqlite_where=sa.text("status = 'ACTIVE'"),
        ),
        sa.Index("idx_flow_steps_company", "company_id"),
    )

    id: Mapped[str] = id_column()
    instance_id: Mapped[str] = mapped_column(sa.ForeignKey("flow_instances.id", ondelete="CASCADE"))
    definition_id: Mapped[str] = mapped_column(sa.ForeignKey("flow_definitions.id"))
    number: Mapped[int]
    level_order: Mapped[int]
    level_id: Mapped[str] = mapped_column(sa.String(36))
    level_name: Mapped[str]
    status: Mapped[str] = mapped_column(sa.String(16), default=StepStatus.ACTIVE)
    # How many approvals close the level, fixed when the level is entered.
    required_approvals: Mapped[int]
    entered_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    due_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # Whether the instance had gone back to an earlier level before this step: only then can
    # a submission on it update one made on an earlier visit.
    backtracked: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # When the deadline job applied the level's onDeadline action: set once, never again.
    deadline_handled_at: Mapped[datetime | None]

    # Declared so that a flush inserts the instance before its steps (rows refer by id).
    instance: Mapped[FlowInstance] = relationship(lazy="raise")


class FlowStepRole(TenantOwned, Base):
    """A role whose current holders may act on a step. Beyond the seed: the inbox and the
    engine read who holds these roles now, so a role given or taken after the level was
    entered counts at once (the level's roles are frozen with the step, like its definition)."""

    __tablename__ = "flow_step_roles"
    __table_args__ = (
        sa.Index("idx_flow_step_roles_role", "role_id", "step_id"),
        sa.Index("idx_flow_step_roles_company", "company_id"),
    )

    step_id: Mapped[str] = mapped_column(
        sa.ForeignKey("flow_steps.id", ondelete="CASCADE"), primary_key=True
    )
    role_id: Mapped[str] = mapped_column(
        sa.ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True
    )

    # Declared so that a flush inserts the step before its roles.
    step: Mapped[FlowStep] = relationship(lazy="raise")


class FlowAssignment(TenantOwned, Base):
    """A person asked to act on a step: a holder of the level's roles when it was entered,
    the initiator, an explicit assignee, or whom it was reassigned to. Beyond the seed: the
    pending rows are the inbox, and each vote is the update of exactly one of them."""

    __tablename__ = "flow_assignments"
    __table_args__ = (
        sa.Index(
            "idx_flow_assignments_inbox",
            "user_id",
            postgresql_where=sa.text("status = 'PENDING'"),
            sqlite_where=sa.text("status = 'PENDING'"),
        ),
        sa.Index(
            "uq_flow_assignments_pending",
            "step_id",
            "user_id",
            unique=True,
            postgresql_where=sa.text("status = 'PENDING'"),
            sqlite_where=sa.text("status = 'PENDING'"),
        ),
        sa.Index("idx_flow_assignments_instance", "instance_id", "user_id"),
        sa.Index("idx_flow_assignments_step", "step_id"),
        sa.Index("idx_flow_assignments_company", "company_id"),
    )

    id: Mapped[str] = id_column()
    instance_id: Mapped[str] = mapped_column(sa.ForeignKey("flow_instances.id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(sa.ForeignKey("flow_steps.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(sa.String(16), default=AssignmentStatus.PENDING)
    source: Mapped[str] = mapped_column(sa.String(16))
    assigned_by_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    acted_at: Mapped[datetime | None]

    step: Mapped[FlowStep] = relationship(lazy="raise")


class FlowAction(TenantOwned, Base):
    """One entry of an instance's history: started, a task submitted, approved, rejected,
    reassigned, advanced to a level, completed, failed or cancelled, with who and when.
    Beyond the seed: task executions alone do not say who approved, rejected or reassigned."""

    __tablename__ = "flow_actions"
    __table_args__ = (
        sa.Index("idx_flow_actions_instance", "instance_id", "id"),
        sa.Index("idx_flow_actions_step", "step_id", "actor_id"),
        sa.Index("idx_flow_actions_company", "company_id"),
    )

    # An increasing integer: the history's order, even within one transaction.
    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    instance_id: Mapped[str] = mapped_column(sa.ForeignKey("flow_instances.id", ondelete="CASCADE"))
    step_id: Mapped[str | None] = mapped_column(sa.ForeignKey("flow_steps.id", ondelete="CASCADE"))
    level_order: Mapped[int | None]
    kind: Mapped[str] = mapped_column(sa.String(16))
    actor_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    task_id: Mapped[str | None] = mapped_column(sa.String(36))
    execution_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("task_executions.id", ondelete="CASCADE")
    )
    comment: Mapped[str | None] = mapped_column(sa.Text)
    details: Mapped[dict[str, Any]] = json_column("{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())

    instance: Mapped[FlowInstance] = relationship(lazy="raise")
    step: Mapped[FlowStep | None] = relationship(lazy="raise")
    execution: Mapped[TaskExecution | None] = relationship(lazy="raise")


class Delegation(TenantOwned, Base):
    """A user's out-of-office: from `starts_at` until `ends_at`, work that reaches them in a
    flow goes to `delegate_id` instead (recorded in the instance's history). Beyond the seed;
    one per user, replaced when set again."""

    __tablename__ = "user_delegations"
    __table_args__ = (
        sa.UniqueConstraint("user_id", name="uq_user_delegations_user"),
        sa.Index("idx_user_delegations_company", "company_id"),
    )

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    delegate_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
