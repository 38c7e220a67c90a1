"""Pydantic contracts shared by the services: the event envelope, event payloads, API models."""
