"""Reading evaluation sets and model outputs, freezing sets."""
