"""The database: engine and sessions, the schema, repositories, size limits, the audit log, Rasa's tracker table."""
