"""The six SviftDesk services; each folder has the same shape (see README)."""

SERVICE_APPS = {
    "intake": "services.intake.app",
    "sla": "services.sla.app",
    "notifier": "services.notifier.app",
    "escalation": "services.escalation.app",
    "console": "services.console.app",
    "portal": "services.portal.app",
}
