"""Understanding people: the classifier Rasa loads in its workers to read intents and FAQ topics."""
