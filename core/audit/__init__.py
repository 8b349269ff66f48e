"""The audit log: sensitive actions, who did them and how they ended."""

from core.audit.service import AuditEntry, AuditLog

__all__ = ["AuditEntry", "AuditLog"]
