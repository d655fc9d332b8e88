"""The HTTP edge, without the web framework: operations, request parsing, response shaping, the OpenAPI document."""
