"""The audit log: who read or changed what through the APIs, append-only and hash-chained."""
