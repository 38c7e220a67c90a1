"""Staff: console sign-in links, passwords, and the admins' staff list."""
