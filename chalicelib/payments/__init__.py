"""Payment gateways: one module per gateway (signature check, parsing, signed requests), all pure."""
