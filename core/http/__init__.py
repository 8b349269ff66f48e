"""The HTTP pipeline: request context, security headers, errors, rate limits."""
