"""Staff tokens and partner keys: issued, listed and revoked by admins."""
