"""The ratings, records and safety forms and dialogs. Views only: they show and emit intents, and
never call the store. GUI thread only."""
