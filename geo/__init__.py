"""Geography helpers: the area hierarchy and placing points in areas (pure functions, no UI)."""
