"""The sender's pure core: Graph API request bodies and the error classification."""
