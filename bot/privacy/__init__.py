"""Privacy as a feature: what residents are told, what is never kept, and deleting on request."""
