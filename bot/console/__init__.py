"""The coordinators' web console: sign-in, live queue, transcripts, replies, handoff actions."""
