"""Pure management rules: roles and permissions, token claims, input checks, flow checks."""
