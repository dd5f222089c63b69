"""Data sources: one module per source. The only package that touches files and the network."""
