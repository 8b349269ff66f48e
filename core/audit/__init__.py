"""The audit log: sensitive actions, who did them and how they ended."""

from core.audit.service import MASK, AuditEntry, AuditLog, changes

__all__ = ["MASK", "AuditEntry", "AuditLog", "changes"]
