"""Trial alerts: subscriptions, profiles and the matching job."""
