"""The flow engine's pure core: flow documents, conversation state, `decide` and `evolve`.

The executor runs it over Kafka; the management API runs the same code in memory to simulate
a draft and to replay a recorded conversation, so what the console shows is what runs.
"""
