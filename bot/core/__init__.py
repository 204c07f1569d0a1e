"""The door to Rasa and what runs inside Rasa's processes.

The pool and its affinity live in the gateway; the worker, tracker cache, Rasa patches and action
outage handling run in each Rasa worker process; the action server runs in its own; training is a
command run before any of them.
"""
