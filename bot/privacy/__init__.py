"""What we keep and for how long: "delete my data" (forget), erasing a conversation, retention."""
