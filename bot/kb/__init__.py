"""The getting-online knowledge base: one YAML file per topic under content/kb/."""
