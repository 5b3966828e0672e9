"""Pure routing decisions of the router service."""
