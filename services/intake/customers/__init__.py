"""Customers' access: a new link to their open requests for a customer who lost theirs."""
