"""Render: workflow diagrams (Graphviz) and documentation pages (jinja2), from the IR."""
