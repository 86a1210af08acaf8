"""The supervisor's audit workspace: many bundles, one signed append-only ledger (docs/audit.md)."""
