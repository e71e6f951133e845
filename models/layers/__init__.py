"""Building blocks shared by families and exporters."""
