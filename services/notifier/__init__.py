"""Notifier: email to customers, partner webhooks, the delivery log."""
