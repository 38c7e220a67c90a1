"""Intake: tickets, messages, customers, the FIFO queue, email intake, knowledge base."""
