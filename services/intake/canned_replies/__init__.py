"""Canned replies: the team's shared texts and each agent's own."""
