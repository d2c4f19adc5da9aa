from __future__ import annotations

from imago.privacy.models import AuditEvent


def audit_record(*, actor, subject, action: str, what: str) -> AuditEvent:
    """Write the audit entry before the data is shown (callers do this first)."""
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=actor.email,
        subject=subject,
        subject_label=subject.email,
        action=action,
        what=what[:200],
    )
