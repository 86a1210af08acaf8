"""Evidence bundles: ingest (folder, bag, zip), manifest, evidence kinds, integrity."""
