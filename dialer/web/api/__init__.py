"""The JSON API: the agent desktop's actions, inbound and history, the live event stream,
and the OpenAPI document that describes them."""
