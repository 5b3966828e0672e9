"""The executor's pure core: flow documents, conversation state, decide and evolve."""
