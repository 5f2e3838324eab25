"""Outgoing notifications: webhooks queued in the write transaction and delivered by a worker."""
