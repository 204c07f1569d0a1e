"""Conversation tests: real chats through the REST webhook of the running stack."""
